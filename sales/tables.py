"""One definition of the classicmodels CSV layout, shared by the loader and the resources.

For each table: the CSV file, the model, and its columns in file order, each with
the original header, the model field, a type and whether an empty cell (= SQL NULL)
is allowed. Foreign keys name the referenced table.
"""

from dataclasses import dataclass

from sales import models


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str  # "str" | "int" | "decimal" | "date" | "fk" | "blob"
    nullable: bool = False
    ref: str = ""  # for kind "fk": the referenced table's name
    min_value: int | None = None  # numbers below this are row errors


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


C = Column

OFFICES = Table(
    "offices",
    models.Office,
    ("office_code",),
    (
        C("officeCode", "office_code", "str"),
        C("city", "city", "str"),
        C("phone", "phone", "str"),
        C("addressLine1", "address_line1", "str"),
        C("addressLine2", "address_line2", "str", True),
        C("state", "state", "str", True),
        C("country", "country", "str"),
        C("postalCode", "postal_code", "str"),
        C("territory", "territory", "str"),
    ),
)
EMPLOYEES = Table(
    "employees",
    models.Employee,
    ("employee_number",),
    (
        C("employeeNumber", "employee_number", "int"),
        C("lastName", "last_name", "str"),
        C("firstName", "first_name", "str"),
        C("extension", "extension", "str"),
        C("email", "email", "str"),
        C("officeCode", "office", "fk", ref="offices"),
        C("reportsTo", "reports_to", "fk", True, ref="employees"),
        C("jobTitle", "job_title", "str"),
    ),
)
CUSTOMERS = Table(
    "customers",
    models.Customer,
    ("customer_number",),
    (
        C("customerNumber", "customer_number", "int"),
        C("customerName", "customer_name", "str"),
        C("contactLastName", "contact_last_name", "str"),
        C("contactFirstName", "contact_first_name", "str"),
        C("phone", "phone", "str"),
        C("addressLine1", "address_line1", "str"),
        C("addressLine2", "address_line2", "str", True),
        C("city", "city", "str"),
        C("state", "state", "str", True),
        C("postalCode", "postal_code", "str", True),
        C("country", "country", "str"),
        C("salesRepEmployeeNumber", "sales_rep", "fk", True, ref="employees"),
        C("creditLimit", "credit_limit", "decimal", min_value=0),
    ),
)
PRODUCTLINES = Table(
    "productlines",
    models.ProductLine,
    ("product_line",),
    (
        C("productLine", "product_line", "str"),
        C("textDescription", "text_description", "str", True),
        C("htmlDescription", "html_description", "str", True),
        C("image", "image", "blob", True),
    ),
)
PRODUCTS = Table(
    "products",
    models.Product,
    ("product_code",),
    (
        C("productCode", "product_code", "str"),
        C("productName", "product_name", "str"),
        C("productLine", "product_line", "fk", ref="productlines"),
        C("productScale", "product_scale", "str"),
        C("productVendor", "product_vendor", "str"),
        C("productDescription", "product_description", "str"),
        C("quantityInStock", "quantity_in_stock", "int"),
        C("buyPrice", "buy_price", "decimal", min_value=0),
        C("MSRP", "msrp", "decimal", min_value=0),
    ),
)
ORDERS = Table(
    "orders",
    models.Order,
    ("order_number",),
    (
        C("orderNumber", "order_number", "int"),
        C("orderDate", "order_date", "date", True),
        C("requiredDate", "required_date", "date", True),
        C("shippedDate", "shipped_date", "date", True),
        C("status", "status", "str"),
        C("comments", "comments", "str", True),
        C("customerNumber", "customer", "fk", ref="customers"),
    ),
)
ORDERDETAILS = Table(
    "orderdetails",
    models.OrderLine,
    ("order", "product"),
    (
        C("orderNumber", "order", "fk", ref="orders"),
        C("productCode", "product", "fk", ref="products"),
        C("quantityOrdered", "quantity_ordered", "int", min_value=0),
        C("priceEach", "price_each", "decimal", min_value=0),
        C("orderLineNumber", "order_line_number", "int"),
    ),
)
PAYMENTS = Table(
    "payments",
    models.Payment,
    ("customer", "check_number"),
    (
        C("customerNumber", "customer", "fk", ref="customers"),
        C("checkNumber", "check_number", "str"),
        C("paymentDate", "payment_date", "date"),
        C("amount", "amount", "decimal"),
    ),
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
# Order dates may be missing or invalid: such orders load with NULL dates and are
# reported as excluded instead of rejecting the whole file.
LENIENT_DATE_TABLES = {"orders"}
