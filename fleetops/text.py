"""Callers' text made safe to put in a query."""


def nul_free(value: str) -> str:
    """``value`` without NUL characters: PostgreSQL text cannot hold NUL, so a filter or
    lookup with one fails there (a 500), while SQLite accepts it. A search or filter
    parameter with a NUL matches what it would match without it."""
    return value.replace("\x00", "")
