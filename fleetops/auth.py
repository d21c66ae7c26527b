"""Authentication and permission checks shared by the API and the pages."""

from ninja.errors import HttpError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

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


# Tokens for machines, session (cookie) auth with CSRF checks for the browser. Tokens come
# first: ninja's session auth answers 403 "CSRF check Failed" to any unsafe request without
# a CSRF token before the next method is tried, which refused every token POST. A header
# token cannot be forged cross-site, so it needs no CSRF check.
API_AUTH = [TokenAuth(), TokenHeaderAuth(), SessionAuth(csrf=True)]


def require_perm(request, *perms: str) -> None:
    """Raise 403 unless the authenticated user holds every permission named."""
    user = request.auth if hasattr(request, "auth") and request.auth is not None else request.user
    if not user.has_perms(perms):
        raise HttpError(403, "You do not have permission to do this.")
