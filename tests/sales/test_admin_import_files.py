"""A clerk's hand-edited classicmodels CSVs through the admin import (preview, confirm).

Files as a clerk saves them (BOM, CRLF, quoted commas, accents): the preview counts what
the file changes, confirm writes exactly that, the same file again changes nothing, and
rows missing from the file are kept. Expected figures are worked out from the files.
"""

import csv
import io

import pytest
from django.urls import reverse
from django.utils.html import escape

from sales.models import Employee, Order
from tests.sales.csvfigures import rows as csv_rows
from tests.sales.factories import EmployeeFactory, OfficeFactory

CUSTOMER_HEADER = list(csv_rows("customers")[0])
EMPLOYEE_HEADER = list(csv_rows("employees")[0])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # import-export keeps the previewed file there


def _clerk_file(header: list[str], records: list[list[str]]) -> bytes:
    """The records as Excel's "CSV UTF-8" saves them: a BOM and CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(records)
    return ("\ufeff" + out.getvalue()).encode()


def _preview(client, model: str, data: bytes):
    upload = io.BytesIO(data)
    upload.name = f"{model}.csv"
    response = client.post(
        reverse(f"admin:sales_{model}_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    return response


def _confirm(client, model: str, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(f"admin:sales_{model}_process_import"), data)


def _totals(preview) -> dict:
    return {kind: n for kind, n in preview.context["result"].totals.items() if n}


def test_an_employee_may_report_to_a_manager_the_file_adds_further_down(db, clerk, client_for):
    """The loader takes such a file; the admin import said "unknown employee" for a
    manager a few lines below (a file sorted by name)."""
    office = OfficeFactory()
    boss = EmployeeFactory(office=office)
    records = [
        ["1801", "Abel", "Ann", "x1", "ann@example.com", office.pk, "1802", "Sales Rep"],
        ["1802", "Zorn", "Zoë", "x2", "zoe@example.com", office.pk, str(boss.pk), "Manager"],
    ]
    client = client_for(clerk)
    preview = _preview(client, "employee", _clerk_file(EMPLOYEE_HEADER, records))
    assert _totals(preview) == {"new": 2}
    assert _confirm(client, "employee", preview).status_code == 302
    assert dict(Employee.objects.filter(pk__in=[1801, 1802]).values_list("pk", "reports_to")) == {
        1801: 1802,
        1802: boss.pk,
    }


def test_a_manager_neither_in_the_table_nor_in_the_file_is_still_unknown(db, clerk, client_for):
    office = OfficeFactory()
    records = [["1801", "Abel", "Ann", "x1", "ann@example.com", office.pk, "7777", "Rep"]]
    preview = _preview(client_for(clerk), "employee", _clerk_file(EMPLOYEE_HEADER, records))
    errors = {row.number: row.error_dict for row in preview.context["result"].invalid_rows}
    assert errors == {2: {"reportsTo": ["unknown employee '7777'"]}}
    assert not Employee.objects.filter(pk=1801).exists()


def test_a_row_error_names_the_files_column(classicmodels, clerk, client_for):
    """salesRepEmployeeNumber, the header the clerk sees, not the model's sales_rep."""
    records = [list(csv_rows("customers")[0].values())]
    records[0][0], records[0][11] = "700", "4242"
    preview = _preview(client_for(clerk), "customer", _clerk_file(CUSTOMER_HEADER, records))
    [row] = preview.context["result"].invalid_rows
    assert (row.number, row.error_dict) == (
        2, {"salesRepEmployeeNumber": ["unknown employee '4242'"]}
    )  # fmt: skip
    page = preview.content.decode()
    assert '<span class="validation-error-field-label">salesRepEmployeeNumber</span>' in page
    assert "sales_rep" not in page


def test_a_file_without_a_column_is_refused_naming_it_and_writes_nothing(
    classicmodels, clerk, client_for
):
    """Without ``status``, the rows already there were updated (comments here) and the
    column left as it was; only new rows said "This field cannot be blank"."""
    header = [h for h in csv_rows("orders")[0] if h != "status"]
    first = dict(csv_rows("orders")[0])
    first["comments"] = "changed"
    data = _clerk_file(header, [[first[h] for h in header]])
    preview = _preview(client_for(clerk), "order", data)
    assert preview.context.get("confirm_form") is None
    assert escape("The file has no status column: an import of orders.csv reads all") in (
        preview.content.decode()
    )
    assert Order.objects.get(pk=first["orderNumber"]).comments == (
        csv_rows("orders")[0]["comments"] or None
    )
