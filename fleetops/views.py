from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fleetops.dashboards import dashboards_for, tasks_for
from fleetops.refusals import refusal_for


def home(request):
    """The dashboards and the admin work the user's roles open; a word when they open none."""
    user = request.user
    return render(
        request,
        "home.html",
        {
            "dashboards": dashboards_for(user),
            "tasks": tasks_for(user),
            "roles": list(user.groups.values_list("name", flat=True)),
        },
    )


def permission_denied(request, exception=None):
    """The site's 403 page (``handler403``): the layout, what is missing and a way back."""
    return render(request, "403.html", {"refusal": refusal_for(request, exception)}, status=403)


@login_not_required
@require_GET
def favicon(request):
    """``/favicon.ico``, asked for by browsers on pages that do not name an icon (the API
    docs, JSON): a permanent redirect to the static file."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_GET
def readyz(request):
    """Readiness: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any database failure means not ready
        return JsonResponse({"status": "unavailable", "error": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})
