"""Write paths of the sales app: loading the classicmodels CSV files.

``classicmodels_load`` is the one way a directory of CSVs gets into the database
(management command ``load_classicmodels``, ``demo_load``). The files are the whole
database: each file present replaces its table. Every row of every file is validated
first; then, in one transaction, all rows are upserted by natural key with set-based
``bulk_create(update_conflicts=True)`` (parents first) and the rows whose keys are not in
the files are deleted (children first). A re-run changes nothing; a file with bad rows
writes nothing. The only references to these rows are the sales tables' own foreign keys.
"""

import codecs
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from fleetops.formats import CSVQuotingError, csv_records
from fleetops.models import RunStatus
from fleetops.runs import runs_reap_stale
from fleetops.services import audit_record
from sales.models import LoadRun
from sales.parsing import CellError, parse_cell, parse_int
from sales.tables import DATE_ISSUE_TABLES, TABLES, TABLES_BY_NAME, Table, date_issue
from sales.totals import order_totals_refresh

BATCH = 2000
MAX_PROBLEMS = 500

Rows = list[tuple[int, dict]]  # (line where the CSV record starts, {attname: value})


def _ref_key(ref: str, raw: str):
    """A foreign-key cell as the referenced primary key's Python type."""
    key_column = TABLES_BY_NAME[ref].columns[0]
    return parse_int(raw) if key_column.kind == "int" else raw


def _key_attnames(table: Table) -> list[str]:
    return [table.model._meta.get_field(name).attname for name in table.key]


def _decoded(table: Table, raw: bytes, problems: list) -> str | None:
    """The file's text; a file that is not UTF-8 is a problem naming where it goes wrong."""
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            {
                "table": table.name,
                "line": line,
                "error": f"byte 0x{raw[exc.start]:02x} is not UTF-8: save {table.filename} "
                "as UTF-8",
            }
        )
        return None


def _records(table: Table, text: str, problems: list) -> Iterator[tuple[int, list[str]]]:
    """(line in the file where the record starts, its fields) of each non-blank record
    (:func:`~fleetops.formats.csv_records`: quoting read strictly); a record badly quoted is
    a problem naming the line where it starts, and the rest of the file is not read."""
    try:
        for start, fields in csv_records(text):
            if fields:
                yield start, fields
    except CSVQuotingError as exc:
        problems.append({"table": table.name, "line": exc.line, "error": exc.reason})


def _parse_table(table: Table, text: str, problems: list) -> Rows:
    """Parse every record of one file into ``(line, {attname: value})``; append problems."""
    parsed: Rows = []
    before = len(problems)
    records = _records(table, text, problems)
    _, header = next(records, (1, None))
    if header is None:
        if len(problems) > before:  # the header itself is badly quoted: said
            return parsed
        problems.append({"table": table.name, "line": 1, "error": "no header row"})
        return parsed
    missing = [h for h in table.headers if h not in header]
    if missing:
        problems.append({"table": table.name, "line": 1, "error": f"missing columns {missing}"})
        return parsed
    key_attnames = _key_attnames(table)
    seen = set()
    for number, fields in records:
        if len(fields) != len(header):
            hint = "a value with a comma must be quoted" if len(fields) > len(header) else ""
            problems.append(
                {
                    "table": table.name,
                    "line": number,
                    "error": f"{len(fields)} fields where the header has {len(header)}"
                    + (f" ({hint})" if hint else ""),
                }
            )
            continue
        row = dict(zip(header, fields, strict=True))
        values = {}
        for column in table.columns:
            attname = f"{column.field}_id" if column.kind == "fk" else column.field
            try:
                value = parse_cell(column, row[column.header])
                if column.kind == "fk" and value is not None:
                    value = _ref_key(column.ref, value)
            except CellError as exc:
                problems.append(
                    {"table": table.name, "line": number, "error": f"{column.header} {exc}"}
                )
                continue
            values[attname] = value
        if table.name in DATE_ISSUE_TABLES:
            values["date_issue"] = date_issue(table, values)
        key = tuple(values.get(a) for a in key_attnames)
        if key in seen:
            problems.append({"table": table.name, "line": number, "error": f"duplicate key {key}"})
        seen.add(key)
        parsed.append((number, values))
    return parsed


def _check_references(parsed: dict[str, Rows], problems: list) -> None:
    """Every foreign key must name a row that exists after the load: a row of the file
    when the referenced table is loaded (it replaces the table), else one in the database."""
    known: dict[str, set] = {}
    for table in TABLES:
        if len(table.key) > 1:
            continue
        if table.name in parsed:
            pk = table.columns[0].field
            known[table.name] = {values[pk] for _, values in parsed[table.name]}
        else:
            known[table.name] = set(table.model.objects.values_list("pk", flat=True))
    for table in TABLES:
        for column in (c for c in table.columns if c.kind == "fk"):
            for line, row in parsed.get(table.name, []):
                value = row.get(f"{column.field}_id")
                if value is not None and value not in known[column.ref]:
                    problems.append(
                        {
                            "table": table.name,
                            "line": line,
                            "error": f"{column.header} {value!r}: unknown {column.ref[:-1]}",
                        }
                    )


def _stale(table: Table, rows: Rows) -> list:
    """Primary keys of the table's rows in the database whose natural key is not in ``rows``."""
    attnames = _key_attnames(table)
    in_file = {tuple(values[a] for a in attnames) for _, values in rows}
    return [
        pk
        for pk, *key in table.model.objects.values_list("pk", *attnames).iterator(BATCH)
        if tuple(key) not in in_file
    ]


def _check_kept_references(parsed: dict[str, Rows], stale: dict[str, list], problems) -> None:
    """A table whose file is absent is kept: it must not reference a row the load removes."""
    for table in TABLES:
        if table.name in parsed:
            continue
        for column in (c for c in table.columns if c.kind == "fk" and stale.get(c.ref)):
            attname = f"{column.field}_id"
            used = set(table.model.objects.values_list(attname, flat=True).distinct())
            gone = sorted(used & set(stale[column.ref]))
            if gone:
                problems.append(
                    {
                        "table": column.ref,
                        "line": 0,
                        "error": f"removes {column.ref[:-1]} {', '.join(map(str, gone[:5]))}"
                        f"{' …' if len(gone) > 5 else ''} that {table.name} in the database "
                        f"still reference: load {table.filename} as well",
                    }
                )


def _upsert(table: Table, rows: Rows) -> int:
    model = table.model
    key_fields = list(table.key)
    update_fields = [
        c.field
        for c in table.columns
        if c.field not in key_fields and (len(table.key) > 1 or c.field != model._meta.pk.name)
    ]
    if table.name in DATE_ISSUE_TABLES:
        update_fields.append("date_issue")
    objects = [model(**values) for _, values in rows]
    for start in range(0, len(objects), BATCH):
        model.objects.bulk_create(
            objects[start : start + BATCH],
            update_conflicts=True,
            unique_fields=key_fields,
            update_fields=update_fields,
        )
    return len(objects)


def _delete(table: Table, pks: list) -> int:
    """Delete the rows ``pks`` (their children are gone: tables are deleted children first)."""
    model = table.model
    self_refs = [c.field for c in table.columns if c.kind == "fk" and c.ref == table.name]
    for start in range(0, len(pks), BATCH):
        batch = model.objects.filter(pk__in=pks[start : start + BATCH])
        if self_refs:  # removed employees may report to each other (PROTECT)
            batch.update(**dict.fromkeys(self_refs))
        batch.delete()
    return len(pks)


def classicmodels_load(
    *, directory: Path | str, actor=None, progress: Callable[[str], None] | None = None
) -> LoadRun:
    """Load the classicmodels CSV files in ``directory`` (all eight, or those present):
    each file present replaces its table (a table whose file is absent is kept)."""
    from monitoring.services import run_finished

    say = progress or (lambda message: None)
    directory = Path(directory)
    runs_reap_stale(models=[LoadRun])  # loads a dead worker left "running"
    run = LoadRun.objects.create(directory=str(directory), created_by=actor)
    try:
        problems: list[dict] = []
        parsed: dict[str, Rows] = {}
        for table in TABLES:
            path = directory / table.filename
            if not path.exists():
                say(f"  {table.filename}: not present, skipped")
                continue
            text = _decoded(table, path.read_bytes(), problems)
            if text is not None:
                parsed[table.name] = _parse_table(table, text, problems)
        if not parsed and not problems:
            problems.append(
                {"table": "", "line": 0, "error": f"no classicmodels CSV in {directory}"}
            )
        if not problems:
            _check_references(parsed, problems)
        if not problems and len(parsed) < len(TABLES):
            stale = {name: _stale(TABLES_BY_NAME[name], rows) for name, rows in parsed.items()}
            _check_kept_references(parsed, stale, problems)
        orders = parsed.get("orders", [])
        excluded = sum(1 for _, values in orders if values.get("order_date") is None)
        if problems:
            run.status = RunStatus.REJECTED
            run.problems = problems[:MAX_PROBLEMS]
            run.error = f"{len(problems)} row error(s); nothing was written."
        else:
            with transaction.atomic():
                counts, removed = {}, {}
                for table in TABLES:  # parents first
                    if table.name in parsed:
                        counts[table.name] = _upsert(table, parsed[table.name])
                for table in reversed(TABLES):  # children first
                    if table.name in parsed:
                        removed[table.name] = _delete(table, _stale(table, parsed[table.name]))
                for name, n in counts.items():
                    say(f"  {name}.csv: {n} rows, {removed[name]} removed")
                if {"orders", "orderdetails"} & counts.keys():
                    say(f"  order totals (derived): {order_totals_refresh()} rebuilt")
                run.rows, run.removed = counts, removed
                run.excluded_orders = excluded
                run.status = RunStatus.SUCCEEDED
                run.finished_at = timezone.now()
                run.save()  # in the data's transaction: the run succeeds with it, or not at all
                audit_record(
                    actor=actor,
                    action="sales.load",
                    obj=run,
                    data={"rows": counts, "removed": removed, "excluded_orders": excluded},
                )
    except Exception as exc:
        # what the rolled-back transaction would have written is not the run's
        run.rows, run.removed, run.excluded_orders = {}, {}, 0
        run.status = RunStatus.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        if run.status != RunStatus.SUCCEEDED:
            run.finished_at = timezone.now()
            run.save()
        metrics = {f"rows_{name}": n for name, n in run.rows.items()}
        metrics.update(
            rows_removed=sum(run.removed.values()),
            problems=len(run.problems),
            excluded_orders=run.excluded_orders,
        )
        run_finished(source="sales.load", run_id=run.pk, metrics=metrics)
    return run
