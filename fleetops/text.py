"""Text: callers' text made safe to put in a query; counts in words."""


def counted(count: int, noun: str, plural: str = "") -> str:
    """``1 row``, ``2 rows``, ``1,200 probable matches`` (``plural`` when not noun + s)."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def nul_free(value: str) -> str:
    """``value`` without NUL characters: PostgreSQL text cannot hold NUL, so a filter or
    lookup with one fails there (a 500), while SQLite accepts it. A search or filter
    parameter with a NUL matches what it would match without it."""
    return value.replace("\x00", "")
