"""The inventory settings refuse rates and SLAs that silently break every figure.

A manager (who keeps the inventory settings) posts the admin change form: a bad value or
combination is shown as an error beside its field and nothing is saved; a good change
saves and says it takes effect at the next reconciliation.
"""

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.html import escape
from django_q.models import Schedule

from inventory.models import InventorySettings
from tests.factories import TriageUserFactory


def _form(**changes) -> dict:
    data = {
        "floorplan_monthly_rate": "0.015",
        "oem_at_risk_share": "1",
        "sla_critical_days": "1",
        "sla_high_days": "3",
        "sla_medium_days": "7",
        "_save": "Save",
    }
    data.update(changes)
    return data


def _stored() -> dict:
    return InventorySettings.objects.values().get()


@pytest.fixture
def url(db):
    return reverse("admin:inventory_inventorysettings_change", args=[InventorySettings.load().pk])


BAD = [
    pytest.param(
        {"floorplan_monthly_rate": "15"},
        "floorplan_monthly_rate",
        "At most 0.10 (10% a month): the rate is a fraction of cost, 0.015 = 1.5% a month, "
        "not a percentage.",
        id="rate-as-a-percentage",
    ),
    pytest.param(
        {"floorplan_monthly_rate": "0.11"},
        "floorplan_monthly_rate",
        "At most 0.10 (10% a month): the rate is a fraction of cost, 0.015 = 1.5% a month, "
        "not a percentage.",
        id="rate-just-above-10-percent",
    ),
    pytest.param(
        {"floorplan_monthly_rate": "-0.01"},
        "floorplan_monthly_rate",
        "Ensure this value is greater than or equal to 0.",
        id="negative-rate",
    ),
    pytest.param(
        {"oem_at_risk_share": "1.5"},
        "oem_at_risk_share",
        "Ensure this value is less than or equal to 1.",
        id="share-above-all",
    ),
    pytest.param(
        {"sla_critical_days": "10", "sla_high_days": "3"},
        "sla_critical_days",
        "The critical SLA (10 days) must not be longer than the high SLA (3 days): critical "
        "exceptions would be due after high ones.",
        id="critical-longer-than-high",
    ),
    pytest.param(
        {"sla_high_days": "9", "sla_medium_days": "7"},
        "sla_high_days",
        "The high SLA (9 days) must not be longer than the medium SLA (7 days): high "
        "exceptions would be due after medium ones.",
        id="high-longer-than-medium",
    ),
    pytest.param(
        {"sla_critical_days": "0"},
        "sla_critical_days",
        "Ensure this value is greater than or equal to 1.",
        id="sla-zero-days",
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD)
def test_a_bad_value_is_refused_with_its_reason_and_nothing_changes(
    url, client_for, manager, changes, field, message
):
    before = _stored()
    response = client_for(manager).post(url, _form(**changes))
    assert response.status_code == 200  # the form again, not a redirect
    assert message in response.context["adminform"].form.errors[field]
    assert escape(message) in response.content.decode()
    assert _stored() == before


def test_a_good_change_saves_and_says_when_it_takes_effect(url, client_for, manager):
    response = client_for(manager).post(
        url,
        _form(
            floorplan_monthly_rate="0.1",
            oem_at_risk_share="0.5",
            sla_critical_days="2",
            sla_high_days="2",
            sla_medium_days="5",
        ),
        follow=True,
    )
    saved = InventorySettings.objects.get()
    assert saved.floorplan_monthly_rate == Decimal("0.1")
    assert saved.oem_at_risk_share == Decimal("0.5")
    assert (saved.sla_critical_days, saved.sla_high_days, saved.sla_medium_days) == (2, 2, 5)
    shown = [str(m) for m in response.context["messages"]]
    # the daily schedule's next run (migration 0003), as staff in Chicago read it
    next_run = Schedule.objects.get(name="inventory: daily reconciliation").next_run
    when = next_run.astimezone(ZoneInfo("America/Chicago")).strftime("%Y-%m-%d %H:%M")
    assert when.endswith(" 06:00")
    expected = (
        f"The rates and SLAs take effect at the next reconciliation ({when} America/Chicago), "
        "or sooner when triage staff use “Reconcile now” on the exceptions list: the "
        "dashboard's money at risk is priced with them, and exceptions opened or reopened "
        "from then on are due by the new SLAs (open ones keep their due date)."
    )
    assert expected in shown, shown


def test_who_may_reconcile_is_pointed_to_reconcile_now(url, client_for):
    user = TriageUserFactory()  # may queue a reconciliation; given the settings too
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="inventory",
            codename__in=["view_inventorysettings", "change_inventorysettings"],
        )
    )
    response = client_for(user).post(url, _form(sla_medium_days="8"), follow=True)
    assert InventorySettings.objects.get().sla_medium_days == 8
    exceptions_list = reverse("admin:inventory_inventoryexception_changelist")
    assert (
        f'or now with “Reconcile now” on the <a href="{exceptions_list}">exceptions list</a>'
        in response.content.decode()
    )


def test_the_form_says_rates_and_slas_take_effect_at_the_next_reconciliation(
    url, client_for, manager
):
    body = client_for(manager).get(url).content.decode()
    for field in ("floorplan_monthly_rate", "oem_at_risk_share", "sla_critical_days",
                  "sla_high_days", "sla_medium_days"):  # fmt: skip
        help_text = InventorySettings._meta.get_field(field).help_text
        assert "Takes effect at the next reconciliation (daily at 06:00 America/Chicago" in (
            help_text
        )
        assert help_text in body  # the admin shows help texts as written
    assert "0.015 = 1.5% a month; 0 to 0.10" in body
