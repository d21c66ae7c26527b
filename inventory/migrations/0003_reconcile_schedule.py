"""The daily 6:00 America/Chicago reconciliation schedule, the lock row and the settings row.

Idempotent: created by name / primary key, left alone when already there.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import migrations
from django.utils import timezone

SCHEDULE_NAME = "inventory: daily reconciliation"
CHICAGO = ZoneInfo("America/Chicago")


def next_six_am(now: datetime) -> datetime:
    """The next 6:00 in Chicago after ``now`` (DST-aware)."""
    local = now.astimezone(CHICAGO)
    candidate = datetime.combine(local.date(), time(6, 0), tzinfo=CHICAGO)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), time(6, 0), tzinfo=CHICAGO)
    return candidate


def forwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "inventory.tasks.reconcile_task",
            "schedule_type": "C",  # Schedule.CRON, evaluated in settings.TIME_ZONE (Chicago)
            "cron": "0 6 * * *",
            "repeats": -1,
            "next_run": next_six_am(timezone.now()),
        },
    )
    apps.get_model("inventory", "RunLock").objects.get_or_create(name="reconcile")
    settings_model = apps.get_model("inventory", "InventorySettings")
    if not settings_model.objects.exists():
        settings_model.objects.create()


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0002_inventorysettings_runlock_vehicle_and_more"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
