"""The daily django-q2 schedule that prunes old rows (fleetops.retention), idempotent by name."""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

SCHEDULE_NAME = "fleetops: prune old rows"


def next_quarter_past_three(now: datetime) -> datetime:
    """03:15 local time, tomorrow if today's has passed: a quiet hour for the deletes."""
    local = timezone.localtime(now)
    run = timezone.make_aware(datetime.combine(local.date(), time(3, 15)))
    return (
        run
        if run > now
        else timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), time(3, 15)))
    )


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "fleetops.tasks.retention_prune_task",
            "schedule_type": "C",  # Schedule.CRON, evaluated in settings.TIME_ZONE
            "cron": "15 3 * * *",
            "repeats": -1,
            "next_run": next_quarter_past_three(timezone.now()),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("fleetops", "0002_loginfailure"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
