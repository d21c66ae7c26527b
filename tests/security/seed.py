"""One small but complete data set: at least one row behind every admin model and API route.

Built through the apps' own services (feed import, reconciliation, invoice ingest,
classicmodels load) where they exist, by hand for the rest.
"""

import uuid
from pathlib import Path

from django.contrib import admin
from django.core.files.base import ContentFile
from django.utils import timezone

SALES_DIR = Path(__file__).resolve().parents[2] / "sales" / "demo_data"


def seed_everything(*, user) -> dict:
    """Create the data set; returns the keys API path parameters need."""
    from django_q.models import OrmQ, Task

    from fleetops.services import api_token_create
    from inventory.models import (
        FeedUpload,
        InventoryException,
        InventorySettings,
        ProbableMatch,
        ReconciliationRun,
        StoreAlias,
        VinAlias,
    )
    from inventory.services import feed_import, vehicles_reconcile
    from invoices.models import IngestRun, RawInvoice
    from invoices.services import invoice_ingest
    from monitoring.models import Alert
    from sales.models import SalesSettings
    from sales.services import classicmodels_load
    from tests.inventory import factories as inv
    from tests.invoices.payloads import complaint, correction, invoice, part

    # Inventory: a listed car, a ghost listing, an OEM allocation missing in CDK, a bad row.
    listed, ghost, allocated = inv.make_vin(), inv.make_vin(), inv.make_vin()
    cdk = inv.cdk_rows({listed: {"stock": "S1"}}) + b"NOT-A-VIN,S2,2024,Ford,F-150,1,2,North\n"
    for source, data in (
        ("cdk", cdk),
        ("vauto", inv.vauto_rows([listed, ghost])),
        ("lojack", inv.lojack_rows([listed])),
        ("oem", inv.oem_rows({"O1": {"vin": allocated}})),
    ):
        feed_import(source=source, data=data, filename=f"{source}.csv")
    vehicles_reconcile()
    assert InventoryException.objects.exists()
    InventorySettings.load()
    if not ProbableMatch.objects.exists():
        ProbableMatch.objects.create(
            listing_key=ghost, listing_vin=ghost, vehicle_vin=listed, reason="typo"
        )
    VinAlias.objects.get_or_create(source="vauto", from_key="vin8:X", defaults={"vin": listed})
    StoreAlias.objects.get_or_create(source="oem", name="C55555", defaults={"store": "North"})
    upload = FeedUpload(source="vauto", created_by=user)
    upload.file.save("seed.csv", ContentFile(inv.vauto_rows([listed])), save=True)

    # Invoices: one clean, one off by 10.00 (an issue), one broken (failed).
    pads = part("PADS", 2, "50.00", "30.00")
    fine = complaint(1, labor="100", corrections=[correction(11, [pads])])
    invoice_ingest(
        payloads=[
            invoice("SEC1", complaints=[fine], sub_total="200"),
            invoice("SEC2", complaints=[complaint(2, labor="50")], sub_total="60"),
            invoice("SEC3", sub_total="not-a-number"),
        ],
        source="security seed",
    )
    assert RawInvoice.objects.filter(status="failed").exists()

    # Sales: the shipped classicmodels CSVs.
    run = classicmodels_load(directory=SALES_DIR)
    assert run.status == "succeeded", run.problems

    SalesSettings.current()

    # Monitoring: metrics come from the runs above; one open alert.
    alert = Alert.objects.create(kind="feed_missing", subject="oem", severity="high", message="x")

    # django-q2: one success, one failure, one queued task.
    now = timezone.now()
    for success in (True, False):
        Task.objects.create(
            id=uuid.uuid4().hex, name=f"seed-{success}", func="fleetops.tasks.retention_prune_task",
            started=now, stopped=now, success=success,
        )  # fmt: skip
    OrmQ.objects.create(key="fleetops", payload="x", lock=None)

    api_token_create(user=user, name="seed")

    missing = [m._meta.label for m in admin.site._registry if not m._default_manager.exists()]
    assert not missing, f"no row to test with for {missing}"
    return {
        "source": "cdk",
        "vin": listed,
        "primary_key": "SEC1",
        "failed_primary_key": "SEC3",
        "alert_id": alert.pk,
        "kind": "customers",
        "run_id": IngestRun.objects.order_by("pk").values_list("pk", flat=True).first(),
        "reconciliation_id": ReconciliationRun.objects.values_list("pk", flat=True).first(),
    }
