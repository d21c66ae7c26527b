"""The dashboard pages shown in the navigation bar, on the home page and on the admin index."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Dashboard:
    title: str
    url_name: str
    permission: str
    description: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    @property
    def section(self) -> str:
        """The first segment of the dashboard's URL (``/sales/``): the pages under it."""
        return "/" + self.url.strip("/").split("/", 1)[0] + "/"


DASHBOARDS = (
    Dashboard(
        "Inventory",
        "inventory:dashboard",
        "inventory.view_dashboard",
        "Vehicles across CDK, vAuto, LoJack and OEM; exceptions and money at risk.",
    ),
    Dashboard(
        "Invoices",
        "invoices:dashboard",
        "invoices.view_dashboard",
        "Repair-shop invoices from Fullbay: revenue, parts margin, technicians, data quality.",
    ),
    Dashboard(
        "Sales",
        "sales:executive",
        "sales.view_dashboard",
        "Executive KPIs, regions, risks, opportunities and deep dives.",
    ),
    Dashboard(
        "Monitoring",
        "monitoring:dashboard",
        "monitoring.view_dashboard",
        "Health scores, runs, data quality and alerts.",
    ),
)


def dashboards_for(user) -> list[Dashboard]:
    return [d for d in DASHBOARDS if user.has_perm(d.permission)]
