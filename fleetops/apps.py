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
        from django_q.signals import post_spawn

        from fleetops import security  # noqa: F401 - connects the login failure receivers
        from fleetops.roles import sync_roles_after_migrate
        from fleetops.runs import reap_on_worker_start

        post_migrate.connect(sync_roles_after_migrate, sender=self)
        # A (re)started cluster worker fails at once the runs whose workers died.
        post_spawn.connect(reap_on_worker_start, dispatch_uid="fleetops.reap_on_worker_start")
