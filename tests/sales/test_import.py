"""CSV import: exact round trip, bad rows write nothing, the loader is idempotent."""

import csv
import io
import shutil

import pytest
import tablib
from django.db.models import Q
from django.urls import reverse
from django.utils.html import escape

from fleetops.models import AuditEntry
from sales.models import Customer, LoadRun, Order, OrderLine, Product
from sales.resources import RESOURCES
from sales.services import classicmodels_load
from tests.downloads import downloaded
from tests.sales.adminimport import admin_confirm, admin_preview
from tests.sales.conftest import DEMO_DIR
from tests.sales.csvfigures import rows as csv_rows


def _dataset(text: str) -> tablib.Dataset:
    return tablib.Dataset().load(io.StringIO(text, newline=""), format="csv")


def test_loader_keeps_text_exactly_and_empty_cells_as_null(classicmodels):
    carine = Customer.objects.get(pk=103)
    assert carine.contact_first_name == "Carine "  # trailing space kept
    assert carine.address_line2 is None and carine.state is None
    # counted in the files themselves: names with a trailing space, multi-line descriptions
    spaced = [
        c["customerNumber"]
        for c in csv_rows("customers")
        if c["contactFirstName"].endswith(" ") or c["contactLastName"].endswith(" ")
    ]
    assert spaced and sorted(
        Customer.objects.filter(
            Q(contact_first_name__endswith=" ") | Q(contact_last_name__endswith=" ")
        ).values_list("pk", flat=True)
    ) == sorted(int(n) for n in spaced)
    multiline = [
        p["productCode"] for p in csv_rows("products") if "\r\n" in p["productDescription"]
    ]
    assert multiline and sorted(
        Product.objects.filter(product_description__contains="\r\n").values_list("pk", flat=True)
    ) == sorted(multiline)
    assert classicmodels.rows == {name: len(csv_rows(name)) for name in classicmodels.rows}
    assert set(classicmodels.rows) == {p.stem for p in DEMO_DIR.glob("*.csv")}


def test_loader_is_idempotent(classicmodels):
    before = (Order.objects.count(), OrderLine.objects.count())
    again = classicmodels_load(directory=DEMO_DIR)
    assert again.status == "succeeded"
    assert (Order.objects.count(), OrderLine.objects.count()) == before


def test_export_reproduces_the_shipped_files(classicmodels):
    for name in ("customers", "products", "orders", "orderdetails", "offices"):
        exported = RESOURCES[name]().export().export("csv")
        rows = list(csv.reader(io.StringIO(exported, newline="")))
        with open(DEMO_DIR / f"{name}.csv", newline="", encoding="utf-8") as handle:
            original = list(csv.reader(handle))
        assert sorted(rows[1:]) == sorted(original[1:]), name
        assert rows[0] == original[0]


def test_resource_import_keeps_trailing_spaces_multiline_and_nulls(classicmodels):
    text = (DEMO_DIR / "products.csv").read_text(encoding="utf-8")
    Product.objects.filter(pk="S10_1678").update(product_description="changed")
    result = RESOURCES["products"]().import_data(_dataset(text), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    originals = {r["productCode"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    for product in Product.objects.all():
        assert product.product_description == originals[product.pk]["productDescription"]
    text = ",".join(RESOURCES["customers"].table.headers) + "\n"
    text += '999,"New, Co ",Smith ,Ann ,1,"1 St",,Oslo,,,"Norway  ",,0.00\n'
    result = RESOURCES["customers"]().import_data(_dataset(text), dry_run=False)
    assert not result.has_validation_errors()
    new = Customer.objects.get(pk=999)
    assert (new.customer_name, new.contact_first_name, new.country) == (
        "New, Co ",
        "Ann ",
        "Norway  ",
    )
    assert new.state is None and new.postal_code is None and new.sales_rep is None


BAD_ORDERS = (
    "orderNumber,orderDate,requiredDate,shippedDate,status,comments,customerNumber\n"
    "20001,2005-06-01,2005-06-08,,In Process,,103\n"
    "20002,2005-02-30,2005-06-08,,In Process,,103\n"
    "20003,2005-06-01,2005-06-08,,In Process,,424242\n"
)


def test_import_with_bad_rows_writes_nothing_and_lists_each_error(classicmodels):
    result = RESOURCES["orders"]().import_data(_dataset(BAD_ORDERS), dry_run=False)
    assert result.has_validation_errors()
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(errors) == {2, 3}
    assert "orderDate" in str(errors[2]) or "order_date" in str(errors[2])
    assert "unknown customer '424242'" in str(errors[3])
    assert not Order.objects.filter(pk__in=[20001, 20002, 20003]).exists()  # the good row too


def test_negative_quantity_is_a_row_error(classicmodels):
    text = (
        "orderNumber,productCode,quantityOrdered,priceEach,orderLineNumber\n"
        "10100,S10_1678,-5,10.00,9\n"
    )
    result = RESOURCES["orderdetails"]().import_data(_dataset(text), dry_run=False)
    assert result.has_validation_errors()
    assert "negative" in str(result.invalid_rows[0].error_dict)
    assert not OrderLine.objects.filter(order_id=10100, product_id="S10_1678").exists()


def test_admin_preview_lists_errors_and_writes_nothing(classicmodels, clerk, client_for):
    client = client_for(clerk)
    url = reverse("admin:sales_order_import")
    upload = io.BytesIO(BAD_ORDERS.encode())
    upload.name = "orders.csv"
    response = client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "unknown customer" in body and "not a valid date" in body
    assert "confirm" not in body.lower() or 'name="confirm"' not in body
    assert not Order.objects.filter(pk__in=[20001, 20002, 20003]).exists()
    assert not AuditEntry.objects.filter(action="sales.import").exists()


def test_admin_import_confirm_writes_and_audits(classicmodels, clerk, client_for):
    client = client_for(clerk)
    url = reverse("admin:sales_order_import")
    good = BAD_ORDERS.splitlines()[0] + "\n" + BAD_ORDERS.splitlines()[1] + "\n"
    upload = io.BytesIO(good.encode())
    upload.name = "orders.csv"
    preview = client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    assert preview.status_code == 200
    assert not Order.objects.filter(pk=20001).exists()  # preview writes nothing
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    response = client.post(reverse("admin:sales_order_process_import"), data)
    assert response.status_code == 302
    assert Order.objects.filter(pk=20001).exists()
    assert AuditEntry.objects.filter(action="sales.import").exists()


def test_admin_import_skips_blank_lines_before_the_header(classicmodels, clerk, client_for):
    """A blank first line read as no header: the preview was a 500 (hostile bench)."""
    client = client_for(clerk)
    good = BAD_ORDERS.splitlines()[0] + "\n" + BAD_ORDERS.splitlines()[1] + "\n"
    upload = io.BytesIO(("\ufeff\r\n \n" + good).encode())
    upload.name = "orders.csv"
    preview = client.post(
        reverse("admin:sales_order_import"), {"import_file": upload, "format": "0", "resource": "0"}
    )
    assert preview.status_code == 200
    form = preview.context["confirm_form"]  # the one row is valid: confirm is offered
    data = {name: form.initial.get(name, "") for name in form.fields}
    assert client.post(reverse("admin:sales_order_process_import"), data).status_code == 302
    assert Order.objects.filter(pk=20001).exists()


def test_loader_counts_orders_without_an_order_date_as_excluded(tmp_path, db):
    """An empty orderDate (NULL) loads; an invalid one is a row error (test_load)."""
    for path in DEMO_DIR.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    orders = (
        (tmp_path / "orders.csv")
        .read_text()
        .replace("10100,2003-01-06,", "10100,,")
        .replace("10101,2003-01-09,", "10101,,")
    )
    (tmp_path / "orders.csv").write_text(orders)
    run = classicmodels_load(directory=tmp_path)
    assert run.status == "succeeded" and run.excluded_orders == 2
    assert Order.objects.get(pk=10100).order_date is None
    assert Order.objects.get(pk=10100).date_issue == "orderDate missing"


def _demo_with_an_unknown_product(directory):
    """The demo data in ``directory``, one order line naming a product that does not exist."""
    for path in DEMO_DIR.glob("*.csv"):
        shutil.copy(path, directory / path.name)
    with open(directory / "orderdetails.csv", "a") as handle:
        handle.write("10100,NOPE,1,1.00,1\n")
    return directory


def test_loader_rejects_a_file_with_unknown_keys_and_writes_nothing(tmp_path, db):
    run = classicmodels_load(directory=_demo_with_an_unknown_product(tmp_path))
    assert run.status == "rejected"
    assert any("NOPE" in p["error"] for p in run.problems)
    assert not Order.objects.exists()
    assert LoadRun.objects.get(pk=run.pk).finished_at is not None


@pytest.mark.parametrize("name", ["customers", "orders"])
def test_import_export_permissions(clerk, manager, client_for, name, db):
    model = "order" if name == "orders" else "customer"
    assert client_for(clerk).get(reverse(f"admin:sales_{model}_import")).status_code == 200
    assert client_for(manager).get(reverse(f"admin:sales_{model}_import")).status_code == 403


def test_imported_lines_reach_the_analytics_at_once(classicmodels, sales_settings):
    """The order-totals read model follows an import of order lines."""
    import datetime as dt
    from decimal import Decimal

    from sales.selectors.base import SalesFilter
    from sales.selectors.kpis import executive_kpis

    before = executive_kpis(sales_settings, SalesFilter(), 2003, dt.date(2005, 5, 31))["revenue"]
    text = (
        "orderNumber,productCode,quantityOrdered,priceEach,orderLineNumber\n"
        "10100,S10_1678,2,50.25,9\n"
    )
    result = RESOURCES["orderdetails"]().import_data(_dataset(text), dry_run=False)
    assert not result.has_validation_errors() and not result.has_errors()
    after = executive_kpis(sales_settings, SalesFilter(), 2003, dt.date(2005, 5, 31))["revenue"]
    assert after - before == Decimal("100.50")


@pytest.mark.parametrize(
    "model",
    ["office", "employee", "customer", "productline", "product", "order", "orderline", "payment"],
)
def test_clerk_lists_imports_and_exports_every_table(classicmodels, clerk, client_for, model):
    client = client_for(clerk)
    assert client.get(reverse(f"admin:sales_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:sales_{model}_import")).status_code == 200
    assert client.get(reverse(f"admin:sales_{model}_export")).status_code == 200


def test_a_rejected_load_shows_its_row_errors_and_counts_in_the_admin(
    tmp_path, db, client_for, manager
):
    bad = classicmodels_load(directory=_demo_with_an_unknown_product(tmp_path))
    assert bad.status == "rejected"
    client = client_for(manager)
    page = client.get(reverse("admin:sales_loadrun_change", args=[bad.pk])).content.decode()
    error = next(p for p in bad.problems if "NOPE" in p["error"])
    assert f"<td>orderdetails</td><td>{error['line']}</td><td>{escape(error['error'])}</td>" in page
    good = classicmodels_load(directory=DEMO_DIR)
    page = client.get(reverse("admin:sales_loadrun_change", args=[good.pk])).content.decode()
    lines = len((DEMO_DIR / "offices.csv").read_text(encoding="utf-8-sig").splitlines()) - 1
    assert f'<tr><td>offices</td><td class="num">{lines:,}</td></tr>' in page
    listing = client.get(reverse("admin:sales_loadrun_changelist")).content.decode()
    assert f"{sum(good.rows.values()):,}" in listing


def _admin_export(client, model: str) -> bytes:
    """The table as a clerk downloads it from the admin (every column ticked)."""
    url = reverse(f"admin:sales_{model}_export")
    form = client.get(url).context["form"]
    data = {"format": "0", "resource": "0"}
    data |= {name: "on" for name in form.fields if name not in data and name != "export_items"}
    response = client.post(url, data)
    assert response["Content-Type"].startswith("text/csv")
    return downloaded(response)


@pytest.mark.parametrize("model", ["office", "customer", "product", "order", "payment"])
def test_an_admin_export_re_imports_as_no_change(
    classicmodels, clerk, client_for, model, tmp_path, settings
):
    """The export quotes cells a spreadsheet would run (+1 650 ... phones): the import
    reads the quote off again instead of storing it in the phone."""
    settings.MEDIA_ROOT = tmp_path
    client = client_for(clerk)
    exported = _admin_export(client, model)
    preview = admin_preview(client, model, exported)
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert {row.import_type for row in result.rows} == {"skip"}
    assert admin_confirm(client, model, preview).status_code == 302
    assert _admin_export(client, model) == exported


def test_a_quoted_cell_keeps_every_quote_it_had_through_a_round_trip(
    classicmodels, clerk, client_for, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    Customer.objects.filter(pk=103).update(phone="'+33 40", address_line1="-rue=")
    Customer.objects.filter(pk=112).update(phone="'quoted", address_line1="''=x")
    client = client_for(clerk)
    exported = _admin_export(client, "customer")
    preview = admin_preview(client, "customer", exported)
    assert {row.import_type for row in preview.context["result"].rows} == {"skip"}
    admin_confirm(client, "customer", preview)
    kept = Customer.objects.filter(pk__in=[103, 112]).order_by("pk")
    assert list(kept.values_list("phone", "address_line1")) == [
        ("'+33 40", "-rue="), ("'quoted", "''=x"),
    ]  # fmt: skip


def test_the_preview_gives_each_bad_row_its_file_line(classicmodels, clerk, client_for,
                                                      tmp_path, settings):  # fmt: skip
    """Headers in another case are the table's; a quoted comment over two lines moves the
    following rows down; a key given twice with other values is an error, not an
    overwrite."""
    settings.MEDIA_ROOT = tmp_path
    text = (
        "ORDERNUMBER,orderdate,RequiredDate,shippedDate,status,comments,customerNumber\r\n"
        '20001,2005-06-01,2005-06-08,,In Process,"two\r\nlines",103\r\n'  # lines 2-3
        "20002,2005-02-30,2005-06-08,,In Process,,103\r\n"  # line 4: no such date
        "20003,2005-06-01,2005-06-08,,In Process,,103\r\n"  # line 5
        "20001,2005-06-02,2005-06-08,,In Process,,103\r\n"  # line 6: 20001 again
    )
    preview = admin_preview(client_for(clerk), "order", text.encode())
    result = preview.context["result"]
    assert not result.has_errors()
    errors = {row.number: str(row.error_dict) for row in result.invalid_rows}
    assert sorted(errors) == [4, 6]
    assert "not a valid date" in errors[4]
    assert "Line 2 gives orderNumber '20001' other values" in errors[6]
    assert "Line number" not in preview.content.decode()  # no file-level error
    assert not Order.objects.filter(pk__in=[20001, 20002, 20003]).exists()
