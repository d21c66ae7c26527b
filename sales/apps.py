from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"
    # Permissions each role needs in this app ("app_label.codename"); see fleetops.roles.
    role_permissions: dict[str, list[str]] = {}
