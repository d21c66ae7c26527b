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
