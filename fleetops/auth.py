"""Authentication and permission checks shared by the API and the pages."""

from django.contrib.auth.decorators import login_required
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


# Session (cookie) auth with CSRF checks for the browser, tokens for machines.
API_AUTH = [SessionAuth(csrf=True), TokenAuth(), TokenHeaderAuth()]


def require_perm(request, *perms: str) -> None:
    """Raise 403 unless the authenticated user holds every permission named."""
    user = request.auth if hasattr(request, "auth") and request.auth is not None else request.user
    if not user.has_perms(perms):
        raise HttpError(403, "You do not have permission to do this.")


docs_login_required = login_required
