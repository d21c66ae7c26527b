"""Authentication and permission checks shared by the API and the pages."""

from ninja.errors import HttpError
from ninja.security import APIKeyHeader, HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from fleetops.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer fo_...``: a per-user API token, stored hashed."""

    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        request.user = api_token.user
        return api_token.user


class TokenHeaderAuth(APIKeyHeader):
    """``X-API-Key: fo_...`` for tools that cannot send a bearer header."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        return TokenAuth().authenticate(request, key)


class SessionAuth(NinjaSessionAuth):
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
        return super().__call__(request)


# Tokens for machines, session (cookie) auth with CSRF checks for the browser. Tokens come
# first: a header token cannot be forged cross-site, so it needs no CSRF check, and the
# session's CSRF check must not refuse a token request.
API_AUTH = [TokenAuth(), TokenHeaderAuth(), SessionAuth(csrf=True)]


def require_perm(request, *perms: str) -> None:
    """Raise 403 unless the authenticated user holds every permission named."""
    user = request.auth if hasattr(request, "auth") and request.auth is not None else request.user
    if not user.has_perms(perms):
        raise HttpError(403, "You do not have permission to do this.")
