"""The django-q2 schedule that evaluates the alert rules every 15 minutes (idempotent)."""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

SCHEDULE_NAME = "monitoring: evaluate alerts"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    now = timezone.now()
    # First run at the next quarter hour, not at once when the cluster starts.
    next_run = (now + timedelta(minutes=15 - now.minute % 15)).replace(second=0, microsecond=0)
    Schedule.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "monitoring.tasks.alerts_evaluate_task",
            "schedule_type": "I",  # Schedule.MINUTES
            "minutes": 15,
            "repeats": -1,
            "next_run": next_run,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0003_seed_alert_rules"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
