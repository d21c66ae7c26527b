from django.apps import AppConfig
from django.db.models.signals import post_migrate


class FleetOpsConfig(AppConfig):
    name = "fleetops"
    verbose_name = "FleetOps"
    # What each role may do here; every app declares its own (see fleetops.roles).
    role_permissions = {
        "Managers": ["fleetops.view_auditentry"],
    }

    def ready(self):
        from fleetops import security  # noqa: F401 - connects the login failure receivers
        from fleetops.roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, sender=self)
