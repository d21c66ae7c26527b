"""Clerks' edits of the classicmodels tables in the admin keep the derived values right."""

import datetime as dt

import pytest
from django.urls import reverse

from sales.models import Order
from tests.sales.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory


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


@pytest.mark.parametrize(
    ("factory", "new_key", "field"),
    [
        (CustomerFactory, "424242", "customer_name"),
        (ProductFactory, "S99_9999", "product_name"),
        (OrderFactory, "424242", "comments"),
    ],
)
def test_a_rows_key_cannot_be_changed_in_the_admin(db, client_for, clerk, factory, new_key, field):
    """The change form offered the row's key (customerNumber, productCode, orderNumber);
    saved with another key, Django inserted a second row beside the first (an order
    copied without its lines, a customer listed twice). The key is read-only once the row
    exists; the rest of the row still saves."""
    row = factory()
    model = type(row)
    url = reverse(f"admin:sales_{model._meta.model_name}_change", args=[row.pk])
    client = client_for(clerk)
    form = client.get(url).context["adminform"].form
    data = {name: _posted(form.initial.get(name)) for name in form.fields}
    data.update({model._meta.pk.name: new_key, field: "Changed in the admin", "_save": "Save"})

    response = client.post(url, data)

    assert response.status_code == 302
    assert list(model.objects.values_list("pk", field)) == [(row.pk, "Changed in the admin")]


def _posted(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)
