"""make bench: the hostile-input and schemathesis suites with many more examples.

``make test`` runs them with HYPOTHESIS_MAX_EXAMPLES=25 (the default); here each suite
runs with ``200 x BENCH_SCALE`` examples per test on the throwaway PostgreSQL, and the
examples run, the time taken and the outcome are printed and merged under
``"hostile"`` into bench/results.json. A failing suite fails the bench.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = {
    "feeds (command, admin, API)": "tests/security/test_hostile_feeds.py",
    "invoices (command, admin, API)": "tests/security/test_hostile_invoices.py",
    "sales admin import": "tests/security/test_hostile_sales.py",
    "schemathesis (every API operation)": "tests/security/test_schemathesis.py",
}


def main() -> int:
    examples = max(10, int(200 * float(os.environ.get("BENCH_SCALE", "1"))))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    env["HYPOTHESIS_MAX_EXAMPLES"] = str(examples)
    rows, ok = [], True
    for label, path in SUITES.items():
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", path, "-q", "-p", "no:cacheprovider", "-x"],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        seconds = time.monotonic() - started
        passed = done.returncode == 0
        ok &= passed
        rows.append({"suite": label, "examples_per_test": examples,
                     "seconds": round(seconds, 1), "passed": passed})  # fmt: skip
        if not passed:
            print(done.stdout[-4000:], done.stderr[-2000:], file=sys.stderr)
    print(f"{'suite':38} {'examples/test':>13} {'seconds':>8}  result")
    for r in rows:
        result = "passed" if r["passed"] else "FAILED"
        print(f"{r['suite']:38} {r['examples_per_test']:>13} {r['seconds']:>8}  {result}")
    results_path = ROOT / "bench" / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    results["hostile"] = {"database": "postgresql", "suites": rows}
    results_path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
