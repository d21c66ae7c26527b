from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    # Permissions each role needs in this app ("app_label.codename"); see fleetops.roles.
    role_permissions: dict[str, list[str]] = {
        "Managers": ["monitoring.view_dashboard", "monitoring.view_metric"],
    }
