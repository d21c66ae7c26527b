"""load_classicmodels reads the files' quoting as RFC 4180 (the documented format) has it:
a quote never closed, or closed with text after it, is a row error naming the line where
its record starts, never a traceback or a silently changed value, and nothing is written."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from sales.models import Order, OrderLine
from sales.services import classicmodels_load
from tests.sales.test_load import _demo_copy, _line_of


def _replace(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_quote_never_closed_in_a_large_file_is_a_row_error_not_a_traceback(tmp_path, db):
    """The cell runs to the end of the file, past the csv module's cell size limit: the
    load raised _csv.Error ("field larger than field limit") out of the command."""
    _demo_copy(tmp_path)
    details = tmp_path / "orderdetails.csv"
    line = _line_of(tmp_path, "orderdetails", "10100,S18_2248,")
    _replace(details, "10100,S18_2248,50,55.09,2", '10100,S18_2248,50,"55.09,2')
    # more lines after it than one cell may hold (a clerk's year of order lines)
    filler = "10101,S18_2325,25,108.06,4\n"
    with details.open("a", encoding="utf-8") as handle:
        handle.write(filler * (csv.field_size_limit() // len(filler) + 1))

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "rejected"
    assert [(p["table"], p["line"]) for p in run.problems] == [("orderdetails", line)]
    assert run.problems[0]["error"].startswith("bad quoting in the record starting here")
    assert not OrderLine.objects.exists()
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_classicmodels", str(tmp_path), stdout=io.StringIO(), stderr=stderr)
    assert f"orderdetails.csv line {line}: bad quoting" in stderr.getvalue()


def test_a_quote_closed_with_text_after_it_is_a_row_error_not_a_changed_value(tmp_path, db):
    """Read leniently, ``"Rush" order`` loaded as the comment ``Rush order``: the quotes
    were dropped without a word."""
    _demo_copy(tmp_path)
    line = _line_of(tmp_path, "orders", "10101,")
    _replace(tmp_path / "orders.csv", ",Check on availability.,128", ',"Rush" order,128')

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "rejected"
    assert [(p["table"], p["line"]) for p in run.problems] == [("orders", line)]
    assert "bad quoting" in run.problems[0]["error"]
    assert not Order.objects.exists()


def test_a_quote_doubled_inside_a_quoted_multi_line_value_still_loads(tmp_path, db):
    _demo_copy(tmp_path)
    _replace(
        tmp_path / "orders.csv",
        ",Check on availability.,128",
        ',"He said ""rush"",\nthen: check on availability.",128',
    )

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "succeeded", run.problems
    assert Order.objects.get(pk=10101).comments == 'He said "rush",\nthen: check on availability.'
