"""Money's one rounding rule, for every app: to the cent, half a cent up."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """``value`` to the cent, half a cent up: 50.125 is 50.13 (Decimal's default rounding,
    half to even, would say 50.12)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
