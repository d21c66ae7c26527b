"""A date hierarchy year, month or day in the URL that makes no date (an edited URL, an
old bookmark) is refused as Django refuses ``?<field>__year=0``: the list redirects with
``?e=1``. Django's own change list lets some through to a 500: year 9999 (the year
after it is past ``datetime``'s range) and numbers too large for a C long."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

DATE_HIERARCHY_LISTS = sorted(
    (
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"),
        ma.date_hierarchy,
    )
    for model, ma in admin.site._registry.items()
    if ma.date_hierarchy
)
BAD = (
    "__year=9999",
    "__year=9999&{f}__month=12",
    "__year=99999999999999999999",
    "__year=2026&{f}__month=99999999999999999999",
    "__year=2026&{f}__month=1&{f}__day=99999999999999999999",
    "__year=0",  # what Django refuses itself
)


def test_the_lists_with_a_date_hierarchy_are_found():
    assert {field for _, field in DATE_HIERARCHY_LISTS} >= {"created_at", "opened_at"}


@pytest.mark.parametrize("url,field", DATE_HIERARCHY_LISTS)
@pytest.mark.parametrize("query", BAD)
def test_a_date_that_cannot_be_is_refused_with_e1(client_for, admin_user, url, field, query):
    response = client_for(admin_user).get(f"{url}?{field}{query.format(f=field)}")
    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"


@pytest.mark.parametrize("url,field", DATE_HIERARCHY_LISTS)
def test_a_real_year_still_narrows_the_list(client_for, admin_user, url, field):
    assert client_for(admin_user).get(f"{url}?{field}__year=2026").status_code == 200
