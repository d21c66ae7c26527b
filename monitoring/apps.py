from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    # Permissions each role needs in this app ("app_label.codename"); see fleetops.roles.
    role_permissions: dict[str, list[str]] = {
        # Triage staff see the open-alerts banner (and the alert list it links to).
        "Triage staff": ["monitoring.view_alert"],
        # Managers own monitoring: dashboard, metrics, alerts (acknowledge), thresholds.
        "Managers": [
            "monitoring.view_dashboard",
            "monitoring.view_metric",
            "monitoring.view_alert",
            "monitoring.acknowledge_alert",
            "monitoring.view_alertrule",
            "monitoring.change_alertrule",
            # django-q2's task history and schedules, read-only (the admin's "Background tasks").
            "django_q.view_success",
            "django_q.view_failure",
            "django_q.view_schedule",
        ],
    }
