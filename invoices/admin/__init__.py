"""Admin of the invoices app: raw invoices, line items, issues, runs (fast at a million lines)."""

from invoices.admin import lines, raw, runs  # noqa: F401
