"""First-start set-up for ``make run``: roles, demo users, and each app's demo data.

Every step is idempotent: a second run finds everything in place and returns
in seconds. Each app that ships demo data has ``<app>/demo.py`` with
``demo_load(*, stdout) -> None``, which must itself skip work already done.
"""

import importlib
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from fleetops.roles import CLERKS, MANAGERS, TRIAGE, roles_setup
from monitoring.services import alerts_deferred

DEMO_PASSWORD = "fleetops-demo"
DEMO_USERS = (
    # username, role, is_staff (admin access), is_superuser
    ("admin", None, True, True),
    ("triage", TRIAGE, True, False),
    ("manager", MANAGERS, True, False),
    ("clerk", CLERKS, True, False),
)
DEMO_APPS = ("sales", "invoices", "inventory", "monitoring")


def demo_users_create() -> list[str]:
    """Create the demo users (demo data only: their password is public in the README)."""
    User = get_user_model()
    created = []
    with transaction.atomic():
        for username, role, is_staff, is_superuser in DEMO_USERS:
            user, was_created = User.objects.get_or_create(
                username=username,
                defaults={
                    "is_staff": is_staff,
                    "is_superuser": is_superuser,
                    "email": f"{username}@fleetops.example",
                },
            )
            if was_created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                created.append(username)
            if role:
                user.groups.add(Group.objects.get(name=role))
    return created


class Command(BaseCommand):
    help = "Create roles, demo users and the demo data of every app (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-data", action="store_true", help="Only roles and users, no demo data."
        )

    def handle(self, *args, **options):
        roles_setup()
        created = demo_users_create()
        if created:
            self.stdout.write(
                f"Demo users created: {', '.join(created)} (password {DEMO_PASSWORD})"
            )
        if options["skip_data"]:
            return
        # Alert rules are evaluated once all apps have their data, not after the first
        # app's runs (which would raise, then clear, "no data yet" alerts for the others).
        with alerts_deferred():
            for app in DEMO_APPS:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                started = time.monotonic()
                self.stdout.write(f"[{app}] demo data…")
                module.demo_load(stdout=self.stdout)
                self.stdout.write(f"[{app}] ready in {time.monotonic() - started:.1f}s")
