import pytest
from django.test import Client

from tests.factories import (
    AdminFactory,
    ClerkFactory,
    ManagerFactory,
    OutsiderFactory,
    TriageUserFactory,
)


@pytest.fixture
def triage_user(db):
    return TriageUserFactory()


@pytest.fixture
def manager(db):
    return ManagerFactory()


@pytest.fixture
def clerk(db):
    return ClerkFactory()


@pytest.fixture
def outsider(db):
    return OutsiderFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


ROLE_FIXTURES = ("outsider", "clerk", "triage_user", "manager", "admin_user")


@pytest.fixture
def client_for(db):
    """``client_for(user)``: a Django test client logged in as ``user`` (CSRF enforced)."""

    def make(user, *, enforce_csrf_checks=False):
        client = Client(enforce_csrf_checks=enforce_csrf_checks)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_token(db):
    """``api_token(user)``: a fresh API token key for ``user``."""
    from fleetops.services import api_token_create

    def make(user, **kwargs):
        _, key = api_token_create(user=user, name="test", **kwargs)
        return key

    return make
