import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from fleetops.models import LoginFailure
from fleetops.security import LOCKOUT, MAX_FAILURES
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


def test_lockout_holds_for_its_window_then_expires(client):
    user = ManagerFactory()
    start = dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(MAX_FAILURES):
            login(client, user.username, "wrong")
        assert "_auth_user_id" not in client.session
    with time_machine.travel(start + LOCKOUT - dt.timedelta(minutes=1), tick=False):
        assert login(client, user.username, TEST_PASSWORD).status_code == 200  # still locked
        assert "_auth_user_id" not in client.session
    with time_machine.travel(start + LOCKOUT + dt.timedelta(minutes=1), tick=False):
        assert login(client, user.username, TEST_PASSWORD).status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


def test_admin_login_is_limited_too(client):
    user = ManagerFactory()
    for _ in range(MAX_FAILURES):
        client.post(reverse("admin:login"), {"username": user.username, "password": "wrong"})
    client.post(reverse("admin:login"), {"username": user.username, "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session


def test_a_locked_out_user_is_told_so_and_until_when_and_waiting_attempts_do_not_extend_it(
    client,
):
    """Not "your username and password didn't match" for the right password: the page
    says the login is locked and until when (a window after the failures that locked it,
    shown in the site's time zone: 10:15 UTC is 04:15 in Chicago in January)."""
    user = ManagerFactory()
    with time_machine.travel("2026-01-01 10:00 +0000", tick=False):
        response = login(client, user.username, "wrong")
        assert "Please enter a correct username and password" in response.content.decode()
        for _ in range(MAX_FAILURES - 1):
            login(client, user.username, "wrong")
    with time_machine.travel("2026-01-01 10:05 +0000", tick=False):
        page = login(client, user.username, TEST_PASSWORD).content.decode()
        assert "locked until 04:15" in page and "(10 min)" in page
        assert "Please enter a correct" not in page
        admin_page = client.post(
            reverse("admin:login"), {"username": user.username, "password": TEST_PASSWORD}
        ).content.decode()
        assert "locked until 04:15" in admin_page
    assert LoginFailure.objects.filter(username=user.username).count() == MAX_FAILURES
    with time_machine.travel("2026-01-01 10:15:01 +0000", tick=False):
        assert login(client, user.username, TEST_PASSWORD).status_code == 302


def test_a_client_address_is_locked_after_four_times_the_failures_of_a_username(client):
    users = ManagerFactory.create_batch(4 * MAX_FAILURES)
    with time_machine.travel("2026-01-01 10:00 +0000", tick=False):
        for user in users:  # one failure each: no username reaches its limit
            login(client, user.username, "wrong")
        page = login(client, ManagerFactory().username, TEST_PASSWORD).content.decode()
    assert "locked until 04:15" in page
    assert "_auth_user_id" not in client.session


def _fail_from(client, forwarded_for: str, count: int) -> None:
    """``count`` failed logins, each for another username, through the load balancer
    (10.0.0.1) with ``forwarded_for`` as the X-Forwarded-For it passes on."""
    for user in ManagerFactory.create_batch(count):
        client.post(
            reverse("login"),
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )


def _logs_in_from(client, forwarded_for: str) -> bool:
    user = ManagerFactory()
    client.post(
        reverse("login"),
        {"username": user.username, "password": TEST_PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )
    return client.session.get("_auth_user_id") == str(user.pk)


def test_behind_a_trusted_proxy_one_client_s_failures_lock_that_client_only(client, settings):
    settings.FLEETOPS_TRUSTED_PROXIES = 1
    _fail_from(client, "203.0.113.7", 4 * MAX_FAILURES)
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"203.0.113.7"}
    assert not _logs_in_from(client, "203.0.113.7")  # that client is locked out
    client.logout()
    assert _logs_in_from(client, "198.51.100.2")  # another behind the same balancer is not


def test_what_a_client_writes_in_x_forwarded_for_does_not_move_its_failures(client, settings):
    """The balancer appends the address it sees; entries to its left are the client's own
    (spoofable) text and are not read, nor is a header that holds no address."""
    settings.FLEETOPS_TRUSTED_PROXIES = 1
    _fail_from(client, "192.0.2.1, 203.0.113.7", 2)
    _fail_from(client, "not-an-address", 1)
    assert sorted(LoginFailure.objects.values_list("ip", flat=True)) == [
        "10.0.0.1", "203.0.113.7", "203.0.113.7",
    ]  # fmt: skip


def test_without_trusted_proxies_the_header_is_ignored(client):
    _fail_from(client, "203.0.113.7", 1)
    assert list(LoginFailure.objects.values_list("ip", flat=True)) == ["10.0.0.1"]
