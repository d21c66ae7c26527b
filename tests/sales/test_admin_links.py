"""The links the sales admin pages offer open the row they name."""

import re

import pytest
from django.urls import reverse

from tests.sales.factories import OrderLineFactory, ProductFactory


@pytest.mark.parametrize("role", ["clerk", "admin_user"])
@pytest.mark.parametrize("code", ["S18_2248", "S24_2360", "S10_1678"])
def test_an_order_lines_product_link_opens_that_product(db, client_for, request, role, code):
    """On an order line's change page the product beside its code box links to the
    product's change page. classicmodels codes hold an underscore (S18_2248); the admin
    reads "_22" in a URL as an escaped '"', so an unescaped code sent the user to the
    admin index with "Product with ID 'S18"48' doesn't exist" (16 of the 110 demo
    products). The link carries the code escaped as the admin's own lists write it."""
    line = OrderLineFactory(product=ProductFactory(product_code=code))
    client = client_for(request.getfixturevalue(role))
    page = client.get(reverse("admin:sales_orderline_change", args=[line.pk]))
    assert page.status_code == 200

    links = re.findall(r'href="(/admin/sales/product/[^"/]+/change/)"', page.content.decode())
    assert len(links) == 1, links
    product_page = client.get(links[0])

    assert product_page.status_code == 200
    assert product_page.context["original"].pk == code
