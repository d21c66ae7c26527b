"""Choices shared by the invoices models, flattening and reports."""

from django.db import models


class LineType(models.TextChoices):
    PART = "PART", "Part"
    SUPPLY = "SUPPLY", "Shop supply"
    LABOR = "LABOR", "Labor"
    FREIGHT = "FREIGHT", "Freight"
    MISC = "MISC", "Misc charge"


class IssueKind(models.TextChoices):
    SUBTOTAL_MISMATCH = "subtotal_mismatch", "Rows do not add up to subTotal"
    PARTS_TOTAL_MISMATCH = "parts_total_mismatch", "Parts rows differ from partsTotal"
    LABOR_TOTAL_MISMATCH = "labor_total_mismatch", "Labor rows differ from laborTotal"
    MISC_TOTAL_MISMATCH = "misc_total_mismatch", "Misc charges differ from miscChargeTotal"
    TOTAL_MISMATCH = "total_mismatch", "subTotal + taxTotal differs from total"
    TAX_LINES_MISMATCH = "tax_lines_mismatch", "Tax lines differ from the tax total"
    TAX_TOTALS_MISMATCH = (
        "tax_totals_mismatch",
        "Invoice taxTotal differs from TaxInformation.taxTotal",
    )
    TECHNICIAN_PORTIONS = "technician_portions", "Technician portions do not add up to 100"
    TECHNICIAN_PORTION_MISSING = (
        "technician_portion_missing",
        "Technician without a portion beside portioned ones",
    )
    MISSING_VIN = "missing_vin", "Unit has no VIN"
    VIN_TOO_LONG = "vin_too_long", "Unit VIN longer than 17 characters"
    MISSING_SUBTOTAL = "missing_subtotal", "Invoice has no subTotal"


UNASSIGNED = "Unassigned"
# The length of RawInvoice.primary_key: a longer primaryKey is refused, never truncated.
PRIMARY_KEY_MAX_LENGTH = 32
# A VIN has 17 characters: a longer one is not stored (cut, it would name another vehicle).
VIN_LENGTH = 17
