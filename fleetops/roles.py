"""The three staff roles and exactly the permissions each one's job needs.

Every app declares ``role_permissions`` on its AppConfig: a mapping of role
name to ``"app_label.codename"`` strings. ``roles_setup`` gathers them and
makes each Group hold exactly that set, idempotently; it runs after every
``migrate`` and from ``manage.py setup_roles``.
"""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.management import create_contenttypes
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

TRIAGE = "Triage staff"
MANAGERS = "Managers"
CLERKS = "Clerks"
ROLES = (TRIAGE, MANAGERS, CLERKS)


def declared_role_permissions() -> dict[str, set[str]]:
    declared: dict[str, set[str]] = {role: set() for role in ROLES}
    for config in apps.get_app_configs():
        for role, perms in getattr(config, "role_permissions", {}).items():
            if role not in declared:
                raise ImproperlyConfigured(f"{config.label} declares unknown role {role!r}.")
            declared[role].update(perms)
    return declared


@transaction.atomic
def roles_setup() -> dict[str, int]:
    """Create the role groups and set their permissions; returns permissions per role."""
    for config in apps.get_app_configs():
        create_contenttypes(config, verbosity=0)
        create_permissions(config, verbosity=0)
    counts = {}
    for role, wanted in declared_role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for dotted in sorted(wanted):
            app_label, codename = dotted.split(".", 1)
            try:
                perms.append(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
            except Permission.DoesNotExist:
                raise ImproperlyConfigured(
                    f"Role {role!r} names permission {dotted!r}, which does not exist."
                ) from None
        group.permissions.set(perms)
        counts[role] = len(perms)
    return counts


def sync_roles_after_migrate(sender, **kwargs):
    roles_setup()
