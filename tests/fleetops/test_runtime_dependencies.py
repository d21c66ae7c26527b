"""`make run` installs only the main dependencies (``pip install -e .``), not ``[dev]``.

Every third-party module the application imports outside tests must therefore come from a
main dependency of pyproject.toml or from something one of them requires. (prometheus-client
once sat in ``dev``: the suite passed, and ``make run`` on a fresh clone failed at start-up.)
"""

import ast
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
APPS = ("fleetops", "inventory", "invoices", "sales", "monitoring")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_distributions() -> set[str]:
    """The main dependencies and, recursively, what they require (with their extras)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    todo = [Requirement(r) for r in project["dependencies"]]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        name = _canonical(req.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            reqs = requires(req.name) or []
        except PackageNotFoundError:
            continue
        for text in reqs:
            sub = Requirement(text)
            extras = req.extras or {""}
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in extras):
                todo.append(sub)
    return seen


def _imported_top_level_modules() -> dict[str, str]:
    """Top-level module name -> a file importing it, for every app module outside tests."""
    found: dict[str, str] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_every_module_the_application_imports_is_installed_by_make_run():
    runtime = _runtime_distributions()
    providers = packages_distributions()
    missing = []
    for module, where in sorted(_imported_top_level_modules().items()):
        if module in sys.stdlib_module_names or module in APPS:
            continue
        dists = {_canonical(d) for d in providers.get(module, [])}
        if not dists & runtime:
            missing.append(f"{module} (imported by {where}; installed by {sorted(dists)})")
    assert not missing, "not in pyproject's main dependencies: " + "; ".join(missing)
