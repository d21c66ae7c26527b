"""A vehicle's values from its sources, and the money a reconciliation prices."""

from decimal import Decimal

import pytest

from inventory.models import Vehicle
from inventory.services import feed_import, vehicles_reconcile
from tests.inventory.factories import csv_bytes, make_vin

pytestmark = pytest.mark.django_db


def test_price_is_vautos_else_cdks_list_price_else_cdks_msrp():
    msrp_only, both, listed = make_vin(), make_vin(), make_vin()
    cdk = csv_bytes(
        ["VIN", "List Price", "MSRP"],
        [[msrp_only, "", "$31,000.00"], [both, "29500", "31000"], [listed, "28000", "30000"]],
    )
    feed_import(source="cdk", data=cdk)
    feed_import(source="vauto", data=csv_bytes(["VIN", "Price"], [[listed, "27,750.50"]]))
    vehicles_reconcile()

    values = {v.vin: (v.price, v.msrp) for v in Vehicle.objects.all()}
    assert values == {
        # the feed format's CDK "list price" names MSRP too: the price when no list price
        msrp_only: (Decimal("31000.00"), Decimal("31000.00")),
        both: (Decimal("29500.00"), Decimal("31000.00")),
        listed: (Decimal("27750.50"), Decimal("30000.00")),  # the listing's price first
    }


def test_a_cdk_file_with_only_base_retail_price_prices_its_vehicles():
    vin = make_vin()
    feed_import(source="cdk", data=csv_bytes(["VIN", "BaseRetailPrice"], [[vin, "$42,100.00"]]))
    vehicles_reconcile()

    assert Vehicle.objects.get(vin=vin).price == Decimal("42100.00")


def test_money_at_risk_rounds_half_a_cent_up():
    vin = make_vin()
    feed_import(source="cdk", data=csv_bytes(["VIN", "Cost"], [[vin, "3.00"]]))  # not marketed
    feed_import(source="vauto", data=csv_bytes(["VIN"], [[make_vin()]]))

    run = vehicles_reconcile()

    # by hand: 3.00 × 1.5% = 0.045, half a cent, rounded up (half-even would give 0.04)
    assert run.not_marketed_value == Decimal("3.00")
    assert run.floorplan_monthly == Decimal("0.05")


def test_an_oem_orders_share_at_risk_rounds_half_a_cent_up_on_its_exception():
    """An OEM order's exception is priced at its MSRP times the at-risk share, to the cent,
    half a cent up as the run's total is: the same figure on SQLite and PostgreSQL."""
    from inventory.models import InventoryException, InventorySettings

    settings = InventorySettings.load()
    settings.oem_at_risk_share = Decimal("0.5")
    settings.save()
    vin = make_vin()
    feed_import(
        source="oem", data=csv_bytes(["Order Number", "VIN", "MSRP"], [["O1", vin, "33333.33"]])
    )

    run = vehicles_reconcile()

    # by hand: 33,333.33 × 0.5 = 16,666.665, half a cent: 16,666.67
    assert run.oem_at_risk == Decimal("16666.67")
    assert InventoryException.objects.get(vin=vin).amount == Decimal("16666.67")
