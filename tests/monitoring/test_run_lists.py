"""The admin's run lists: counts with thousands separators, still sorted as numbers."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from tests.monitoring.factories import IngestRunFactory, feed_import, reconcile_run

pytestmark = pytest.mark.django_db


def _cells(html: str, field: str) -> list[str]:
    return re.findall(rf'<td class="field-{field}">([^<]*)</td>', html)


def test_feed_import_counts_are_grouped_and_sort_as_numbers(client_for, admin_user, now):
    feed_import(at=now - timedelta(hours=2), rows_read=21_453, invalid_rows=412)
    feed_import(at=now - timedelta(hours=1), rows_read=987)
    client = client_for(admin_user)
    url = reverse("admin:inventory_feedimport_changelist")
    page = client.get(url).content.decode()
    assert _cells(page, "rows_read") == ["987", "21,453"]  # newest first
    assert _cells(page, "vehicles") == ["987", "21,041"]  # 21,453 - 412
    # the column sorts by the field: ascending rows read puts 987 first, descending last
    header = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', page)
    column = header.index("rows_read") + 1
    ascending = client.get(f"{url}?o={column}").content.decode()
    descending = client.get(f"{url}?o=-{column}").content.decode()
    assert _cells(ascending, "rows_read") == ["987", "21,453"]
    assert _cells(descending, "rows_read") == ["21,453", "987"]


def test_ingest_and_reconciliation_counts_are_grouped(client_for, admin_user, now):
    IngestRunFactory(started_at=now, processed=1_250)  # the factory: 250.00 an invoice
    reconcile_run(at=now, vehicles=41_162)
    client = client_for(admin_user)
    ingest = client.get(reverse("admin:invoices_ingestrun_changelist")).content.decode()
    assert _cells(ingest, "processed") == ["1,250"]
    assert _cells(ingest, "total_value") == ["$312,500.00"]  # 1,250 x 250.00, in dollars
    runs = client.get(reverse("admin:inventory_reconciliationrun_changelist")).content.decode()
    assert _cells(runs, "vehicles") == ["41,162"]
