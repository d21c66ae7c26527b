"""Demo data for ``make run``: the classicmodels CSVs shipped in ``sales/demo_data``."""

from pathlib import Path

from sales.models import Order, SalesSettings
from sales.services import classicmodels_load

DEMO_DIR = Path(__file__).resolve().parent / "demo_data"


def demo_load(*, stdout) -> None:
    SalesSettings.current()
    if Order.objects.exists():
        stdout.write("  classicmodels already loaded, skipped\n")
        return
    run = classicmodels_load(
        directory=DEMO_DIR, progress=lambda line: stdout.write(line.rstrip("\n") + "\n")
    )
    if run.status != "succeeded":
        raise RuntimeError(f"classicmodels demo load {run.status}: {run.error}")
