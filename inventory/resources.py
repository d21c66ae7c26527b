"""django-import-export resources: the export of vehicles, the store aliases'
CSV import and export, and the clerks' feed upload (preview per source, see
:class:`FeedResource`)."""

import tablib
from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.formats import base_formats
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import RowResult

from fleetops.imports import FileLinesResourceMixin
from inventory.feeds.parsing import RECORD_FIELDS, Issue, ParsedFeed, feed_parse
from inventory.feeds.text import bytes_decoded
from inventory.models import (
    Source,
    SourceRecord,
    StoreAlias,
    Vehicle,
    VinAlias,
)
from inventory.selectors import store_aliases


class VehicleResource(resources.ModelResource):
    class Meta:
        model = Vehicle
        fields = ("vin", "stock_number", "store", "year", "make", "model", "cost", "price",
                  "msrp", "in_cdk", "in_vauto", "in_lojack", "in_oem", "combo")  # fmt: skip
        export_order = fields


class StoreAliasResource(FileLinesResourceMixin, resources.ModelResource):
    """The store aliases as CSV: ``name`` (as the source sends it), ``source`` (``cdk``,
    ``vauto``, ``lojack``, ``oem``, or empty for every source), ``store``.

    A row is matched to an existing alias by its source and name, so importing an export
    again changes nothing; each row is validated as the admin form validates it (a name
    already mapped for that source under another spelling, an unknown source, an alias
    of an alias: row errors, and the import writes nothing).
    """

    class Meta:
        model = StoreAlias
        fields = ("name", "source", "store")
        export_order = fields
        import_id_fields = ("source", "name")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def import_data(self, dataset, **kwargs):
        """All or nothing: a row that turns invalid between preview and confirm (an alias
        added meanwhile) rolls the whole import back."""
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        """Cells stripped, the source in lower case: an alias is found by its name and
        source as they are kept."""
        for column in ("name", "source", "store"):
            if column in row:
                row[column] = (row[column] or "").strip()
        if "source" in row:
            row["source"] = row["source"].lower()  # OEM, oem


class FeedCSV(base_formats.CSV):
    """A source's CSV snapshot, kept as sent (bytes) for :func:`feed_parse`.

    The dataset it creates only holds the file's text lines; the feed resource replaces
    them in ``before_import`` with the rows the feed parser read (line numbers included),
    so the preview shows exactly what ``feed_import`` will see. Any encoding is accepted
    here (UTF-8 with or without BOM, else Windows-1252: ``bytes_decoded``, as the parser
    reads it).
    """

    def get_title(self):
        return "csv"

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        data = in_stream.encode("utf-8") if isinstance(in_stream, str) else bytes(in_stream)
        text = bytes_decoded(data)
        dataset = tablib.Dataset(headers=["Raw line"])
        for line in text.splitlines()[1:]:
            if line.strip():
                dataset.append([line])
        dataset.raw = data
        return dataset


# The columns each source's file may carry (any one of the names per field; README table).
ACCEPTED_COLUMNS: dict[str, list[str]] = {
    "cdk": ["VIN (required)", "Stock No/Stock Number/StockNumber/Stock/Stock #",
            "Year/ModelYear", "Make", "Model/ModelName", "Trim/TrimLevel",
            "New/Used/Type/Category", "Cost/BaseInvoicePrice/Invoice",
            "List Price/Price/AdvertisedPrice", "BaseRetailPrice/MSRP",
            "Entry Date/Lot Date/Days In Stock/Age", "Store/Dealer/Location/Rooftop"],
    "vauto": ["VIN or VIN 8 (required)", "Stock #/Stock No/Stock Number", "Year", "Make",
              "Model", "Series", "Price/List Price/Internet Price", "Cost", "Age/Days",
              "Photos/Photo Count", "Dealer/Store/Location/Rooftop"],
    "lojack": ["VIN (required)", "Device ID/Device/Serial Number/LoJack ID",
               "Stock No/Stock Number/Stock #", "Install Date",
               "Last Report/Last Location Date", "Status/On Lot",
               "Location/Store/Dealer/Rooftop"],
    "oem": ["Order Number/Order No/VehicleOrderNumber (required)", "VIN (empty: pending)",
            "Model Code", "Model Year/Year", "MSRP", "Invoice/Dealer Invoice",
            "Status/Status Code", "Allocated Date", "Ship Date", "ETA", "Dealer Code/Dealer"],
}  # fmt: skip

# The blocking reasons: the row is not imported (kept as a feed issue on the run).
_LABELS = {
    "invalid_vin": "VIN", "missing_vin": "VIN", "duplicate_vin": "VIN", "check_digit": "VIN",
    "missing_order": "Order number", "duplicate_order": "Order number",
    "other_store": "Store", "extra_cells": "Row",
}  # fmt: skip
PREVIEW_ROWS = 100  # the rows without problems the preview shows
PREVIEW_FIELDS = (
    ("line_number", "Line"), ("key", "VIN"), ("store", "Store"),
    ("stock_number", "Stock number"), ("year", "Year"), ("make", "Make"), ("model", "Model"),
    ("cost", "Cost"), ("price", "Price"), ("msrp", "MSRP"), ("status", "Status"),
)  # fmt: skip


class FeedResource(resources.Resource):
    """One source's snapshot, previewed row by row (dry run only; never saves).

    Validation is :func:`inventory.feeds.parsing.feed_parse` (header aliases from
    ``feeds.headers``, VINs from ``feeds.vin``): the same code ``feed_import`` runs, so the
    preview's problems are the issues the import will record, on the same file lines. Each
    problem row becomes an import-export validation error (``Result.invalid_rows``) whose
    number is the file line; confirming hands the whole file to ``feed_import`` (a django-q2
    task), which writes the snapshot set-based.
    """

    source = ""

    line_number = fields.Field(attribute="line_number", column_name="Line")
    key = fields.Field(attribute="key", column_name="VIN")
    store = fields.Field(attribute="store", column_name="Store")
    stock_number = fields.Field(attribute="stock_number", column_name="Stock number")
    year = fields.Field(attribute="year", column_name="Year")
    make = fields.Field(attribute="make", column_name="Make")
    model = fields.Field(attribute="model", column_name="Model")
    cost = fields.Field(attribute="cost", column_name="Cost")
    price = fields.Field(attribute="price", column_name="Price")
    msrp = fields.Field(attribute="msrp", column_name="MSRP")
    status = fields.Field(attribute="status", column_name="Status")

    class Meta:
        use_transactions = False  # the preview touches no table
        skip_diff = True
        import_id_fields = ()
        instance_loader_class = BaseInstanceLoader  # unused: rows are never looked up

    def __init__(self, *, store: str = "", feed: ParsedFeed | None = None, **kwargs):
        super().__init__(**kwargs)
        self.store = (store or "").strip()
        self.feed = feed
        self._problems: dict[int, list[Issue]] = {}
        self._known_lines: set[int] = set()

    @classmethod
    def get_display_name(cls):
        return Source(cls.source).label

    def import_data(self, dataset, dry_run=True, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, **kwargs):  # fmt: skip
        """The preview: import-export's row loop without its transaction and per-row
        savepoints (a dry run forces them; nothing here touches the database)."""
        kwargs.pop("rollback_on_validation_errors", None)
        return self.import_data_inner(
            dataset, dry_run, raise_errors, False, collect_failed_rows, **kwargs
        )

    def before_import(self, dataset, **kwargs):
        """Parse the file as ``feed_import`` will; the dataset becomes the rows it read."""
        if self.feed is None:
            stores = store_aliases(self.source)
            self.feed = feed_parse(self.source, dataset.raw, store=self.store, stores=stores)
        feed = self.feed
        self._problems = {}
        for issue in feed.issues:
            self._problems.setdefault(issue.line_number, []).append(issue)
        self._known_lines = self._lines_in_snapshot(feed)
        by_line: dict[int, list] = {}
        for record in feed.records:
            values = dict(zip(RECORD_FIELDS, record, strict=False))
            values["key"] = values["vin"] or values["key"]
            by_line[values["line_number"]] = [values.get(name) for name, _ in PREVIEW_FIELDS]
        blank = [None] * (len(PREVIEW_FIELDS) - 2)
        for issue in feed.issues:
            if issue.line_number not in by_line or (
                not issue.is_warning and by_line[issue.line_number][2:] == blank
            ):  # a row not imported: its VIN (or order) cell shows the rejected value
                by_line[issue.line_number] = [issue.line_number, issue.raw_value, *blank]
        dataset.wipe()
        dataset.headers = [label for _, label in PREVIEW_FIELDS]
        for line in sorted(by_line):
            dataset.append(["" if v is None else v for v in by_line[line]])

    def _lines_in_snapshot(self, feed: ParsedFeed) -> set[int]:
        """The lines of the rows the preview shows (the first ``PREVIEW_ROWS`` without
        problems) whose key the source's snapshot already holds, itself or through a
        confirmed alias: marked "In snapshot" instead of "New". One query of ≤ 100 keys."""
        key_at, line_at = RECORD_FIELDS.index("key"), RECORD_FIELDS.index("line_number")
        shown = {}
        for record in feed.records:
            if record[line_at] not in self._problems:
                shown[record[key_at]] = record[line_at]
                if len(shown) == PREVIEW_ROWS:
                    break
        aliases = dict(
            VinAlias.objects.filter(source=self.source, from_key__in=list(shown))
            .values_list("from_key", "vin")
        )  # fmt: skip
        keys = {aliases.get(key, key): line for key, line in shown.items()}
        held = SourceRecord.objects.filter(source=self.source, key__in=list(keys))
        return {keys[key] for key in held.values_list("key", flat=True)}

    def import_row(self, row, instance_loader, **kwargs):
        """No instance, no save: a new row, or a validation error naming line and reason."""
        result = self.get_row_result_class()()
        result.row_values = row
        problems = self._problems.get(int(row["Line"]))
        if problems:
            errors: dict[str, list[str]] = {}
            skipped = not all(issue.is_warning for issue in problems)
            kept = "not imported" if skipped else "imported with a warning"
            for issue in problems:
                errors.setdefault(_LABELS.get(issue.reason, "Value"), []).append(
                    f"{issue.reason} ({kept}): {issue.message} [{issue.raw_value}]"
                )
            result.validation_error = ValidationError(errors)
            result.import_type = RowResult.IMPORT_TYPE_INVALID
        else:
            in_snapshot = int(row["Line"]) in self._known_lines
            result.import_type = (
                RowResult.IMPORT_TYPE_UPDATE if in_snapshot else RowResult.IMPORT_TYPE_NEW
            )
            result.diff = list(row.values())
        return result

    def after_import(self, dataset, result, **kwargs):
        """Problem rows numbered by file line; the parser's counts kept for the page."""
        lines = dataset.get_col(0)
        for invalid in result.invalid_rows:
            invalid.number = lines[invalid.number - 1]
        feed = self.feed
        result.feed_summary = {
            "rows_read": feed.rows_read,
            "vehicles": len(feed.records),
            "invalid_rows": feed.invalid_rows,
            "duplicates": feed.duplicates,
            "warnings": feed.warnings,
            "headers": feed.headers,
        }


def _feed_resource(source: str) -> type[FeedResource]:
    return type(f"{source.title()}FeedResource", (FeedResource,), {"source": source,
                "__module__": __name__})  # fmt: skip


FEED_RESOURCES: list[type[FeedResource]] = [_feed_resource(s) for s in Source.values]
