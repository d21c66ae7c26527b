"""The classicmodels tables, keeping the source's natural keys and foreign keys.

Field names are the snake_case of the source columns (``customerNumber`` ->
``customer_number``); ``sales.tables`` maps them back to the original CSV headers.
Every import permission (``import_<model>`` / ``export_<model>``) is declared here
because import-export checks them (IMPORT_EXPORT_*_PERMISSION_CODE).
"""

from django.db import models


def _io_permissions(model: str, label: str) -> list[tuple[str, str]]:
    return [
        (f"import_{model}", f"Can import {label} from CSV"),
        (f"export_{model}", f"Can export {label} to CSV"),
    ]


class Office(models.Model):
    office_code = models.CharField(max_length=10, primary_key=True)
    city = models.CharField(max_length=50)
    phone = models.CharField(max_length=50)
    address_line1 = models.CharField(max_length=50)
    address_line2 = models.CharField(max_length=50, null=True, blank=True)
    state = models.CharField(max_length=50, null=True, blank=True)
    country = models.CharField(max_length=50)
    postal_code = models.CharField(max_length=15)
    territory = models.CharField(
        max_length=10, db_index=True, help_text="Sales territory: NA, EMEA, APAC or Japan."
    )

    class Meta:
        ordering = ["office_code"]
        permissions = _io_permissions("office", "offices")

    def __str__(self):
        return f"{self.city} ({self.office_code})"


class Employee(models.Model):
    employee_number = models.IntegerField(primary_key=True)
    last_name = models.CharField(max_length=50)
    first_name = models.CharField(max_length=50)
    extension = models.CharField(max_length=10)
    email = models.CharField(max_length=100)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="employees")
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    job_title = models.CharField(max_length=50)

    class Meta:
        ordering = ["employee_number"]
        permissions = _io_permissions("employee", "employees")

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class Customer(models.Model):
    customer_number = models.IntegerField(primary_key=True)
    customer_name = models.CharField(max_length=50)
    contact_last_name = models.CharField(max_length=50)
    contact_first_name = models.CharField(max_length=50)
    phone = models.CharField(max_length=50)
    address_line1 = models.CharField(max_length=50)
    address_line2 = models.CharField(max_length=50, null=True, blank=True)
    city = models.CharField(max_length=50)
    state = models.CharField(max_length=50, null=True, blank=True)
    postal_code = models.CharField(max_length=15, null=True, blank=True)
    country = models.CharField(
        max_length=50,
        db_index=True,
        help_text="As in the source; analytics group by the trimmed name ('Norway  ' = 'Norway').",
    )
    sales_rep = models.ForeignKey(
        Employee,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
        help_text="salesRepEmployeeNumber; empty when the customer has no sales rep.",
    )
    credit_limit = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["customer_number"]
        permissions = _io_permissions("customer", "customers")

    def __str__(self):
        return f"{self.customer_name} ({self.customer_number})"


class ProductLine(models.Model):
    product_line = models.CharField(max_length=50, primary_key=True)
    text_description = models.TextField(max_length=4000, null=True, blank=True)
    html_description = models.TextField(null=True, blank=True)
    image = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["product_line"]
        permissions = _io_permissions("productline", "product lines")

    def __str__(self):
        return self.product_line


class Product(models.Model):
    product_code = models.CharField(max_length=15, primary_key=True)
    product_name = models.CharField(max_length=70)
    product_line = models.ForeignKey(ProductLine, on_delete=models.PROTECT, related_name="products")
    product_scale = models.CharField(max_length=10)
    product_vendor = models.CharField(max_length=50)
    product_description = models.TextField()
    quantity_in_stock = models.IntegerField()
    buy_price = models.DecimalField(max_digits=10, decimal_places=2)
    msrp = models.DecimalField("MSRP", max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["product_code"]
        permissions = _io_permissions("product", "products")

    def __str__(self):
        return f"{self.product_name} ({self.product_code})"


class Order(models.Model):
    order_number = models.IntegerField(primary_key=True)
    order_date = models.DateField(
        null=True,
        blank=True,
        help_text="Empty when the source date was missing: such orders are excluded from "
        "the period KPIs and counted on the Risks page.",
    )
    required_date = models.DateField(null=True, blank=True)
    shipped_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=15, db_index=True)
    comments = models.TextField(null=True, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    date_issue = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="What was wrong with this order's dates in the source (empty when nothing).",
    )

    class Meta:
        ordering = ["order_number"]
        permissions = _io_permissions("order", "orders")
        indexes = [
            models.Index(fields=["order_date"], name="sales_order_date_idx"),
            models.Index(fields=["customer", "order_date"], name="sales_order_cust_date_idx"),
        ]

    def __str__(self):
        return f"Order {self.order_number}"


class OrderLine(models.Model):
    """``orderdetails``: natural key (orderNumber, productCode)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    quantity_ordered = models.IntegerField()
    price_each = models.DecimalField(max_digits=10, decimal_places=2)
    order_line_number = models.SmallIntegerField()

    class Meta:
        ordering = ["order_id", "order_line_number"]
        verbose_name = "order line"
        permissions = _io_permissions("orderline", "order lines")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "product"], name="sales_orderline_natural_key"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_ordered__gte=0), name="sales_orderline_qty_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["product", "order"], name="sales_line_product_order_idx")]

    def __str__(self):
        return f"{self.order_id}/{self.product_id}"


class Payment(models.Model):
    """Natural key (customerNumber, checkNumber); payments are not linked to orders."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    check_number = models.CharField(max_length=50)
    payment_date = models.DateField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["customer_id", "check_number"]
        permissions = _io_permissions("payment", "payments")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "check_number"], name="sales_payment_natural_key"
            )
        ]

    def __str__(self):
        return f"{self.customer_id}/{self.check_number}"
