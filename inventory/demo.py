"""Demo data for ``make run``: 14 days of generated feeds through the real import and reconcile.

Every day's four snapshots go through :func:`feed_import` (as of 5:30 that day) and then
:func:`vehicles_reconcile` (as of 6:00), so the dashboard and monitoring have a trend
and the exceptions have real ages. The default scale is smaller than the seed group (12,000
vehicles instead of 41,162, same proportions) to keep the first start under about
90 s on SQLite; set ``INVENTORY_DEMO_VEHICLES`` for more. Idempotent: a database that
already holds a successful reconciliation is left alone.
"""

import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from fleetops.models import RunStatus
from inventory.feeds.generate import feeds_write, population
from inventory.models import ReconciliationRun
from inventory.services import feed_import, vehicles_reconcile

DEMO_DAYS = 14
DEMO_STORES = 6
DEMO_SEED = 7
FEEDS_BEFORE_RECONCILE = timedelta(minutes=30)  # the sources' snapshots arrive before 6:00


def demo_load(*, stdout) -> None:
    if ReconciliationRun.objects.filter(status=RunStatus.SUCCEEDED).exists():
        stdout.write("  inventory demo data already loaded; skipping.")
        return
    vehicles = int(os.environ.get("INVENTORY_DEMO_VEHICLES", "12000"))
    out = Path(settings.VAR_DIR) / "demo-feeds"
    started = time.monotonic()
    today = timezone.localdate()
    cars = population(vehicles=vehicles, stores=DEMO_STORES, days=DEMO_DAYS, seed=DEMO_SEED)
    folders = feeds_write(cars=cars, stores=DEMO_STORES, days=DEMO_DAYS, seed=DEMO_SEED,
                          out=out, end=today)  # fmt: skip
    stdout.write(f"  generated {DEMO_DAYS} days of feeds for {vehicles:,} vehicles in {out}")
    for day, folder in enumerate(folders):
        date = today - timedelta(days=DEMO_DAYS - 1 - day)
        six = timezone.make_aware(datetime.combine(date, datetime.min.time()).replace(hour=6))
        arrived = min(six - FEEDS_BEFORE_RECONCILE, timezone.now())
        for source in ("cdk", "vauto", "lojack", "oem"):
            run = feed_import(source=source, path=folder / f"{source}.csv", as_of=arrived)
            if run.status != RunStatus.SUCCEEDED:
                stdout.write(f"  {folder.name}/{source}: {run.status} {run.error}")
        run = vehicles_reconcile(as_of=min(six, timezone.now()))
        stdout.write(
            f"  {folder.name}: {run.vehicles:,} vehicles, {run.aligned_pct}% aligned "
            f"({time.monotonic() - started:.0f}s)"
        )
