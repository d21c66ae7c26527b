from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "invoices"
    verbose_name = "Invoices (Fullbay)"
    # Permissions each role needs in this app ("app_label.codename"); see fleetops.roles.
    role_permissions: dict[str, list[str]] = {
        "Managers": [
            "invoices.view_dashboard",
            "invoices.view_ingestrun",
            "invoices.view_rawinvoice",
            "invoices.view_lineitem",
            "invoices.view_invoiceissue",
        ],
        "Clerks": [
            "invoices.view_rawinvoice",
            "invoices.view_lineitem",
            "invoices.view_ingestrun",
            "invoices.export_lineitem",
            "invoices.view_invoiceissue",
            "invoices.export_rawinvoice",
            "invoices.export_invoiceissue",
            "invoices.import_rawinvoice",
            "invoices.reprocess_rawinvoice",
        ],
    }
