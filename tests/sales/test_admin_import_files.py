"""A clerk's hand-edited classicmodels CSVs through the admin import (preview, confirm).

Files as a clerk saves them (BOM, CRLF, quoted commas, accents): the preview counts what
the file changes, confirm writes exactly that, the same file again changes nothing, and
rows missing from the file are kept. Expected figures are worked out from the files.
"""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from sales.models import Customer, Employee, Order, OrderLine, OrderTotal
from tests.downloads import downloaded
from tests.sales.adminimport import admin_confirm, admin_preview
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


def _totals(preview) -> dict:
    return {kind: n for kind, n in preview.context["result"].totals.items() if n}


def test_a_hand_edited_customers_file_previews_writes_its_changes_and_is_idempotent(
    classicmodels, clerk, client_for
):
    records = [list(r.values()) for r in csv_rows("customers")]
    changed = records[0]
    changed[1], changed[12] = "Atelier, graphique Ü", "22000.5"
    removed = records.pop()  # the file leaves a customer out
    added = ["600", 'Café "Le Zinc", SARL', "Dupré", "Élodie", "+33 1 2", "1 rue", "",
             "Paris", "", "75001", "France", changed[11], "0"]  # fmt: skip
    data = _clerk_file(CUSTOMER_HEADER, [*records, added])
    client = client_for(clerk)

    preview = admin_preview(client, "customer", data)
    assert _totals(preview) == {"new": 1, "update": 1, "skip": len(records) - 1}
    assert not Customer.objects.filter(pk=600).exists()  # the preview wrote nothing
    assert admin_confirm(client, "customer", preview).status_code == 302

    first, new = Customer.objects.get(pk=changed[0]), Customer.objects.get(pk=600)
    assert first.customer_name == "Atelier, graphique Ü"
    assert first.credit_limit == Decimal("22000.50")
    assert (new.customer_name, new.contact_first_name) == ('Café "Le Zinc", SARL', "Élodie")
    assert new.address_line2 is None and new.credit_limit == Decimal("0.00")
    assert Customer.objects.filter(pk=removed[0]).exists()  # kept, as the page says
    again = admin_preview(client, "customer", data)
    assert _totals(again) == {"skip": len(records) + 1}


def test_the_import_page_says_rows_not_in_the_file_are_kept(db, clerk, client_for):
    page = client_for(clerk).get(reverse("admin:sales_customer_import")).content.decode()
    assert escape("rows of the table that are not in the file are kept") in page


def test_imported_order_lines_move_the_order_total(classicmodels, clerk, client_for):
    header = list(csv_rows("orderdetails")[0])
    records = [list(r.values()) for r in csv_rows("orderdetails")]
    records[0][2] = str(int(records[0][2]) + 1)  # one more unit on the first line
    order = records[0][0]
    records.append([order, "S10_1678", "3", "81.35", "99"])  # a product it did not have
    assert not any(r[0] == order and r[1] == "S10_1678" for r in records[:-1])
    client = client_for(clerk)
    preview = admin_preview(client, "orderline", _clerk_file(header, records))
    assert _totals(preview) == {"new": 1, "update": 1, "skip": len(records) - 2}
    assert admin_confirm(client, "orderline", preview).status_code == 302
    expected = sum(
        (int(r[2]) * Decimal(r[3]) for r in records if r[0] == order), start=Decimal("0")
    )
    total = OrderTotal.objects.get(order_id=int(order))
    assert (total.revenue, total.lines) == (expected, sum(1 for r in records if r[0] == order))


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
    preview = admin_preview(client, "employee", _clerk_file(EMPLOYEE_HEADER, records))
    assert _totals(preview) == {"new": 2}
    assert admin_confirm(client, "employee", preview).status_code == 302
    assert dict(Employee.objects.filter(pk__in=[1801, 1802]).values_list("pk", "reports_to")) == {
        1801: 1802,
        1802: boss.pk,
    }


def test_a_manager_neither_in_the_table_nor_in_the_file_is_still_unknown(db, clerk, client_for):
    office = OfficeFactory()
    records = [["1801", "Abel", "Ann", "x1", "ann@example.com", office.pk, "7777", "Rep"]]
    preview = admin_preview(client_for(clerk), "employee", _clerk_file(EMPLOYEE_HEADER, records))
    errors = {row.number: row.error_dict for row in preview.context["result"].invalid_rows}
    assert errors == {2: {"reportsTo": ["unknown employee '7777'"]}}
    assert not Employee.objects.filter(pk=1801).exists()


def test_a_row_error_names_the_files_column(classicmodels, clerk, client_for):
    """salesRepEmployeeNumber, the header the clerk sees, not the model's sales_rep."""
    records = [list(csv_rows("customers")[0].values())]
    records[0][0], records[0][11] = "700", "4242"
    preview = admin_preview(client_for(clerk), "customer", _clerk_file(CUSTOMER_HEADER, records))
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
    preview = admin_preview(client_for(clerk), "order", data)
    assert preview.context.get("confirm_form") is None
    assert escape("The file has no status column: an import of orders.csv reads all") in (
        preview.content.decode()
    )
    assert Order.objects.get(pk=first["orderNumber"]).comments == (
        csv_rows("orders")[0]["comments"] or None
    )


def test_an_order_line_of_an_unknown_product_is_refused_by_line(classicmodels, clerk, client_for):
    header = list(csv_rows("orderdetails")[0])
    records = [list(r.values()) for r in csv_rows("orderdetails")[:2]]
    records.append([records[0][0], "S99_9999", "1", "1.00", "9"])
    preview = admin_preview(client_for(clerk), "orderline", _clerk_file(header, records))
    assert preview.context.get("confirm_form") is None
    result = preview.context["result"]
    errors = [(line, [str(e.error) for e in errors]) for line, errors in result.row_errors()]
    assert errors == [(4, ["unknown product 'S99_9999'"])]
    assert escape("Line number: 4 - unknown product 'S99_9999'") in preview.content.decode()
    assert not OrderLine.objects.filter(product_id="S99_9999").exists()


def test_an_export_opens_in_excel_with_its_accents_and_re_imports_as_no_change(
    classicmodels, clerk, client_for
):
    """Without a BOM, Excel read the UTF-8 download as ANSI: "QuÃ©bec Home Shopping"."""
    client = client_for(clerk)
    url = reverse("admin:sales_customer_export")
    form = client.get(url).context["form"]
    data = {"format": "0", "resource": "0"}
    data |= {name: "on" for name in form.fields if name not in data and name != "export_items"}
    exported = downloaded(client.post(url, data))
    assert exported.startswith("\ufeff".encode())
    names = {r["customerName"] for r in csv.DictReader(io.StringIO(exported.decode("utf-8-sig")))}
    accented = {r["customerName"] for r in csv_rows("customers") if not r["customerName"].isascii()}
    assert accented and accented <= names
    preview = admin_preview(client, "customer", exported)
    assert _totals(preview) == {"skip": len(csv_rows("customers"))}
