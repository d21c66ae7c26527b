"""Clerks send a feed's rejected rows back to the source: the feed issue list exports as
CSV (formula-like cells quoted, as every export), and an import's page, which shows the
first 200 issues, links to all of them (their full count) in that list."""

import csv
import io
import re
from html import unescape

import pytest
from django.urls import reverse

from inventory.models import FeedImport
from inventory.services import feed_import
from tests.inventory.factories import CDK_HEADER, csv_bytes, make_vin

pytestmark = pytest.mark.django_db
ISSUES = reverse("admin:inventory_feedissue_changelist")


@pytest.fixture
def imports():
    """An import with 1 good row and 250 bad VINs (the first a formula), and another
    import with 3 bad VINs of its own."""

    def rows(bad):
        return [[vin, "", 2024, "Ford", "F-150", "30000", "40000", "North"] for vin in bad]

    bad = ['=HYPERLINK("http://x")', *(f"BAD{i:04d}" for i in range(1, 250))]
    big = feed_import(
        source="cdk", data=csv_bytes(CDK_HEADER, rows([make_vin(), *bad])), filename="big.csv"
    )
    other = feed_import(
        source="vauto", data=csv_bytes(CDK_HEADER, rows([make_vin(), "X1", "X2", "X3"]))
    )
    return FeedImport.objects.get(pk=big.pk), FeedImport.objects.get(pk=other.pk)


def test_the_import_page_links_all_its_issues_with_their_count(imports, clerk, client_for):
    big, other = imports
    client = client_for(clerk)
    body = unescape(client.get(reverse("admin:inventory_feedimport_change", args=[big.pk]))
                    .content.decode())  # fmt: skip
    link = re.search(r'<a href="([^"]+)">All ([\d,]+) issues of this import</a>', body)
    assert link and link.group(2) == "250"
    assert "first 200 of 250 shown" in body
    cl = client.get(link.group(1)).context["cl"]
    assert cl.result_count == 250
    assert set(cl.queryset.values_list("feed_import_id", flat=True)) == {big.pk}
    chosen = [c["display"] for s in cl.filter_specs if s.title == "import"
              for c in s.choices(cl) if c["selected"]]  # fmt: skip
    assert chosen == [f"Import #{big.pk}"]  # the sidebar says which import


def test_clerks_export_an_imports_issues_as_csv_formulas_quoted(imports, clerk, client_for):
    big, other = imports
    client = client_for(clerk)
    url = f"{ISSUES}?feed_import__id__exact={big.pk}"
    first = client.get(url).context["cl"].result_list[0]
    response = client.post(url, {"action": "export_csv", "select_across": "1", "index": "0",
                                 "_selected_action": [first.pk]})  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["import", "source", "store", "file", "line_number", "raw_value",
                       "reason", "warning", "message"]  # fmt: skip
    assert len(rows) == 1 + 250
    assert {r[0] for r in rows[1:]} == {str(big.pk)}
    # the file's lines: the header is line 1, the good row 2, the bad ones 3..252
    assert [r[4] for r in rows[1:]] == [str(n) for n in range(3, 253)]
    assert rows[1][5] == '\'=HYPERLINK("http://x")'  # quoted: not a formula in a spreadsheet
    assert rows[2][5:8] == ["BAD0001", "invalid_vin", "no"]
    assert rows[1][1:4] == ["cdk", "", "big.csv"]


def test_the_export_is_for_those_who_see_the_issues(imports, outsider, client_for):
    big, _ = imports
    response = client_for(outsider).post(
        ISSUES, {"action": "export_csv", "_selected_action": [big.issues.first().pk]}
    )
    # the admin sends an outsider to its login page: no CSV
    assert response.status_code in (302, 403)
    assert not response.get("Content-Type", "").startswith("text/csv")
