"""One definition of the classicmodels CSV layout, shared by the loader and the resources.

For each table: the CSV file, the model, and its columns in file order. A column is its
original header; the model field is the header in snake_case unless named (``officeCode``
→ ``office_code``; ``("customerNumber", "customer")`` for a foreign key). The type,
whether an empty cell (= SQL NULL) is allowed and the referenced table of a foreign key
are read from the model field, so they are declared once, on the model; so are the limits
a cell is checked against (text length, integer range, decimal digits), so a value the
database would refuse (PostgreSQL) or keep beyond its type (SQLite) is a row error.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db import models as db
from django.db.backends.base.operations import BaseDatabaseOperations

from sales import models


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str  # "str" | "int" | "decimal" | "date" | "fk" | "blob"
    nullable: bool = False
    ref: str = ""  # for kind "fk": the referenced table's name
    min_value: int | None = None  # numbers below this are row errors
    max_value: int | None = None  # integers above this are row errors
    max_length: int | None = None  # longer text is a row error
    max_digits: int | None = None  # decimals: digits in all, and after the point
    decimal_places: int | None = None


@dataclass(frozen=True)
class Table:
    name: str
    model: type
    key: tuple[str, ...]  # natural key, model field names
    columns: tuple[Column, ...]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


NAMES = {
    models.Office: "offices",
    models.Employee: "employees",
    models.Customer: "customers",
    models.ProductLine: "productlines",
    models.Product: "products",
    models.Order: "orders",
    models.OrderLine: "orderdetails",
    models.Payment: "payments",
}
KINDS = (  # first match wins: ForeignKey before the scalar types
    (db.ForeignKey, "fk"),
    (db.DecimalField, "decimal"),
    (db.DateField, "date"),
    (db.IntegerField, "int"),
    (db.BinaryField, "blob"),
    (db.CharField, "str"),
    (db.TextField, "str"),
)
NOT_NEGATIVE = {"min_value": 0}


def _snake(header: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", header).lower()


def _limits(f, kind: str) -> dict:
    """What the model field can hold. Integer ranges are the portable ones of the field's
    type (SQLite itself would keep any 64-bit number in a SmallIntegerField)."""
    if kind == "str":
        return {"max_length": f.max_length}
    if kind == "int":
        low, high = BaseDatabaseOperations.integer_field_ranges[f.get_internal_type()]
        return {"min_value": low, "max_value": high}
    if kind == "decimal":
        return {"max_digits": f.max_digits, "decimal_places": f.decimal_places}
    return {}


def _column(model: type, header: str, field: str = "", extra: dict | None = None) -> Column:
    f = model._meta.get_field(field or _snake(header))
    kind = next(kind for cls, kind in KINDS if isinstance(f, cls))
    ref = NAMES[f.related_model] if kind == "fk" else ""
    return Column(header, f.name, kind, f.null, ref, **{**_limits(f, kind), **(extra or {})})


def table(model: type, key: tuple[str, ...], *specs: str | tuple) -> Table:
    """The table of ``model``, columns in file order: a text lists headers separated by
    spaces (field = snake_case header); a tuple is (header, field[, extra Column values])."""
    columns = []
    for spec in specs:
        if isinstance(spec, str):
            columns += [_column(model, header) for header in spec.split()]
        else:
            columns.append(_column(model, *spec))
    return Table(NAMES[model], model, key, tuple(columns))


OFFICES = table(
    models.Office,
    ("office_code",),
    "officeCode city phone addressLine1 addressLine2 state country postalCode territory",
)
EMPLOYEES = table(
    models.Employee,
    ("employee_number",),
    "employeeNumber lastName firstName extension email",
    ("officeCode", "office"),
    "reportsTo jobTitle",
)
CUSTOMERS = table(
    models.Customer,
    ("customer_number",),
    "customerNumber customerName contactLastName contactFirstName phone addressLine1",
    "addressLine2 city state postalCode country",
    ("salesRepEmployeeNumber", "sales_rep"),
    ("creditLimit", "", NOT_NEGATIVE),
)
PRODUCTLINES = table(
    models.ProductLine,
    ("product_line",),
    "productLine textDescription htmlDescription image",
)
PRODUCTS = table(
    models.Product,
    ("product_code",),
    "productCode productName productLine productScale productVendor productDescription",
    "quantityInStock",
    ("buyPrice", "", NOT_NEGATIVE),
    ("MSRP", "msrp", NOT_NEGATIVE),
)
ORDERS = table(
    models.Order,
    ("order_number",),
    "orderNumber orderDate requiredDate shippedDate status comments",
    ("customerNumber", "customer"),
)
ORDERDETAILS = table(
    models.OrderLine,
    ("order", "product"),
    ("orderNumber", "order"),
    ("productCode", "product"),
    ("quantityOrdered", "", NOT_NEGATIVE),
    ("priceEach", "", NOT_NEGATIVE),
    "orderLineNumber",
)
PAYMENTS = table(
    models.Payment,
    ("customer", "check_number"),
    ("customerNumber", "customer"),
    "checkNumber paymentDate amount",
)

# Dependency order: every table comes after the tables it references.
TABLES: tuple[Table, ...] = (
    OFFICES,
    EMPLOYEES,
    CUSTOMERS,
    PRODUCTLINES,
    PRODUCTS,
    ORDERS,
    ORDERDETAILS,
    PAYMENTS,
)
TABLES_BY_NAME = {t.name: t for t in TABLES}
# Tables whose rows record a missing (empty, NULL) date in ``date_issue``: an order
# without an order date loads and is reported as excluded from the period KPIs. An
# invalid date is a row error here as in every table.
DATE_ISSUE_TABLES = {"orders"}


def date_issue(table: Table, dates: Mapping[str, date | None]) -> str:
    """What a row of a ``DATE_ISSUE_TABLES`` table records in ``date_issue``, from its dates
    by field name: each missing date but the shipped date (an order not shipped yet), by
    its CSV header ("orderDate missing; requiredDate missing"); empty when none is."""
    missing = [
        f"{c.header} missing"
        for c in table.columns
        if c.kind == "date" and c.header != "shippedDate" and dates.get(c.field) is None
    ]
    return "; ".join(missing)[:200]


def instance_date_issue(instance) -> str:
    """``date_issue`` of a model instance (an imported row, an order saved in the admin)."""
    table = TABLES_BY_NAME[NAMES[type(instance)]]
    return date_issue(
        table, {c.field: getattr(instance, c.field) for c in table.columns if c.kind == "date"}
    )
