"""Clerks' edits of the classicmodels tables in the admin keep the derived values right."""

import datetime as dt

from django.urls import reverse

from sales.models import Order
from tests.sales.factories import OrderFactory, OrderLineFactory


def _order_form(order: Order, **changes) -> dict:
    """The admin change form of ``order`` as posted, with ``changes`` (dates as text)."""
    data = {
        "order_number": str(order.pk),
        "order_date": order.order_date.isoformat() if order.order_date else "",
        "required_date": order.required_date.isoformat() if order.required_date else "",
        "shipped_date": order.shipped_date.isoformat() if order.shipped_date else "",
        "status": order.status,
        "comments": order.comments or "",
        "customer": str(order.customer_id),
        "date_issue": order.date_issue,
        "_save": "Save",
    }
    data.update(changes)
    return data


def test_an_order_date_filled_in_the_admin_clears_its_date_issue(db, client_for, clerk, manager):
    """An order loaded without its order date records "orderDate missing", listed on the
    Risks page. A clerk enters the date in the admin: the order counts again and the note
    goes (it stayed, so the page said the date was missing beside "Missing order date 0")."""
    OrderLineFactory(order=OrderFactory(order_date=dt.date(2004, 3, 1)))
    order = OrderFactory(
        order_date=None,
        required_date=dt.date(2004, 3, 20),
        shipped_date=None,
        date_issue="orderDate missing",
    )
    url = reverse("admin:sales_order_change", args=[order.pk])

    response = client_for(clerk).post(url, _order_form(order, order_date="2004-03-10"))

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.order_date, order.date_issue) == (dt.date(2004, 3, 10), "")
    body = client_for(manager).get(reverse("sales:risks")).content.decode()
    assert 'data-testid="no-order-date">0<' in body
    assert "orderDate missing" not in body


def test_a_date_cleared_in_the_admin_is_recorded_as_the_loader_records_it(db, client_for, clerk):
    """The clerk empties the required date: the order notes "requiredDate missing", as a
    load or an import of the same row does; the note is not typed in by hand."""
    order = OrderFactory(order_date=dt.date(2004, 3, 1))
    url = reverse("admin:sales_order_change", args=[order.pk])

    response = client_for(clerk).post(
        url, _order_form(order, required_date="", date_issue="typed by hand")
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.required_date, order.date_issue) == (None, "requiredDate missing")
