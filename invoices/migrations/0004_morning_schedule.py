"""The django-q2 schedule that pulls yesterday's Fullbay invoices every morning (idempotent by name)."""

import datetime as dt

from django.db import migrations

NAME = "invoices: pull yesterday's Fullbay invoices"
CRON = "30 6 * * *"  # 06:30 every day, TIME_ZONE (America/Chicago)


def schedule_create(apps, schema_editor):
    from croniter import croniter
    from django.utils import timezone

    Schedule = apps.get_model("django_q", "Schedule")
    now = timezone.localtime()
    next_run = croniter(CRON, now).get_next(dt.datetime)
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={
            "func": "invoices.tasks.invoices_pull_yesterday",
            "schedule_type": "C",
            "cron": CRON,
            "repeats": -1,
        },
        create_defaults={
            "func": "invoices.tasks.invoices_pull_yesterday",
            "schedule_type": "C",
            "cron": CRON,
            "repeats": -1,
            "next_run": next_run,
        },
    )


def schedule_delete(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("invoices", "0003_reporting_views"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule_create, schedule_delete)]
