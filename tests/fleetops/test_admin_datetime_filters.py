"""A datetime list filter's bound in the URL (an edited URL, an old bookmark) that cannot
be put in UTC is refused as one that is not a date: the list redirects with ``?e=1``.
Django's own filter passes ``9999-12-31 23:59:59`` (read in the site's time zone, it is
past ``datetime``'s range in UTC) to the query: a 500 on SQLite."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LISTS = [
    ("admin:fleetops_apitoken_changelist", "expires_at"),
    ("admin:fleetops_apitoken_changelist", "revoked_at"),
    ("admin:invoices_rawinvoice_changelist", "received_at"),
    ("admin:invoices_ingestrun_changelist", "started_at"),
    ("admin:django_q_schedule_changelist", "next_run"),
]


@pytest.mark.parametrize("name,field", LISTS)
@pytest.mark.parametrize(
    "lookup,value",
    [
        ("gte", "9999-12-31 23:59:59"),
        ("lt", "9999-12-31 23:59:59"),
        ("lt", "0001-01-01T00:00:00+14:00"),
        ("gte", "2026-13-45"),  # what Django refuses itself
    ],
)
def test_a_bound_past_the_range_is_refused_with_e1(
    client_for, admin_user, name, field, lookup, value
):
    url = reverse(name)
    response = client_for(admin_user).get(url, {f"{field}__{lookup}": value})
    assert (response.status_code, response["Location"]) == (302, f"{url}?e=1")


@pytest.mark.parametrize("name,field", LISTS)
@pytest.mark.parametrize(
    "query",
    [  # bounds as Django's date filter writes them (aware), the last day that fits, null
        {"__gte": "2026-01-01 00:00:00-06:00", "__lt": "2026-02-01 00:00:00-06:00"},
        {"__gte": "9999-12-31 00:00:00-06:00"},
        {"__isnull": "True"},
        {"__isnull": "False"},
    ],
)
def test_a_bound_within_range_still_lists(client_for, admin_user, name, field, query):
    params = {f"{field}{suffix}": value for suffix, value in query.items()}
    response = client_for(admin_user).get(reverse(name), params)
    assert response.status_code == 200  # listed, not refused with ?e=1
