import pytest
from django.contrib.auth.models import Group

from fleetops.roles import ROLES, declared_role_permissions, roles_setup

pytestmark = pytest.mark.django_db


def test_roles_hold_exactly_their_declared_permissions():
    declared = declared_role_permissions()
    for role in ROLES:
        group = Group.objects.get(name=role)
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert held == declared[role], role


def test_roles_setup_is_idempotent_and_repairs_drift():
    group = Group.objects.get(name=ROLES[0])
    before = set(group.permissions.values_list("pk", flat=True))
    group.permissions.clear()
    roles_setup()
    roles_setup()
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert Group.objects.filter(name__in=ROLES).count() == len(ROLES)


def test_demo_setup_creates_one_user_per_role(django_user_model):
    from django.core.management import call_command

    call_command("demo_setup", "--skip-data")
    call_command("demo_setup", "--skip-data")
    users = {u.username: u for u in django_user_model.objects.all()}
    assert users["admin"].is_superuser
    for username, role in (
        ("triage", "Triage staff"),
        ("manager", "Managers"),
        ("clerk", "Clerks"),
    ):
        assert list(users[username].groups.values_list("name", flat=True)) == [role]
        assert users[username].check_password("fleetops-demo")
