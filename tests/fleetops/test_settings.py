"""Settings come from the environment; bad values stop start-up with a clear message."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = secrets.token_urlsafe(60)


def run_manage(*args, env):
    # the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE too: check --deploy refuses it (async.E001)
    unset = {"DATABASE_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    base.update(env)
    base["DJANGO_SETTINGS_MODULE"] = "fleetops.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "ture"}, "DEBUG='ture' is not a boolean"),
        ({"DEBUG": "false"}, "SECRET_KEY must be set"),
        ({"DEBUG": "false", "SECRET_KEY": "django-insecure-" + "x" * 60}, "SECRET_KEY must be set"),
        ({"DEBUG": "false", "SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS must be set"),
        ({"DEBUG": "true", "DATABASE_URL": "mysql://u@h/db"}, "unsupported scheme 'mysql'"),
        ({"DEBUG": "true", "DATABASE_URL": "postgres://u@h:notaport/db"}, "bad port"),
        ({"DEBUG": "true", "DATABASE_URL": "postgres://u@h/"}, "names no database"),
        ({"DEBUG": "true", "TIME_ZONE": "Mars/Olympus"}, "not a known time zone"),
        ({"DEBUG": "true", "EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not a whole number"),
    ],
)
def test_bad_environment_is_a_clear_startup_error(env, message):
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_pass_check_deploy():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={"DEBUG": "false", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "fleetops.example.com"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_database_url_selects_engine():
    from fleetops.env import database_from_url

    pg = database_from_url("postgres://app:s%40cret@db.internal:6543/fleet", sqlite_path=Path("x"))
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "app",
        "s@cret",
        "db.internal",
        "6543",
        "fleet",
    )
    sqlite = database_from_url(None, sqlite_path=Path("/tmp/fleetops-test/x.sqlite3"))
    assert sqlite["ENGINE"] == "django.db.backends.sqlite3"
    assert sqlite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
