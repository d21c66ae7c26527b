"""Flattening Fullbay invoices into line items: a pure function of the payload.

``flatten_invoice(payload) -> FlattenResult`` (rows with full context, and
data-quality issues); ``FlattenError`` when the payload cannot be read at all.
"""

from invoices.flatten.coerce import FlattenError
from invoices.flatten.core import flatten_invoice, invoice_context
from invoices.flatten.rows import Context, FlattenResult, Issue, Item, LineRow

__all__ = [
    "Context",
    "FlattenError",
    "FlattenResult",
    "Issue",
    "Item",
    "LineRow",
    "flatten_invoice",
    "invoice_context",
]
