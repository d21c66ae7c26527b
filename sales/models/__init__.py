"""The eight classicmodels tables, the analytics settings and the load runs."""

from sales.models.runs import LoadRun, OrderTotal
from sales.models.settings import SalesSettings
from sales.models.tables import (
    Customer,
    Employee,
    Office,
    Order,
    OrderLine,
    Payment,
    Product,
    ProductLine,
)

__all__ = [
    "Customer",
    "Employee",
    "LoadRun",
    "Office",
    "Order",
    "OrderLine",
    "OrderTotal",
    "Payment",
    "Product",
    "ProductLine",
    "SalesSettings",
]
