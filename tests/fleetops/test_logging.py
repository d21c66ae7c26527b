"""The log: a refused page is one line, a server error keeps its traceback."""

import logging
import sys

import pytest

from fleetops.logs import ClientErrorsWithoutTraceback


@pytest.mark.django_db
def test_a_refused_page_is_logged_without_a_traceback(clerk, client_for, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client_for(clerk).get("/invoices/").status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.status_code == 403 and record.exc_info is None
    assert "Traceback" not in logging.Formatter().format(record)


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error: /x", (),
            sys.exc_info(),
        )  # fmt: skip
    record.status_code = 500
    assert ClientErrorsWithoutTraceback().filter(record)
    assert "RuntimeError: boom" in logging.Formatter().format(record)
