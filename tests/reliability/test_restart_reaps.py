"""A restarted cluster fails the run its killed predecessor left, at once, and nothing alive.

Real ``qcluster`` processes on PostgreSQL with the production stale threshold (35 min):
one cluster's ingest is stopped mid-run (a row lock it needs in its second batch) and
stays alive; another cluster's ingest is stopped the same way and SIGKILLed. When the
killed cluster comes back, its worker start fails the dead run (its database session,
and with it the run's owner lock, is gone) without waiting 35 minutes, and leaves the
live run on the other cluster running; that run then finishes normally.
"""

from __future__ import annotations

import time
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
OWNER_GRACE = 1  # seconds a run must be silent before a free owner lock counts as dead


def test_a_restarted_cluster_fails_the_killed_run_at_once_and_not_a_run_alive_elsewhere(
    qclusters, tmp_path
):
    payloads = _payloads(3000)
    alive_file = _write(tmp_path, "alive.json", payloads[:1500])
    doomed_file = _write(tmp_path, "doomed.json", payloads[1500:])
    # An older version of one invoice of each file's second batch, row-locked by the test.
    blockers = [_block_on(_older_version_stored(payloads[i])) for i in (700, 2200)]
    env = {"RUN_STALE_SECONDS": PRODUCTION_STALE, "RUN_OWNER_GRACE_SECONDS": OWNER_GRACE}
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
        # The restarted worker reaps once, at its start: a start within the grace of the
        # dead run's last beat would rightly leave it to the schedule. A new cluster can
        # start within a second, so the restart waits out the grace first.
        grace_over = doomed.heartbeat_at + timedelta(seconds=OWNER_GRACE + 0.2)
        time.sleep(max(0.0, (grace_over - timezone.now()).total_seconds()))
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


def _probe(key) -> bool:
    """From a session of its own: could anyone take ``key`` exclusively (no holder)?"""
    import psycopg

    from tests.reliability.cluster import conninfo

    with psycopg.connect(conninfo(), autocommit=True) as conn:
        free = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", key).fetchone()[0]
        if free:
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", key)
    return free


def test_a_live_run_keeps_its_owner_lock_across_reconnects_and_a_dead_one_is_reaped(
    transactional_db,
):
    from django.db import connection

    from fleetops.runs import _owner_key, run_heartbeat, runs_reap_stale
    from tests.reliability.cluster import require_postgres

    require_postgres()
    live = IngestRun.objects.create()
    run_heartbeat(live)
    key = _owner_key(IngestRun, live.pk)
    assert not _probe(key)  # held by this session
    connection.close()  # a worker reconnecting (or a child forked for the work)
    assert IngestRun.objects.filter(pk=live.pk).exists()  # the new session...
    assert not _probe(key)  # ...took the lock again
    # Silent past the grace, but alive: another session's reaper leaves it alone.
    IngestRun.objects.filter(pk=live.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=5)
    )  # fmt: skip
    assert _reap_from_another_session() == 0
    # Finished: a later session of this process no longer claims it.
    IngestRun.objects.filter(pk=live.pk).update(status=RunStatus.SUCCEEDED)
    connection.close()
    assert IngestRun.objects.count() == 1
    assert _probe(key)
    # A run beaten by a session that is gone (no holder) is reaped once past the grace.
    dead = IngestRun.objects.create(heartbeat_at=timezone.now() - timedelta(minutes=5))
    assert runs_reap_stale() == 1
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED and "database session is gone" in dead.error


def _reap_from_another_session() -> int:
    """``runs_reap_stale`` in a thread: its own database session, like another cluster."""
    import threading

    from django.db import connections

    from fleetops.runs import runs_reap_stale

    result = []

    def work():
        try:
            result.append(runs_reap_stale())
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    return result[0]
