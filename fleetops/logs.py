"""Logging filters of FleetOps (``LOGGING`` in the settings)."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """``django.request``'s records of a 4xx answer (a page refused or not found: the
    request's fault, logged as a warning) without the traceback Django attaches to them;
    a 5xx (the server's fault) keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info, record.exc_text = None, None
        return True
