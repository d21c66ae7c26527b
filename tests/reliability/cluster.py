"""Real ``manage.py qcluster`` processes against the test database (PostgreSQL only).

pytest-django's database is ``test_<name>`` (``test_<name>_gw<n>`` under xdist): the
subprocesses get a ``DATABASE_URL`` built from the live connection's settings, so they
see what the test commits (tests use ``transactional_db``). Each cluster runs in its own
process group, so SIGKILL takes the whole cluster down at once (sentinel, pusher,
workers, monitor), like a lost machine or an OOM kill.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def conninfo() -> str:
    return database_url().replace("postgres://", "postgresql://", 1)


def require_postgres(
    reason: str = "fault and concurrency tests run real qcluster processes against PostgreSQL "
    "(row locks, pg_terminate_backend)",
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"{reason}; run them with scripts/with-postgres.sh")


class QCluster:
    """One ``manage.py qcluster`` subprocess (1 worker) serving the queue ``name``."""

    def __init__(self, name: str, log_dir: Path, **env: str | int):
        self.name = name
        self.log_path = log_dir / f"qcluster-{name}-{time.monotonic_ns()}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.reliability.qcluster_settings",
            "DEBUG": "true",
            "DATABASE_URL": database_url(),
            "Q_QUEUE": name,
            "Q_WORKERS": "1",
            "Q_TIMEOUT": "50",
            "Q_RETRY": "60",
            "LOG_LEVEL": "WARNING",
            **{k: str(v) for k, v in env.items()},
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> QCluster:
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killpg takes every process
        )
        return self

    def kill(self) -> None:
        """SIGKILL the whole cluster: no handler runs, nothing is cleaned up."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), or kill it if it does not stop within 15 s."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc:
            with contextlib.suppress(ProcessLookupError):  # leftover children of the sentinel
                os.killpg(self.proc.pid, signal.SIGKILL)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


@pytest.fixture
def qclusters(tmp_path, transactional_db):
    """``start(name, **env)`` starts a cluster; every cluster is stopped after the test."""
    require_postgres()
    from django_q.models import OrmQ, Schedule

    Schedule.objects.all().delete()  # only the tasks a test queues run in its clusters
    OrmQ.objects.all().delete()
    started: list[QCluster] = []

    def start(name: str = "fleetops", **env) -> QCluster:
        cluster = QCluster(name, tmp_path, **env).start()
        started.append(cluster)
        return cluster

    start.all = started
    yield start
    for cluster in started:
        cluster.kill()  # the work is over; a graceful stop only costs seconds


def enqueue(func: str, *args, cluster: str = "fleetops") -> str:
    """Queue a task on the ORM broker for the clusters serving ``cluster`` (never inline)."""
    from django_q.tasks import async_task

    return async_task(func, *args, sync=False, cluster=cluster)


def wait_for(
    predicate: Callable[[], object], *, timeout: float = 60, what: str, clusters=()
) -> object:
    """Poll ``predicate`` until it is truthy; fail with the clusters' logs after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    logs = "\n".join(f"--- {c.name} ---\n{c.log()}" for c in clusters)
    pytest.fail(f"timed out after {timeout} s waiting for {what}\n{logs}")


class Blocker:
    """A separate PostgreSQL session that holds locks until ``release()`` (its own transaction)."""

    def __init__(self):
        self.conn = psycopg.connect(conninfo(), autocommit=False)
        self.pid = self.conn.info.backend_pid

    def execute(self, sql: str, params=()) -> list:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def release(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        self.conn.close()


def backends_waiting_on_locks(exclude: int | None = None) -> list[int]:
    """Pids of sessions on the test database that wait for a lock (blocked workers)."""
    with psycopg.connect(conninfo(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows if pid != exclude]


def pg_terminate(pid: int) -> bool:
    with psycopg.connect(conninfo(), autocommit=True) as conn:
        return conn.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
