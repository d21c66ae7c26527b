from django.apps import AppConfig

TABLE_MODELS = (
    "office",
    "employee",
    "customer",
    "productline",
    "product",
    "order",
    "orderline",
    "payment",
)


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = "Sales (classicmodels)"
    # Permissions each role needs in this app ("app_label.codename"); see fleetops.roles.
    role_permissions: dict[str, list[str]] = {
        "Managers": [
            "sales.view_dashboard",
            "sales.view_salessettings",
            "sales.change_salessettings",
            "sales.view_loadrun",
            *(f"sales.view_{m}" for m in TABLE_MODELS),
        ],
        "Clerks": [
            "sales.view_loadrun",
            *(
                f"sales.{action}_{m}"
                for m in TABLE_MODELS
                for action in ("view", "add", "change", "import", "export")
            ),
        ],
    }
