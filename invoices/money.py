"""Money as the invoices pages show it."""

from decimal import ROUND_HALF_UP, Decimal


def dollars(value, places: int = 2) -> str:
    """ "$1,234.56" (or "$1,235" with ``places=0``), "-$12.00" for a credit; "—" for none."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.{places}f}"
