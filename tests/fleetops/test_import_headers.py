"""Admin CSV imports: a file without the key column says so in words (which column, what
the file's header has, what the import reads) and writes nothing."""

import io

import pytest
from django.urls import reverse
from django.utils.html import escape

from inventory.models import StoreAlias
from sales.models import Customer

pytestmark = pytest.mark.django_db


def _preview(client, url: str, text: str) -> str:
    upload = io.BytesIO(text.encode())
    upload.name = "upload.csv"
    response = client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    assert response.status_code == 200
    return response.content.decode()


def test_a_sales_file_without_its_key_column_names_it_and_the_header_it_has(clerk, client_for):
    body = _preview(
        client_for(clerk),
        reverse("admin:sales_customer_import"),
        "customerNo,customerName,phone\n500,Acme,555-0100\n",
    )
    assert escape("The file has no customerNumber column") in body
    assert escape("Its header is: customerNo, customerName, phone.") in body
    assert "import_id_fields" not in body
    assert not Customer.objects.exists()


def test_a_store_alias_file_without_its_key_columns_names_them(manager, client_for):
    body = _preview(
        client_for(manager),
        reverse("admin:inventory_storealias_import"),
        "alias,store\nC55555,Midway Honda\n",
    )
    assert escape("The file has no source or name column") in body
    assert not StoreAlias.objects.exists()
