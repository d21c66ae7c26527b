"""Login is required everywhere unless a view opts out with ``@login_not_required``.

The API (``/api/``) and ``/metrics`` authenticate on their own (session or
token) and answer 401 instead of redirecting to the login page.
"""

from django.contrib.auth.middleware import LoginRequiredMiddleware as _LoginRequired

SELF_AUTHENTICATED_PREFIXES = ("/api/", "/metrics")


class LoginRequiredMiddleware(_LoginRequired):
    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(SELF_AUTHENTICATED_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
