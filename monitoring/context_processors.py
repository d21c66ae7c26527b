from django.urls import reverse

from monitoring.models import Alert

BANNER_LIMIT = 20


def alert_banner(request):
    """Open (unacknowledged) alerts as a banner on every page, for staff allowed to see them.

    One small query: at most ``BANNER_LIMIT + 1`` rows, most severe first. The
    permission check reuses the user's permission cache (the navigation fills it).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}
    if not user.has_perm("monitoring.view_alert"):
        return {}
    alerts = list(
        Alert.objects.open().by_severity().only("id", "severity", "message")[: BANNER_LIMIT + 1]
    )
    if not alerts:
        return {"open_alerts": []}
    return {
        "open_alerts": alerts[:BANNER_LIMIT],
        "open_alerts_more": len(alerts) > BANNER_LIMIT,
        "alerts_url": reverse("admin:monitoring_alert_changelist") + "?status__exact=open",
        # "Review and acknowledge" only to those who may acknowledge (managers)
        "can_acknowledge": user.has_perm("monitoring.acknowledge_alert"),
    }
