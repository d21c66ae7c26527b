"""What each user may open: the dashboard pages (navigation bar, home page, admin index)
and the admin pages where each role's own work is done (home page)."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


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


@dataclass(frozen=True)
class Task:
    """An admin page where a role does its work, offered on the home page to the users
    whose permissions open it."""

    title: str
    url_name: str
    permission: str
    description: str
    args: tuple = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.args)


TASKS = (
    # Triage staff
    Task(
        "Triage inventory exceptions",
        "admin:inventory_inventoryexception_changelist",
        "inventory.change_inventoryexception",
        "Acknowledge, assign, snooze and resolve the vehicles out of step between sources.",
    ),
    # Clerks (triage staff export vehicles too)
    Task(
        "Upload a dealer feed",
        "admin:inventory_feedimport_import",
        "inventory.import_feedimport",
        "A CDK, vAuto, LoJack or OEM snapshot: checked, previewed, imported in the background.",
    ),
    Task(
        "Upload repair-shop invoices",
        "admin:invoices_rawinvoice_upload",
        "invoices.import_rawinvoice",
        "Fullbay invoice files (JSON): kept raw, flattened into line items and validated.",
    ),
    Task(
        "Sales tables: import and export CSV",
        "admin:app_list",
        "sales.import_customer",
        "Customers, orders, products and the other classicmodels tables: each list has "
        "Import and Export.",
        ("sales",),
    ),
    Task(
        "Export invoice line items",
        "admin:invoices_lineitem_export",
        "invoices.export_lineitem",
        "The flattened invoice lines as CSV, filtered as you choose.",
    ),
    Task(
        "Rows a dealer feed refused",
        "admin:inventory_feedissue_changelist",
        "inventory.export_feedissue",
        "Invalid and duplicate rows of the feed imports, by line: export them for the source.",
    ),
    Task(
        "Invoice data-quality issues",
        "admin:invoices_invoiceissue_changelist",
        "invoices.export_invoiceissue",
        "Invoices whose rows, totals or VINs do not add up: search, filter, export as CSV.",
    ),
    Task(
        "Export vehicles",
        "admin:inventory_vehicle_export",
        "inventory.export_vehicle",
        "Vehicles with what each source says about them, as CSV.",
    ),
    # Managers
    Task(
        "Sales settings",
        "admin:sales_salessettings_changelist",
        "sales.change_salessettings",
        "The as-of date, excluded statuses and thresholds the sales pages use.",
    ),
    Task(
        "Inventory settings",
        "admin:inventory_inventorysettings_changelist",
        "inventory.change_inventorysettings",
        "SLA days and the rates that price the money at risk.",
    ),
    Task(
        "Alert thresholds",
        "admin:monitoring_alertrule_changelist",
        "monitoring.change_alertrule",
        "When monitoring raises an alert, and how severe it is.",
    ),
)


def tasks_for(user) -> list[Task]:
    """The admin work ``user`` may do (the admin opens to staff only); a page whose admin
    is not installed is left out."""
    if not user.is_staff:
        return []
    tasks = []
    for task in TASKS:
        if not user.has_perm(task.permission):
            continue
        try:
            task.url  # noqa: B018 - reversed once here, so the template cannot fail on it
        except NoReverseMatch:
            continue
        tasks.append(task)
    return tasks
