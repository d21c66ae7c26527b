"""Change pages name the people on a row (who uploaded a feed, who acknowledged an alert)
instead of linking them to the user admin, which answers 403 to every role but
administrators (the exception and probable-match pages: tests/inventory/test_triage_ux.py)."""

import pytest
from django.urls import reverse

from inventory.services import feed_import
from monitoring.models import Alert, RuleKind
from monitoring.services import alert_acknowledge
from tests.inventory.factories import cdk_rows, make_vin

pytestmark = pytest.mark.django_db


def _named_not_linked(client, url: str, user) -> None:
    body = client.get(url).content.decode()
    assert reverse("admin:auth_user_change", args=[user.pk]) not in body, url
    assert f'<div class="readonly">{user.get_username()}</div>' in body, url


def test_a_feed_import_page_names_who_imported_it(clerk, client_for):
    run = feed_import(source="cdk", data=cdk_rows({make_vin(): {}}), user=clerk)
    url = reverse("admin:inventory_feedimport_change", args=[run.pk])
    _named_not_linked(client_for(clerk), url, clerk)


def test_an_alert_page_names_who_acknowledged_it(manager, client_for):
    alert = Alert.objects.create(
        kind=RuleKind.FEED_MISSING, subject="cdk", severity="high", message="No CDK feed"
    )
    assert alert_acknowledge(alert=alert, actor=manager)
    url = reverse("admin:monitoring_alert_change", args=[alert.pk])
    _named_not_linked(client_for(manager), url, manager)


def test_run_and_audit_pages_name_who_ran_or_did_it(manager, client_for, django_user_model):
    """An invoice ingest run, a classicmodels load and an audit entry, each with a user."""
    from fleetops.models import AuditEntry
    from invoices.services import invoice_ingest
    from sales.demo import DEMO_DIR
    from sales.services import classicmodels_load
    from tests.invoices.payloads import invoice

    admin_user = django_user_model.objects.create_superuser("root", "r@x.io", "x")
    client = client_for(admin_user)  # the only role that opens all three
    run = invoice_ingest(payloads=[invoice("P1")], source="test", actor=manager)
    load = classicmodels_load(directory=DEMO_DIR, actor=manager)
    entry = AuditEntry.objects.filter(actor=manager).first() or AuditEntry.objects.create(
        actor=manager, action="test.named", object_type="test", object_id="1"
    )
    for url in (reverse("admin:invoices_ingestrun_change", args=[run.pk]),
                reverse("admin:sales_loadrun_change", args=[load.pk]),
                reverse("admin:fleetops_auditentry_change", args=[entry.pk])):  # fmt: skip
        _named_not_linked(client, url, manager)
