"""A NUL character (byte 0x00) in a classicmodels CSV cell is a row error naming its line,
in the loader and in the admin import, on every database: PostgreSQL text cannot hold it
(the load ended in a DataError traceback) and SQLite stored it."""

import io

import pytest
from django.core.management import CommandError, call_command

from sales.models import Order
from sales.services import classicmodels_load
from tests.sales.adminimport import admin_preview
from tests.sales.test_load import _demo_copy, _line_of

NUL_COMMENT = "Check on\x00 availability."


def test_a_nul_in_a_cell_is_a_row_error_of_the_load_and_nothing_is_written(tmp_path, db):
    _demo_copy(tmp_path)
    orders = tmp_path / "orders.csv"
    line = _line_of(tmp_path, "orders", "10101,")
    text = orders.read_text(encoding="utf-8")
    old = ",Check on availability.,128"
    assert text.count(old) == 1
    orders.write_text(text.replace(old, f",{NUL_COMMENT},128"), encoding="utf-8")

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "rejected"
    assert run.problems == [
        {
            "table": "orders",
            "line": line,
            "error": "comments contains a NUL character (byte 0x00), which no column can hold",
        }
    ]
    assert not Order.objects.exists()
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_classicmodels", str(tmp_path), stdout=io.StringIO(), stderr=stderr)
    assert f"orders.csv line {line}: comments contains a NUL" in stderr.getvalue()


def test_a_nul_in_a_cell_is_a_row_error_of_the_admin_import_preview(
    classicmodels, clerk, client_for, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    text = (
        "orderNumber,orderDate,requiredDate,shippedDate,status,comments,customerNumber\n"
        "20001,2005-06-01,2005-06-08,,In Process,ok,103\n"
        f"20002,2005-06-01,2005-06-08,,In Process,{NUL_COMMENT},103\n"
    )

    preview = admin_preview(client_for(clerk), "order", text.encode())

    result = preview.context["result"]
    errors = {row.number: str(row.error_dict) for row in result.invalid_rows}
    assert list(errors) == [3]
    assert "contains a NUL character" in errors[3]
    assert not Order.objects.filter(pk__in=[20001, 20002]).exists()
