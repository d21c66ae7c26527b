"""Login is required everywhere unless a view opts out with ``@login_not_required``.

The API (``/api/``: a session or an API token) and ``/metrics`` (an API token as
``Authorization: Bearer``, for Prometheus) authenticate on their own and answer 401
instead of redirecting to the login page. Under ``/api/``,
a path that names nothing (404) or a method a path does not take (405) answers
JSON like every other API error, not Django's HTML page.
"""

from django.contrib.auth.middleware import LoginRequiredMiddleware as _LoginRequired
from django.http import JsonResponse

API_PREFIX = "/api/"

SELF_AUTHENTICATED_PREFIXES = (API_PREFIX, "/metrics")


class LoginRequiredMiddleware(_LoginRequired):
    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(SELF_AUTHENTICATED_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class ApiJsonErrorsMiddleware:
    """``{"detail": ...}`` for the API's 404 and 405 that Django or ninja answer in HTML.

    No URL matched (Django's 404 page) or ninja's path matched without the method (its
    plain "Method not allowed"): the answers of the API's own views, JSON already, pass.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code in (404, 405)
            and request.path_info.startswith(API_PREFIX)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            if response.status_code == 404:
                return JsonResponse({"detail": "Not Found"}, status=404)
            json_response = JsonResponse(
                {"detail": f"Method {request.method} not allowed"}, status=405
            )
            if response.has_header("Allow"):
                json_response["Allow"] = response["Allow"]
            return json_response
        return response
