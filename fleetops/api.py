"""The FleetOps API: one NinjaAPI, one router per app, every route authenticated."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from fleetops.auth import API_AUTH

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {
            "title": "Detail",
            "description": "What went wrong: a message, or the list of invalid fields (422).",
        }
    },
    "required": ["detail"],
}
COMMON_ERRORS = {
    "401": "Not authenticated: no session, or no usable API token.",
    "403": "Authenticated, but without the permission this operation needs.",
}


class FleetOpsAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI schema also documents the errors every route can answer.

    Ninja documents only the responses a route declares, yet any route can answer 401/403
    (auth, permissions), 422 (invalid parameters or body), 404 (a path parameter naming
    nothing) and, for uploads, 413 (above FLEETOPS_MAX_UPLOAD_BYTES). Clients and
    schemathesis need those in the schema.
    """

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        perms = self._permissions_by_operation_id()
        for path, methods in schema["paths"].items():
            for operation in methods.values():
                errors = dict(COMMON_ERRORS)
                if needed := perms.get(operation.get("operationId")):
                    names = ", ".join(needed)
                    errors["403"] = f"Authenticated, but without the permission {names}."
                    operation["description"] = (
                        f"{operation.get('description', '')}\n\nNeeds the permission {names}."
                    ).lstrip()
                if operation.get("parameters") or operation.get("requestBody"):
                    errors["422"] = "Invalid parameters or body."
                if "{" in path:
                    errors["404"] = "Nothing with that key."
                content = operation.get("requestBody", {}).get("content", {})
                if "multipart/form-data" in content:
                    errors["413"] = "The upload is above FLEETOPS_MAX_UPLOAD_BYTES."
                responses = operation.setdefault("responses", {})
                declared = {str(code) for code in responses}  # ninja's keys are ints
                for code, response in responses.items():
                    if str(code) == "422":  # a route's own 422, or ninja's validation error
                        _also_error(response)
                for code, description in errors.items():
                    if code not in declared:
                        responses[code] = _error_response(description)
        return schema

    def _permissions_by_operation_id(self) -> dict[str, tuple[str, ...]]:
        """The permissions each operation's auth (``fleetops.auth.api_auth``) checks."""
        found = {}
        for bound_router in self._get_bound_routers():
            for path_view in bound_router.path_operations.values():
                for op in path_view.operations:
                    needed = getattr(next(iter(op.auth_callbacks), None), "perms", ())
                    if needed:
                        found[op.operation_id or self.get_openapi_operation_id(op)] = needed
        return found


def _also_error(response: dict) -> None:
    for media in response.get("content", {}).values():
        declared = media.get("schema")
        if declared and declared != {"$ref": "#/components/schemas/Error"}:
            media["schema"] = {"anyOf": [declared, {"$ref": "#/components/schemas/Error"}]}


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def docs_auth(view):
    """Ninja's ``docs_decorator``, wrapped around both the docs page and the schema.

    ``/api/docs`` is a page: an anonymous browser goes to the login page.
    ``/api/openapi.json`` is read by clients like any route: a token or the session
    (``API_AUTH``), and 401 JSON without one.
    """
    page = login_required(view)

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.resolver_match.url_name != "openapi-json":
            return page(request, *args, **kwargs)
        try:
            user = next((user for auth in API_AUTH if (user := auth(request))), None)
        except Exception as exc:  # a logged-in session without its CSRF token (not a GET)
            return api.on_exception(request, exc)
        if user is None:
            return api.on_exception(request, AuthenticationError())
        return view(request, *args, **kwargs)

    return guarded


api = FleetOpsAPI(
    title="FleetOps API",
    version="1.0.0",
    description=(
        "Inventory reconciliation, repair-shop invoices, sales analytics and monitoring. "
        "Authenticate with your browser session (CSRF token required on writes) or with an "
        "API token created in the admin: `Authorization: Bearer fo_...`."
    ),
    auth=API_AUTH,
    docs_decorator=docs_auth,
    urls_namespace="api",
)

api.add_router("/inventory/", "inventory.api.router", tags=["Inventory"])
api.add_router("/invoices/", "invoices.api.router", tags=["Invoices"])
api.add_router("/sales/", "sales.api.router", tags=["Sales"])
api.add_router("/monitoring/", "monitoring.api.router", tags=["Monitoring"])
