"""Factories for hand-made sales data; related objects stay consistent."""

import datetime as dt
from decimal import Decimal

import factory

from sales import models


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Office
        django_get_or_create = ("office_code",)

    office_code = factory.Sequence(lambda n: f"O{n}")
    city = "Paris"
    phone = "+33 1"
    address_line1 = "1 rue"
    country = "France"
    postal_code = "75000"
    territory = "EMEA"


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Employee

    employee_number = factory.Sequence(lambda n: 5000 + n)
    last_name = factory.Sequence(lambda n: f"Rep{n}")
    first_name = "Sam"
    extension = "x1"
    email = factory.LazyAttribute(lambda e: f"{e.last_name}@example.com")
    office = factory.SubFactory(OfficeFactory)
    job_title = "Sales Rep"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Customer

    customer_number = factory.Sequence(lambda n: 9000 + n)
    customer_name = factory.Sequence(lambda n: f"Customer {n}")
    contact_last_name = "Doe"
    contact_first_name = "Jo"
    phone = "1"
    address_line1 = "1 Main St"
    city = "Paris"
    country = "France"
    sales_rep = factory.SubFactory(EmployeeFactory)
    credit_limit = Decimal("10000.00")


class ProductLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ProductLine
        django_get_or_create = ("product_line",)

    product_line = "Classic Cars"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Product

    product_code = factory.Sequence(lambda n: f"P{n:04d}")
    product_name = factory.Sequence(lambda n: f"Model {n}")
    product_line = factory.SubFactory(ProductLineFactory)
    product_scale = "1:18"
    product_vendor = "Vendor"
    product_description = "A model."
    quantity_in_stock = 10
    buy_price = Decimal("10.00")
    msrp = Decimal("20.00")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Order

    order_number = factory.Sequence(lambda n: 20000 + n)
    order_date = dt.date(2004, 1, 10)
    required_date = factory.LazyAttribute(lambda o: o.order_date + dt.timedelta(days=7))
    shipped_date = factory.LazyAttribute(lambda o: o.order_date + dt.timedelta(days=3))
    status = "Shipped"
    customer = factory.SubFactory(CustomerFactory)


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity_ordered = 1
    price_each = Decimal("100.00")
    order_line_number = 1

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        """Like every write path, keep the order's total (read model) in step."""
        super()._after_postgeneration(instance, create, results)
        if create:
            from sales.totals import order_totals_refresh

            order_totals_refresh(order_ids=[instance.order_id])
