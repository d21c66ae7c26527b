from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    # Permissions each role needs in this app ("app_label.codename"); see fleetops.roles.
    role_permissions: dict[str, list[str]] = {}
