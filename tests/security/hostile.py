"""Shared pieces of the hostile-input tests: hypothesis settings and generators.

``HYPOTHESIS_MAX_EXAMPLES`` sets the examples per test (25 in ``make test``; the
bench run raises it).
"""

import csv
import io
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

MAX_EXAMPLES = int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "25"))
HOSTILE = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

NASTY_CELLS = [
    "", " ", '"', '""', "'", ",", ";", "\t", "\r", "\n", "\x00", "\ufeff", "\u202e",
    "=HYPERLINK(\"http://x\")", "+1+1", "-1", "@SUM(A1)", "NaN", "inf", "-1e309", "1e309",
    "9" * 40, "0x1F", "1,234.56", "$1,234.56", "(100)", "12/31/2099", "2024-02-30",
    "1FTEW1E50PF100000", "1FTEW1E50PF10000", "IOQIOQIOQIOQIOQIO", "x" * 300, "ñandú",
    "<script>alert(1)</script>", "NULL", "None", "true",
]  # fmt: skip

cells = st.one_of(st.sampled_from(NASTY_CELLS), st.text(max_size=25))


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str, newline: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding, errors="replace")


@st.composite
def hostile_csv(draw, header: list[str], valid_row=None) -> bytes:
    """A CSV export gone wrong: raw bytes, or a real/permuted/garbled header with bad rows.

    ``valid_row`` (a strategy) mixes well-formed rows in, so some files import.
    """
    kind = draw(st.sampled_from(["binary", "text", "text", "text"]))
    if kind == "binary":
        return draw(st.binary(max_size=600))
    head = draw(
        st.one_of(
            st.just(header),
            st.permutations(header),
            st.lists(st.sampled_from(header), max_size=len(header) + 2),  # missing/duplicated
            st.lists(cells, max_size=8),
            st.just([h.upper() + " " for h in header]),
        )
    )
    bad_rows = st.lists(st.lists(cells, min_size=0, max_size=len(header) + 3), max_size=6)
    rows = draw(bad_rows)
    if valid_row is not None:
        rows += draw(st.lists(valid_row, max_size=4))
        rows = draw(st.permutations(rows))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    data = csv_bytes(head, rows, encoding, newline)
    if draw(st.booleans()):  # truncated mid-way
        data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
    return data


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(NASTY_CELLS),
    st.text(max_size=20),
)  # fmt: skip
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def json_paths(value, prefix=()):
    """Every path (tuple of keys/indexes) inside a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from json_paths(item, (*prefix, i))


def json_set(value, path, new, *, delete=False):
    """``value`` with the item at ``path`` replaced by ``new`` (or deleted)."""
    if not path:
        return new
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = new
    return value
