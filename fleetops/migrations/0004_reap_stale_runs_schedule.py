"""The django-q2 schedule that fails runs left "running" by a dead worker; idempotent by name."""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

SCHEDULE_NAME = "fleetops: reap stale runs"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "fleetops.tasks.runs_reap_stale_task",
            "schedule_type": "I",  # Schedule.MINUTES
            "minutes": 5,
            "repeats": -1,
            "next_run": timezone.now() + timedelta(minutes=5),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("fleetops", "0003_retention_schedule")]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
