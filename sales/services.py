"""Write paths of the sales app: loading the classicmodels CSV files.

``classicmodels_load`` is the one way a directory of CSVs gets into the database
(management command ``load_classicmodels``, ``demo_load``). It validates every row of
every file first, then upserts all eight tables by natural key in one transaction
with set-based ``bulk_create(update_conflicts=True)``: a re-run changes nothing, a
file with bad rows writes nothing.
"""

import csv
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from fleetops.models import RunStatus
from fleetops.runs import runs_reap_stale
from fleetops.services import audit_record
from sales.models import LoadRun
from sales.parsing import CellError, parse_cell, parse_int
from sales.tables import LENIENT_DATE_TABLES, TABLES, TABLES_BY_NAME, Table
from sales.totals import order_totals_refresh

BATCH = 2000
MAX_PROBLEMS = 500


def _ref_key(ref: str, raw: str):
    """A foreign-key cell as the referenced primary key's Python type."""
    key_column = TABLES_BY_NAME[ref].columns[0]
    return parse_int(raw) if key_column.kind == "int" else raw


def _parse_table(table: Table, rows, problems: list) -> list[dict]:
    """Parse every row of one file into ``{attname: value}``; append problems."""
    parsed = []
    missing = [h for h in table.headers if rows.fieldnames is not None and h not in rows.fieldnames]
    if missing:
        problems.append({"table": table.name, "line": 1, "error": f"missing columns {missing}"})
        return parsed
    seen = set()
    for number, row in enumerate(rows, start=2):
        values, issues = {}, []
        for column in table.columns:
            raw = row.get(column.header)
            attname = f"{column.field}_id" if column.kind == "fk" else column.field
            try:
                value = parse_cell(column, raw)
                if column.kind == "fk" and value is not None:
                    value = _ref_key(column.ref, value)
            except CellError as exc:
                if column.kind == "date" and table.name in LENIENT_DATE_TABLES:
                    values[attname] = None
                    issues.append(f"{column.header} {exc}")
                    continue
                problems.append(
                    {"table": table.name, "line": number, "error": f"{column.header} {exc}"}
                )
                continue
            if column.kind == "date" and value is None and column.header != "shippedDate":
                issues.append(f"{column.header} missing")
            values[attname] = value
        if table.name in LENIENT_DATE_TABLES:
            values["date_issue"] = "; ".join(issues)[:200]
        key = tuple(values.get(f if f in values else f"{f}_id") for f in table.key)
        if key in seen:
            problems.append({"table": table.name, "line": number, "error": f"duplicate key {key}"})
        seen.add(key)
        parsed.append(values)
    return parsed


def _check_references(parsed: dict[str, list[dict]], problems: list) -> None:
    """Every foreign key must name a row of this load or one already in the database."""
    known: dict[str, set] = {}
    for table in TABLES:
        pk = table.columns[0].field if len(table.key) == 1 else None
        if pk is None:
            continue
        in_file = {row[pk] for row in parsed.get(table.name, [])}
        known[table.name] = in_file | set(table.model.objects.values_list("pk", flat=True))
    for table in TABLES:
        for column in (c for c in table.columns if c.kind == "fk"):
            for line, row in enumerate(parsed.get(table.name, []), start=2):
                value = row.get(f"{column.field}_id")
                if value is not None and value not in known[column.ref]:
                    problems.append(
                        {
                            "table": table.name,
                            "line": line,
                            "error": f"{column.header} {value!r}: unknown {column.ref[:-1]}",
                        }
                    )


def _upsert(table: Table, rows: list[dict]) -> int:
    model = table.model
    key_fields = list(table.key)
    update_fields = [
        c.field
        for c in table.columns
        if c.field not in key_fields and (len(table.key) > 1 or c.field != model._meta.pk.name)
    ]
    if table.name in LENIENT_DATE_TABLES:
        update_fields.append("date_issue")
    objects = [model(**row) for row in rows]
    for start in range(0, len(objects), BATCH):
        model.objects.bulk_create(
            objects[start : start + BATCH],
            update_conflicts=True,
            unique_fields=key_fields,
            update_fields=update_fields,
        )
    return len(objects)


def classicmodels_load(
    *, directory: Path | str, actor=None, progress: Callable[[str], None] | None = None
) -> LoadRun:
    """Load the classicmodels CSV files in ``directory`` (all eight, or those present)."""
    from monitoring.services import run_finished

    say = progress or (lambda message: None)
    directory = Path(directory)
    runs_reap_stale(models=[LoadRun])  # loads a dead worker left "running"
    run = LoadRun.objects.create(directory=str(directory), created_by=actor)
    try:
        problems: list[dict] = []
        parsed: dict[str, list[dict]] = {}
        for table in TABLES:
            path = directory / table.filename
            if not path.exists():
                say(f"  {table.filename}: not present, skipped")
                continue
            with open(path, newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                parsed[table.name] = _parse_table(table, reader, problems)
        if not parsed:
            problems.append(
                {"table": "", "line": 0, "error": f"no classicmodels CSV in {directory}"}
            )
        if not problems:
            _check_references(parsed, problems)
        excluded = sum(1 for row in parsed.get("orders", []) if row.get("order_date") is None)
        if problems:
            run.status = RunStatus.REJECTED
            run.problems = problems[:MAX_PROBLEMS]
            run.error = f"{len(problems)} row error(s); nothing was written."
        else:
            with transaction.atomic():
                counts = {}
                for table in TABLES:
                    if table.name in parsed:
                        counts[table.name] = _upsert(table, parsed[table.name])
                        say(f"  {table.filename}: {counts[table.name]} rows")
                if {"orders", "orderdetails"} & counts.keys():
                    counts["order_totals"] = order_totals_refresh()
                run.rows = counts
                run.excluded_orders = excluded
                run.status = RunStatus.SUCCEEDED
                audit_record(
                    actor=actor,
                    action="sales.load",
                    obj=run,
                    data={"rows": counts, "excluded_orders": excluded},
                )
    except Exception as exc:
        run.status = RunStatus.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        run.finished_at = timezone.now()
        run.save()
        metrics = {f"rows_{name}": n for name, n in run.rows.items()}
        metrics.update(problems=len(run.problems), excluded_orders=run.excluded_orders)
        run_finished(source="sales.load", run_id=run.pk, metrics=metrics)
    return run
