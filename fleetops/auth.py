"""Authentication and permission checks shared by the API and the pages."""

from ninja.errors import HttpError
from ninja.security import APIKeyHeader, HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from fleetops.services import api_token_authenticate, api_token_refusal


class PermissionMixin:
    """Credentials that also carry the permissions an operation needs (``api_auth``).

    Ninja runs an operation's auth before it reads the path, query and body, so a user
    without the permission gets 403 whatever the request holds: not a 422 describing
    what the route wants, and no upload parsed first. Without permissions named, any
    authenticated user passes (the schema itself, ``API_AUTH``)."""

    def __init__(self, *args, perms: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.perms = perms

    def permitted(self, user):
        if user and self.perms and not user.has_perms(self.perms):
            raise HttpError(
                403, f"You do not have permission to do this: it needs {', '.join(self.perms)}."
            )
        return user


class TokenAuth(PermissionMixin, HttpBearer):
    """``Authorization: Bearer fo_...``: a per-user API token, stored hashed."""

    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        api_token = api_token_authenticate(token)
        if api_token is None:
            if refusal := api_token_refusal(token):  # one FleetOps issued: say why
                raise HttpError(401, f"{refusal} Ask an administrator for a new one.")
            return None
        request.user = api_token.user
        return self.permitted(api_token.user)


class TokenHeaderAuth(PermissionMixin, APIKeyHeader):
    """``X-API-Key: fo_...`` for tools that cannot send a bearer header."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        return TokenAuth(perms=self.perms).authenticate(request, key)


class SessionAuth(PermissionMixin, NinjaSessionAuth):
    """The browser's session cookie, with ninja's CSRF check on unsafe methods, for a
    logged-in user only (same class name: the OpenAPI security scheme keeps its name).

    Ninja's session auth checks CSRF before it looks at the user, so a request with no
    session at all (anonymous, or a bad token that fell through to here) was refused 403
    "CSRF check Failed" instead of 401. Without a logged-in user there is no ambient
    credential for a forged request to ride on: pass, and the API answers 401.
    """

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return self.permitted(super().__call__(request))  # CSRF first, then the permission


# Tokens for machines, session (cookie) auth with CSRF checks for the browser. Tokens come
# first: a header token cannot be forged cross-site, so it needs no CSRF check, and the
# session's CSRF check must not refuse a token request.
API_AUTH = [TokenAuth(), TokenHeaderAuth(), SessionAuth(csrf=True)]


def api_auth(*perms: str) -> list:
    """``API_AUTH`` for an operation that needs ``perms``: 401 without usable credentials,
    403 when the user authenticated lacks one of them, before the request is read. Pass
    it as the operation's ``auth``; the OpenAPI schema names the permissions."""
    return [
        TokenAuth(perms=perms),
        TokenHeaderAuth(perms=perms),
        SessionAuth(csrf=True, perms=perms),
    ]
