"""manage.py monitor: readable report, --health-only, --json, exit codes."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from monitoring.models import Alert, AlertRule, RuleKind
from tests.monitoring.factories import EMPTY_DAY_ALERTS, feed_import, ingest_run, reconcile_run

pytestmark = pytest.mark.django_db


def monitor(*args):
    out = StringIO()
    try:
        call_command("monitor", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


@pytest.fixture
def healthy(now):
    """Everything ran on time and clean today."""
    for days_ago in range(0, 8):
        ingest_run(at=now.replace(hour=7) - timedelta(days=days_ago), processed=100)
    for source in ("cdk", "vauto", "lojack", "oem"):
        feed_import(at=now.replace(hour=6), source=source)
    reconcile_run(at=now.replace(hour=8))


def test_json_is_one_object_with_health_alerts_and_last_runs(healthy):
    code, out = monitor("--json")
    report = json.loads(out)  # exactly one JSON document, nothing else on stdout
    assert code == 0
    assert set(report) == {"health", "alerts", "last_runs"}
    assert set(report["health"]) == {"invoices", "inventory"}
    for domain in report["health"].values():
        assert {"score", "components"} <= set(domain)
    assert report["health"]["inventory"]["score"] == 100.0
    # every run succeeded, the last at 07:00, none failed; no invoice rows: data quality 0
    assert report["health"]["invoices"]["score"] == 0.4 * 100 + 0.3 * 0 + 0.2 * 100 + 0.1 * 100
    assert report["alerts"] == []
    sources = {(r["source"], r["feed"]) for r in report["last_runs"]}
    assert ("invoices.ingest", "") in sources and ("inventory.feed", "oem") in sources


def test_exit_1_when_a_critical_alert_is_open(now):
    code, out = monitor("--json")
    report = json.loads(out)
    assert code == 1
    kinds = {(a["kind"], a["severity"]) for a in report["alerts"]}
    assert ("reconcile_stale", "critical") in kinds
    assert {"kind", "severity", "message", "opened_at"} <= set(report["alerts"][0])


def test_exit_0_when_only_non_critical_alerts_are_open(healthy, now):
    AlertRule.objects.filter(kind=RuleKind.FEED_MISSING).update(severity="high")
    from inventory.models import FeedImport

    FeedImport.objects.filter(source="oem").delete()  # a missing feed: high, not critical
    code, out = monitor("--json")
    assert code == 0
    assert [a["subject"] for a in json.loads(out)["alerts"]] == ["oem"]


def test_health_only_prints_just_the_scores(healthy):
    code, out = monitor("--health-only", "--json")
    assert code == 0 and set(json.loads(out)) == {"health"}
    code, text = monitor("--health-only")
    assert "Invoices health" in text and "Inventory health" in text
    assert "alerts" not in text.lower() and "Last runs" not in text


def test_readable_report_shows_scores_components_alerts_and_runs(now):
    run = ingest_run(at=now - timedelta(hours=1), processed=10, failed=0)
    code, text = monitor()
    assert code == 1  # the reconciliation never ran: critical
    # one clean run 1 h ago, no invoice rows: success, freshness and error rate full,
    # data quality 0
    invoices = 0.4 * 100 + 0.3 * 0 + 0.2 * 100 + 0.1 * 100
    unresolved = len(EMPTY_DAY_ALERTS) - 1  # the ingest succeeded: not stale
    for expected in (
        f"Invoices health: {invoices:.1f} / 100",
        "Inventory health: 0.0 / 100",
        "Processing success rate",
        "Feeds arrived today",
        f"Unresolved alerts ({unresolved})",
        "[CRITICAL] No successful reconciliation yet",
        "[HIGH] No CDK (DMS) feed imported today (2026-10-14)",
        "Status: CRITICAL",
    ):
        assert expected in text, expected
    assert "No successful invoice ingestion" not in text
    (line,) = [line for line in text.splitlines() if f"invoices.ingest #{run.pk} " in line]
    assert "succeeded" in line and "10 processed, 0 failed" in line


@pytest.mark.django_db(transaction=True)
def test_json_stays_clean_when_new_alerts_are_emailed_to_the_console(now, settings, capsys):
    """In autocommit (as in production) alert e-mails go out at once, inside the command."""
    from tests.factories import ManagerFactory

    ManagerFactory()
    settings.EMAIL_BACKEND = "fleetops.mail.ConsoleEmailBackend"  # the DEBUG default
    code, out = monitor("--json")
    assert code == 1 and json.loads(out)["alerts"]
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "No successful reconciliation" in captured.err  # the e-mail, on stderr


@pytest.mark.django_db(transaction=True)
def test_reconcile_json_stays_one_object_when_its_run_raises_a_mailed_alert(settings, capsys):
    """The reconciliation's alert rules run as it commits: 5 critical exceptions against
    a day's 1 opens "critical exceptions up", mailed to the managers, inside the command.
    (The clock runs: the run's metric is dated at its end, after the moment it started.)"""
    from django.utils import timezone

    from inventory.models import InventoryException
    from monitoring.models import Alert
    from monitoring.services import metrics_record
    from tests.factories import ManagerFactory
    from tests.inventory.factories import make_vin, oem_rows

    ManagerFactory()
    settings.EMAIL_BACKEND = "fleetops.mail.ConsoleEmailBackend"
    metrics_record(source="inventory.reconcile", run_id=None, values={"critical_open": 1},
                   recorded_at=timezone.now() - timedelta(days=2))  # fmt: skip
    from inventory.services import feed_import

    feed_import(source="oem", data=oem_rows({f"A{i}": {"vin": make_vin()} for i in range(5)}))
    out = StringIO()
    call_command("reconcile", "--json", stdout=out)
    summary = json.loads(out.getvalue())  # one JSON object, nothing else on stdout
    assert summary["exceptions"]["oem_not_in_cdk"] == 5
    assert InventoryException.objects.filter(kind="oem_not_in_cdk").count() == 5
    assert Alert.objects.filter(kind=RuleKind.CRITICAL_EXCEPTIONS_UP).exists()
    captured = capsys.readouterr()
    assert captured.out == "" and "Critical inventory exceptions at 5" in captured.err


@pytest.mark.parametrize(("status", "code"), [("open", 1), ("acknowledged", 1), ("resolved", 0)])
def test_exit_1_for_any_unresolved_critical_alert(healthy, status, code):
    """As the README says: a critical alert open or acknowledged (not resolved) exits 1,
    with ``--json`` and ``--health-only`` as well."""
    Alert.objects.create(kind=RuleKind.FEED_MISSING, subject="oem", severity="critical",
                         status=status, message="No OEM file today.")  # fmt: skip
    for args in ((), ("--json",), ("--health-only",)):
        assert monitor("--no-evaluate", *args)[0] == code, args


@pytest.mark.parametrize("days", ["0", "-3", "91", "100000000", "seven"])
def test_a_window_outside_1_to_90_days_is_refused_not_a_crash(days, now):
    with pytest.raises(CommandError, match="--window-days"):
        call_command("monitor", "--json", "--window-days", days, stdout=StringIO())


@pytest.mark.parametrize("days", ["1", "90"])
def test_the_window_bounds_the_api_accepts_work(days, now):
    code, out = monitor("--json", "--health-only", "--no-evaluate", "--window-days", days)
    assert json.loads(out)["health"]["invoices"]["window"]["days"] == int(days)


def test_the_report_says_when_nothing_has_run_yet(now):
    """A database with no run at all: the "Last runs" section said nothing, under a
    heading, where "Unresolved alerts" says "none" when empty."""
    code, out = monitor("--no-evaluate")
    assert code == 0
    runs = out.split("Last runs", 1)[1]
    assert (
        runs.splitlines()[1] == "  none yet: no ingest, feed import, reconciliation or sales load"
    )
