from fleetops.dashboards import dashboards_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_dashboards": []}
    return {"nav_dashboards": dashboards_for(user)}
