"""Load test (make bench, never make test): gunicorn with 4 workers on the throwaway
PostgreSQL, 50 concurrent users for 60 s mixing dashboard pages, admin changelists and
API reads while a feed import and an invoice batch run. Prints p50/p95/p99 latency,
throughput and errors, and merges them into bench/results.json under "load".

Environment: DATABASE_URL (set by scripts/with-postgres.sh); BENCH_LOAD_SECONDS (60),
BENCH_LOAD_USERS (50), BENCH_LOAD_WORKERS (4).
"""

import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results.json"
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "4"))
PROCESSES = 5  # load-generator processes; USERS threads are spread over them
PY = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(static_root: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "fleetops.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "STATIC_ROOT": static_root,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def discover_urls() -> list[str]:
    """Dashboard pages, admin changelists of the big models, and API GET routes without params."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleetops.settings")
    os.environ.setdefault("DEBUG", "true")
    django.setup()
    from django.contrib import admin
    from django.urls import reverse

    from fleetops.api import api
    from tests.urlsweep import iter_urls

    pages = [
        path
        for path, name in iter_urls()
        if re.match(r"^/(inventory|invoices|sales|monitoring)/", path)
        and "<" not in path
        and not re.search(r"(export|csv|json|download|upload|refresh|ack|confirm)", path)
        and name
    ]
    changelists = [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m in admin.site._registry
        if m._meta.app_label in {"inventory", "invoices", "sales", "monitoring"}
    ]
    schema = api.get_openapi_schema()
    api_reads = [
        path
        for path, ops in schema["paths"].items()
        if "get" in ops and "{" not in path and "export" not in path
    ]
    return sorted(set(pages)) + sorted(set(changelists)) + sorted(set(api_reads))


def user_session(base: str) -> requests.Session:
    session = requests.Session()
    login = session.get(f"{base}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": "admin", "password": "fleetops-demo", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"bench login failed: {response.status_code}")
    return session


def generate_load(base: str, urls: list[str], cookies: list[dict], seconds: int, seed: int) -> list:
    """One load-generator process: one user per session cookie, each looping over ``urls``."""
    import random

    samples: list[tuple[str, float, int]] = []
    lock = threading.Lock()
    sessions = []
    for cookie in cookies:
        session = requests.Session()
        session.cookies.update(cookie)
        sessions.append(session)
    deadline = time.monotonic() + seconds

    def user(n: int):
        rng = random.Random(seed * 1000 + n)
        session = sessions[n]
        local = []
        while time.monotonic() < deadline:
            url = rng.choice(urls)
            started = time.perf_counter()
            try:
                status = session.get(base + url, timeout=60).status_code
            except requests.RequestException:
                status = 0
            local.append((url, time.perf_counter() - started, status))
        with lock:
            samples.extend(local)

    pool = [threading.Thread(target=user, args=(n,)) for n in range(len(sessions))]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return samples


def percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
        if len(values) > 1
        else values[0]
    )


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench_load runs on PostgreSQL: use make bench (scripts/with-postgres.sh)")
    static_root = tempfile.mkdtemp(prefix="fleetops-static-")
    env = server_env(static_root)
    run = lambda *args: subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: E731
    print("Loading demo data (demo scale)…", flush=True)
    run("migrate", "--noinput", "-v0")
    run("demo_setup")
    run("collectstatic", "--noinput", "-v0")
    urls = discover_urls()
    print(f"{len(urls)} URLs in the mix", flush=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "fleetops.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    cluster = subprocess.Popen(
        [PY, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        # Every user logs in before the clock starts: a login runs PBKDF2 on purpose
        # (about a second of CPU), and fifty at once would measure the hasher, not the pages.
        with ThreadPoolExecutor(WORKERS) as logins:
            cookies = list(
                logins.map(lambda _: user_session(base).cookies.get_dict(), range(USERS))
            )
        background = background_work(env)
        with ProcessPoolExecutor(PROCESSES) as pool:
            futures = [
                pool.submit(generate_load, base, urls, cookies[i::PROCESSES], SECONDS, i)
                for i in range(PROCESSES)
                if cookies[i::PROCESSES]
            ]
            samples = [s for f in futures for s in f.result()]
        background_ok = [p.wait(timeout=600) == 0 for p in background]
    finally:
        for proc in (gunicorn, cluster):
            proc.send_signal(signal.SIGTERM)
        for proc in (gunicorn, cluster):
            proc.wait(timeout=60)

    latencies = [s[1] * 1000 for s in samples]
    errors = [s for s in samples if not 200 <= s[2] < 400]
    result = {
        "users": USERS,
        "seconds": SECONDS,
        "gunicorn_workers": WORKERS,
        "requests": len(samples),
        "errors": len(errors),
        "throughput_rps": round(len(samples) / SECONDS, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "background_jobs_ok": all(background_ok),
        "urls": len(urls),
    }
    print()
    print(f"{'metric':<22}{'value':>12}")
    for key, value in result.items():
        print(f"{key:<22}{value!s:>12}")
    per_url: dict[str, list[float]] = {}
    for url, seconds, _ in samples:
        per_url.setdefault(url, []).append(seconds * 1000)
    slowest = sorted(per_url.items(), key=lambda kv: -statistics.median(kv[1]))[:12]
    print(f"\n{'slowest URLs (median ms)':<70}{'n':>6}{'p50':>9}")
    for url, values in slowest:
        print(f"{url[:70]:<70}{len(values):>6}{statistics.median(values):>9.0f}")
    result["slowest_p50_ms"] = {url: round(statistics.median(v), 1) for url, v in slowest}
    if errors:
        by_url: dict[str, int] = {}
        for url, _, status in errors:
            by_url[f"{status} {url}"] = by_url.get(f"{status} {url}", 0) + 1
        print("errors:", json.dumps(by_url, indent=1))
    merge_results("load", result)


def background_work(env: dict) -> list[subprocess.Popen]:
    """A feed import and an invoice batch that run while the users browse."""
    workdir = Path(tempfile.mkdtemp(prefix="fleetops-load-"))
    procs = []
    feeds = workdir / "feeds"
    gen = subprocess.run(
        [
            PY,
            "manage.py",
            "generate_feeds",
            "--vehicles",
            "20000",
            "--stores",
            "4",
            "--days",
            "1",
            "--seed",
            "7",
            "--out",
            str(feeds),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    cdk = sorted(feeds.rglob("*cdk*.csv"))
    if gen.returncode == 0 and cdk:
        procs.append(
            subprocess.Popen(
                [PY, "manage.py", "import_feed", "cdk", str(cdk[-1])],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
            )
        )
    invoices = workdir / "invoices.json"
    script = (
        "import django, json; django.setup(); "
        "from invoices.generator import FullbayGenerator; "
        f"json.dump(FullbayGenerator(seed=11).invoices(5000), open({str(invoices)!r}, 'w'), "
        "default=str)"
    )
    if subprocess.run([PY, "-c", script], cwd=ROOT, env=env).returncode == 0:
        procs.append(
            subprocess.Popen(
                [PY, "manage.py", "ingest_invoices", str(invoices)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
            )
        )
    return procs


def merge_results(key: str, value: dict) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[key] = value
    RESULTS.write_text(json.dumps(data, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
