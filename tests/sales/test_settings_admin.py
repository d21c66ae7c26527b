"""The sales settings refuse values under which a figure would be silently wrong.

A manager posts the admin change form: a bad combination is shown as an error beside its
field and nothing is saved; a good change saves.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from sales.models import SalesSettings
from tests.sales.factories import OrderFactory

# The classicmodels statuses, as its README lists them (orders.status).
README_STATUSES = ["Shipped", "In Process", "Cancelled", "Resolved", "On Hold", "Disputed"]


def _form(settings: SalesSettings, **changes) -> dict:
    data = {
        "as_of_date": "",
        "excluded_statuses": settings.excluded_statuses,
        "credit_ratio": str(settings.credit_ratio),
        "overdue_days": str(settings.overdue_days),
        "churn_days": str(settings.churn_days),
        "demand_trend_pct": str(settings.demand_trend_pct),
        "demand_window_days": str(settings.demand_window_days),
        "crosssell_min_orders": str(settings.crosssell_min_orders),
        "crosssell_window_days": str(settings.crosssell_window_days),
        "abc_a_pct": str(settings.abc_a_pct),
        "abc_b_pct": str(settings.abc_b_pct),
        "rfm_top_min": str(settings.rfm_top_min),
        "rfm_high_min": str(settings.rfm_high_min),
        "rfm_mid_min": str(settings.rfm_mid_min),
        "_save": "Save",
    }
    data.update(changes)
    return data


def _stored() -> dict:
    return SalesSettings.objects.values().get(pk=1)


@pytest.fixture
def change(db, client_for, manager):
    settings = SalesSettings.current()
    url = reverse("admin:sales_salessettings_change", args=[settings.pk])
    client = client_for(manager)

    def post(**changes):
        return client.post(url, _form(settings, **changes))

    return post


BAD = [
    pytest.param(
        {"abc_a_pct": "95", "abc_b_pct": "90"},
        "abc_b_pct",
        "The class B cut-off (90%) must be above the class A cut-off (95%): otherwise "
        "class B is always empty.",
        id="abc-a-above-b",
    ),
    pytest.param(
        {"abc_a_pct": "80", "abc_b_pct": "80"},
        "abc_b_pct",
        "The class B cut-off (80%) must be above the class A cut-off (80%): otherwise "
        "class B is always empty.",
        id="abc-a-equals-b",
    ),
    pytest.param(
        {"abc_a_pct": "0"},
        "abc_a_pct",
        "The class A cut-off must be above 0%: at 0 no item is ever class A.",
        id="abc-a-zero",
    ),
    pytest.param(
        {"abc_b_pct": "101"},
        "abc_b_pct",
        "Ensure this value is less than or equal to 100.",
        id="abc-b-above-100",
    ),
    pytest.param(
        {"rfm_top_min": "5", "rfm_high_min": "10", "rfm_mid_min": "7"},
        "rfm_high_min",
        "The High minimum (10) must be below the Top minimum (5): otherwise no customer "
        "is ever High.",
        id="rfm-top-below-high",
    ),
    pytest.param(
        {"rfm_top_min": "13", "rfm_high_min": "10", "rfm_mid_min": "11"},
        "rfm_mid_min",
        "The Mid minimum (11) must be below the High minimum (10): otherwise no customer "
        "is ever Mid.",
        id="rfm-mid-above-high",
    ),
    pytest.param(
        {"rfm_top_min": "16"},
        "rfm_top_min",
        "Ensure this value is less than or equal to 15.",
        id="rfm-top-above-15",
    ),
    pytest.param(
        {"demand_trend_pct": "-5"},
        "demand_trend_pct",
        "Ensure this value is greater than or equal to 0.",
        id="negative-demand-trend",
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD)
def test_a_bad_combination_is_refused_with_its_reason_and_nothing_changes(
    change, changes, field, message
):
    before = _stored()
    response = change(**changes)
    assert response.status_code == 200  # the form again, not a redirect
    form = response.context["adminform"].form
    assert message in form.errors[field]
    assert escape(message) in response.content.decode()
    assert _stored() == before


def test_a_misspelt_excluded_status_is_refused_naming_it_and_the_known_ones(change):
    OrderFactory(status="Backordered")  # a status of the loaded data, not of the README
    before = _stored()
    response = change(excluded_statuses="Cancelld, On Hold")
    assert response.status_code == 200
    known = ", ".join([*README_STATUSES, "Backordered"])
    message = (
        "Unknown order status “Cancelld”: no order can carry it, so nothing would be "
        f"excluded. Known statuses: {known}."
    )
    assert response.context["adminform"].form.errors["excluded_statuses"] == [message]
    assert escape(message) in response.content.decode()
    assert _stored() == before


def test_every_unknown_excluded_status_is_named(change):
    response = change(excluded_statuses="Canceled, Shipped, Lost")
    errors = response.context["adminform"].form.errors["excluded_statuses"]
    assert errors[0].startswith("Unknown order status “Canceled”, “Lost”: ")


def test_a_good_change_saves(change):
    OrderFactory(status="Backordered")
    response = change(
        excluded_statuses="Cancelled, Disputed, Backordered",
        abc_a_pct="60",
        abc_b_pct="85",
        rfm_top_min="14",
        rfm_high_min="11",
        rfm_mid_min="8",
    )
    assert response.status_code == 302
    saved = SalesSettings.objects.get(pk=1)
    assert saved.excluded_status_list == ["Cancelled", "Disputed", "Backordered"]
    assert (saved.abc_a_pct, saved.abc_b_pct) == (Decimal("60"), Decimal("85"))
    assert (saved.rfm_top_min, saved.rfm_high_min, saved.rfm_mid_min) == (14, 11, 8)


def test_a_status_in_another_case_is_stored_as_the_orders_spell_it(change):
    """The exclusion compares statuses exactly: 'cancelled' would exclude nothing."""
    response = change(excluded_statuses="cancelled,ON HOLD, Cancelled")
    assert response.status_code == 302
    assert SalesSettings.objects.get(pk=1).excluded_statuses == "Cancelled, On Hold"


def test_no_excluded_status_is_allowed(change):
    assert change(excluded_statuses="").status_code == 302
    assert SalesSettings.objects.get(pk=1).excluded_status_list == []


def test_every_field_has_a_readable_label_and_says_when_it_takes_effect(db, client_for, manager):
    url = reverse("admin:sales_salessettings_change", args=[SalesSettings.current().pk])
    body = client_for(manager).get(url).content.decode()
    for label in ("Abc a pct", "Rfm top min", "Crosssell min orders", "Demand trend pct"):
        assert label not in body
    for label in (
        "ABC: class A cut-off (%)",
        "RFM: minimum total for Top",
        "Cross-sell: minimum orders together",
        "Excluded order statuses",
    ):
        assert f">{label}:</label>" in body
    for field in SalesSettings._meta.get_fields():
        if getattr(field, "editable", False) and not field.primary_key:
            assert "next load of a sales page" in field.help_text, field.name
