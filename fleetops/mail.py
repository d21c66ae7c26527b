"""E-mail backends of FleetOps."""

import sys

from django.core.mail.backends import console


class ConsoleEmailBackend(console.EmailBackend):
    """Django's console backend, writing to standard error (the development default).

    A development e-mail is a diagnostic, and a command's standard output is its result:
    ``reconcile --json``, ``ingest_invoices --json`` and ``monitor --json`` print exactly
    one JSON object there, even when the run they report raises an alert that is mailed.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("stream", sys.stderr)
        super().__init__(*args, **kwargs)
