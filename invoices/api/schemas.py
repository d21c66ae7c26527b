"""Typed responses of the invoices API."""

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field


class IssueOut(Schema):
    kind: str
    message: str
    difference: Decimal | None


class InvoiceOut(Schema):
    primary_key: str
    invoice_number: str
    invoice_date: dt.date | None
    customer_title: str
    shop_title: str
    unit_vin: str
    sub_total: Decimal | None
    total: Decimal | None
    status: str
    error: str
    attempts: int
    received_at: dt.datetime
    processed_at: dt.datetime | None


class InvoiceDetailOut(InvoiceOut):
    line_count: int
    lines_total: Decimal | None
    issues: list[IssueOut]
    run_id: int | None


class InvoicePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[InvoiceOut]


class LineOut(Schema):
    line_number: int
    line_type: str
    description: str
    part_number: str
    category: str
    quantity: Decimal
    unit_price: Decimal | None
    unit_cost: Decimal | None
    amount: Decimal
    cost_amount: Decimal | None
    margin: Decimal | None
    taxable: bool | None
    technician: str
    hours: Decimal | None
    actual_hours: Decimal | None
    complaint_note: str
    correction_title: str


class InvoiceLinesOut(Schema):
    invoice: InvoiceOut
    lines: list[LineOut]


class RunOut(Schema):
    id: int
    trigger: str
    status: str
    error: str
    fetched: int
    processed: int
    skipped: int
    failed: int
    line_items_created: int
    total_value: Decimal
    duration_seconds: float | None


# A plain pydantic model, not a ninja Schema: a Schema reads any value by attribute, so a
# JSON list or string, or a misspelled key, came out as {} and reprocessed every failed
# invoice. Here anything but an object of this one key is a 422.
class ReprocessIn(BaseModel):
    """``{}``: every failed invoice; ``{"primary_keys": [...]}``: those invoices."""

    model_config = ConfigDict(extra="forbid")

    primary_keys: list[str] | None = Field(
        None, description="The invoices to reprocess; absent or null: every failed one."
    )


class ErrorOut(Schema):
    detail: str
