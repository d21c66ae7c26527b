def alert_banner(request):
    """Open alerts shown as a banner on every page (filled in by the monitoring app)."""
    return {}
