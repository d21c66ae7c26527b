"""An import's vehicles are the distinct valid VINs of its file: an OEM order with no VIN
yet and a vAuto VIN 8 row are kept in the snapshot, but are no vehicle."""

import pytest

from inventory.models import SourceRecord
from inventory.services import feed_import
from tests.inventory.factories import csv_bytes, make_vin

pytestmark = pytest.mark.django_db


def test_oem_orders_without_a_vin_are_kept_but_not_counted_as_vehicles():
    built = [make_vin(), make_vin()]
    rows = [["O1", built[0], "45000"], ["O2", "", "38000"], ["O3", built[1], "41000"],
            ["O4", "", "52000"], ["O5", "", "39000"]]  # fmt: skip
    said: list[str] = []

    run = feed_import(source="oem", data=csv_bytes(["Order Number", "VIN", "MSRP"], rows),
                      progress=said.append)  # fmt: skip

    # by hand: five orders, two of them built (with a VIN)
    assert (run.rows_read, run.vehicles) == (5, 2)
    assert SourceRecord.objects.filter(source="oem").count() == 5  # all five kept
    assert (
        said[-1]
        == "Imported oem: 2 vehicles and 3 orders without a VIN yet, 0 gone since last time."
    )


def test_vauto_vin_8_rows_are_kept_but_not_counted_as_vehicles():
    full = [make_vin() for _ in range(3)]
    rows = [[v, "", f"S{i}"] for i, v in enumerate(full)] + [["", "AB123456", "S9"]]
    said: list[str] = []

    run = feed_import(source="vauto", data=csv_bytes(["VIN", "VIN 8", "Stock #"], rows),
                      progress=said.append)  # fmt: skip

    assert (run.rows_read, run.vehicles) == (4, 3)
    assert SourceRecord.objects.filter(source="vauto").count() == 4
    assert "3 vehicles and 1 VIN 8 listing," in said[-1]
