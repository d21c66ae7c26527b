import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import (
    AdminFactory,
    ClerkFactory,
    ManagerFactory,
    OutsiderFactory,
    TriageUserFactory,
)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts from an empty cache (the admin caches filter choices and the store
    names in use: a figure cached by one test must not answer another)."""
    cache.clear()
    yield
    cache.clear()


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
