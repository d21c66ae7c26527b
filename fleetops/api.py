"""The FleetOps API: one NinjaAPI, one router per app, every route authenticated."""

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI

from fleetops.auth import API_AUTH

api = NinjaAPI(
    title="FleetOps API",
    version="1.0.0",
    description=(
        "Inventory reconciliation, repair-shop invoices, sales analytics and monitoring. "
        "Authenticate with your browser session (CSRF token required on writes) or with an "
        "API token created in the admin: `Authorization: Bearer fo_...`."
    ),
    auth=API_AUTH,
    docs_decorator=login_required,
    urls_namespace="api",
)

api.add_router("/inventory/", "inventory.api.router", tags=["Inventory"])
api.add_router("/invoices/", "invoices.api.router", tags=["Invoices"])
api.add_router("/sales/", "sales.api.router", tags=["Sales"])
api.add_router("/monitoring/", "monitoring.api.router", tags=["Monitoring"])
