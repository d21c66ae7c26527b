from fleetops.dashboards import dashboards_for


def navigation(request):
    """The dashboards the user may open, and the one whose section the page is in (its
    URL's first path segment: ``/sales/regions/`` is in the Sales dashboard's ``/sales/``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_dashboards": [], "nav_current": None}
    dashboards = dashboards_for(user)
    current = next((d.url for d in dashboards if request.path.startswith(d.section)), None)
    return {"nav_dashboards": dashboards, "nav_current": current}
