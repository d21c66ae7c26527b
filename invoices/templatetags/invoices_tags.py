"""Template filters of the invoices pages."""

from django import template

from invoices.money import dollars as _dollars

register = template.Library()


@register.filter
def dollars(value, places: int = 2) -> str:
    """``{{ amount|dollars }}`` → "$1,234.56"; ``{{ amount|dollars:0 }}`` → "$1,235"."""
    return _dollars(value, int(places))
