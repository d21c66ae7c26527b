import pytest
import time_machine
from django.urls import reverse

from fleetops.models import LoginFailure
from fleetops.security import MAX_FAILURES
from tests.factories import TEST_PASSWORD, ManagerFactory

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_repeated_failures_lock_the_account_even_for_the_right_password(client):
    user = ManagerFactory()
    for _ in range(MAX_FAILURES):
        assert login(client, user.username, "wrong").status_code == 200  # form error, no session
    assert LoginFailure.objects.filter(username=user.username).count() == MAX_FAILURES
    response = login(client, user.username, TEST_PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_success_below_the_limit_clears_failures(client):
    user = ManagerFactory()
    for _ in range(MAX_FAILURES - 1):
        login(client, user.username, "wrong")
    response = login(client, user.username, TEST_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert not LoginFailure.objects.filter(username=user.username).exists()


def test_lockout_expires(client):
    user = ManagerFactory()
    with time_machine.travel("2026-01-01 10:00 +0000", tick=False):
        for _ in range(MAX_FAILURES):
            login(client, user.username, "wrong")
        assert "_auth_user_id" not in client.session
    with time_machine.travel("2026-01-01 10:16 +0000", tick=False):
        assert login(client, user.username, TEST_PASSWORD).status_code == 302


def test_admin_login_is_limited_too(client):
    user = ManagerFactory()
    for _ in range(MAX_FAILURES):
        client.post(reverse("admin:login"), {"username": user.username, "password": "wrong"})
    client.post(reverse("admin:login"), {"username": user.username, "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session
