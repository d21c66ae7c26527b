import argparse
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from inventory.feeds.generate import SEED_TOTAL, feeds_write, population


def _at_least_one(text: str) -> int:
    """A count of vehicles, stores or days: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


class Command(BaseCommand):
    help = "Write realistic daily CDK/vAuto/LoJack/OEM feeds (valid check digits, churn, mess)."

    def add_arguments(self, parser):
        parser.add_argument("--vehicles", type=_at_least_one, default=SEED_TOTAL)
        parser.add_argument("--stores", type=_at_least_one, default=8)
        parser.add_argument("--days", type=_at_least_one, default=14)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--out", default="var/feeds")
        parser.add_argument("--clean", action="store_true", help="No messy rows.")

    def handle(self, *args, vehicles, stores, days, seed, out, clean, **options):
        started = time.monotonic()
        cars = population(vehicles=vehicles, stores=stores, days=days, seed=seed)
        folders = feeds_write(
            cars=cars, stores=stores, days=days, seed=seed, out=Path(out), messy=not clean
        )
        self.stdout.write(
            f"Wrote {len(folders)} days × 4 feeds for {vehicles:,} vehicles in {stores} stores "
            f"to {out} in {time.monotonic() - started:.1f}s"
        )
