"""A restarted cluster fails the run its killed predecessor left, at once, and nothing alive.

Real ``qcluster`` processes on PostgreSQL with the production stale threshold (35 min):
one cluster's ingest is stopped mid-run (a row lock it needs in its second batch) and
stays alive; another cluster's ingest is stopped the same way and SIGKILLed. When the
killed cluster comes back, its worker start fails the dead run (its database session,
and with it the run's owner lock, is gone) without waiting 35 minutes, and leaves the
live run on the other cluster running; that run then finishes normally.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fleetops.models import AuditEntry, RunStatus
from invoices.models import IngestRun
from tests.reliability.cluster import backends_waiting_on_locks, enqueue, wait_for
from tests.reliability.test_faults import (
    INGEST_TASK,
    _block_on,
    _older_version_stored,
    _payloads,
    _write,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
PRODUCTION_STALE = 2100  # Q_RETRY's default, FleetOps' RUN_STALE_SECONDS default


def test_a_restarted_cluster_fails_the_killed_run_at_once_and_not_a_run_alive_elsewhere(
    qclusters, tmp_path
):
    payloads = _payloads(3000)
    alive_file = _write(tmp_path, "alive.json", payloads[:1500])
    doomed_file = _write(tmp_path, "doomed.json", payloads[1500:])
    # An older version of one invoice of each file's second batch, row-locked by the test.
    blockers = [_block_on(_older_version_stored(payloads[i])) for i in (700, 2200)]
    env = {"RUN_STALE_SECONDS": PRODUCTION_STALE, "RUN_OWNER_GRACE_SECONDS": 1}
    try:
        enqueue(INGEST_TASK, [alive_file], cluster="fleetops-a")
        enqueue(INGEST_TASK, [doomed_file], cluster="fleetops-b")
        qclusters("fleetops-a", **env)
        doomed_cluster = qclusters("fleetops-b", **env)

        def both_blocked():
            runs = IngestRun.objects.filter(status=RunStatus.RUNNING, processed__gte=500)
            waiting = backends_waiting_on_locks()
            return {r.source: r for r in runs} if len(runs) == 2 and len(waiting) >= 2 else None

        runs = wait_for(both_blocked, timeout=90, what="both ingests blocked in batch 2",
                        clusters=qclusters.all)  # fmt: skip
        alive, doomed = runs[alive_file], runs[doomed_file]
        doomed_cluster.kill()
        blockers[1].close()

        killed_at = timezone.now()
        qclusters("fleetops-b", **env)  # the restart: its worker start reaps
        wait_for(
            lambda: IngestRun.objects.get(pk=doomed.pk).status == RunStatus.FAILED,
            timeout=60, what="the killed run failed by the restarted worker",
            clusters=qclusters.all,
        )  # fmt: skip
        doomed.refresh_from_db()
        assert doomed.error.startswith("interrupted: the worker stopped without finishing")
        assert "database session is gone" in doomed.error
        assert doomed.finished_at - killed_at < timedelta(seconds=60)  # not 35 min
        entry = AuditEntry.objects.get(action="run.reaped", object_id=str(doomed.pk))
        assert entry.data["owner_session_gone"] is True

        alive.refresh_from_db()
        assert alive.status == RunStatus.RUNNING and alive.error == ""  # alive elsewhere
    finally:
        for blocker in blockers:
            blocker.close()
    wait_for(
        lambda: IngestRun.objects.get(pk=alive.pk).status != RunStatus.RUNNING,
        timeout=90, what="the live run to finish", clusters=qclusters.all,
    )  # fmt: skip
    alive.refresh_from_db()
    assert alive.status == RunStatus.SUCCEEDED, alive.error
    assert alive.processed == 1500 and alive.failed == 0
    assert not AuditEntry.objects.filter(action="run.reaped", object_id=str(alive.pk)).exists()
