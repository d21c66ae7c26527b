"""The embedded SQLite database takes writes from the web server and the cluster at once.

Two real processes hammer one SQLite file with read-then-write transactions (the
pattern that fails with "database is locked" under SQLite's default deferred
transactions); with WAL, a busy timeout and BEGIN IMMEDIATE every write lands.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WRITES = 150

WRITER = """
import django, os, sys
django.setup()
from django.db import transaction
from fleetops.models import AuditEntry
name = sys.argv[1]
for i in range({writes}):
    with transaction.atomic():
        seen = AuditEntry.objects.filter(action=name).count()   # read first...
        AuditEntry.objects.create(action=name, object_id=str(seen))  # ...then write
print("ok")
"""


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite locking behaviour")
def test_two_processes_write_at_once_without_locking_errors(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fleetops.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path}/concurrency.sqlite3",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    script = WRITER.format(writes=WRITES)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", script, name],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("web", "cluster")
    ]
    results = [w.communicate(timeout=300) for w in writers]
    for writer, (_out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0, err[-2000:]
        assert "database is locked" not in err
    db = sqlite3.connect(tmp_path / "concurrency.sqlite3")
    for name in ("web", "cluster"):
        seen = [
            int(row[0])
            for row in db.execute(
                "SELECT object_id FROM fleetops_auditentry WHERE action = ?", (name,)
            )
        ]
        # Every write landed, and each saw exactly the writes before it: no lost update.
        assert sorted(seen) == list(range(WRITES)), name
