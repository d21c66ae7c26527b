"""django-import-export resources for the eight classicmodels tables.

Built from the one column map in ``sales.tables``, so each resource reads and writes
the shipped CSV files exactly: original column names, empty cell = NULL, text (trailing
spaces, multi-line descriptions) kept as is, dates ISO, decimals with two places. Cells
are parsed by ``sales.parsing`` like the loader; a bad cell (bad date, unknown customer,
negative quantity) is a row error, and with ``rollback_on_validation_errors`` one bad row
means the import writes nothing.
"""

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets
from import_export.exceptions import FieldError

from fleetops.imports import FileLinesResourceMixin
from fleetops.services import audit_record
from sales.models import Order, OrderLine
from sales.parsing import CellError, parse_cell
from sales.tables import TABLES, TABLES_BY_NAME, Column, Table, instance_date_issue
from sales.totals import order_totals_refresh


class CellWidget(widgets.Widget):
    """One CSV cell <-> one model value, per ``sales.parsing``."""

    def __init__(self, column: Column):
        self.column = column
        super().__init__(coerce_to_string=True)

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else value if isinstance(value, str) else str(value)
        try:
            return parse_cell(self.column, text)
        except CellError as exc:
            raise ValueError(str(exc)) from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, bytes | memoryview):
            return bytes(value).decode()
        return str(value)


class KeyWidget(widgets.ForeignKeyWidget):
    """A foreign-key cell: the referenced natural key; unknown keys are row errors."""

    def __init__(self, column: Column):
        self.column = column
        self.ref = TABLES_BY_NAME[column.ref]
        self._known: set | None = None
        self.file_keys: set = set()  # a self-reference may name a row further down the file
        super().__init__(self.ref.model, field="pk")

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value)
        key_column = self.ref.columns[0]
        try:
            if text == "":
                parse_cell(self.column, text)  # raises when required
                return None
            key = parse_cell(key_column, text)
        except CellError as exc:
            raise ValueError(str(exc)) from None
        if self._known is None:
            self._known = set(self.model.objects.values_list("pk", flat=True))
        if (
            key not in self._known
            and key not in self.file_keys
            and not self.model.objects.filter(pk=key).exists()
        ):
            raise ValueError(f"unknown {self.model._meta.verbose_name} {text!r}")
        return self.model(pk=key)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value.pk)


def _key_or_none(column: Column, text):
    try:
        return parse_cell(column, "" if text is None else str(text))
    except CellError:
        return None  # the row's own key cell reports it


class ClassicModelsResource(FileLinesResourceMixin, resources.ModelResource):
    """Shared behaviour: atomic, all-or-nothing, audited after a real import."""

    table: Table

    def before_import(self, dataset, **kwargs):
        """Every column of the table is in the file (as the loader wants them): a missing
        column is said once, not as "cannot be blank" on each new row while the rows
        already there are updated without it. A self-reference (``reportsTo``) may name
        an employee the file adds further down."""
        super().before_import(dataset, **kwargs)
        headers = set(dataset.headers or [])
        if missing := [h for h in self.table.headers if h not in headers]:
            raise FieldError(
                f"The file has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}"
                f": an import of {self.table.filename} reads all its columns, "
                f"{', '.join(self.table.headers)} (export the table to see the layout)."
            )
        key = self.table.columns[0]
        for column in self.table.columns:
            if column.kind == "fk" and column.ref == self.table.name:
                widget = self.fields[column.field].widget
                widget.file_keys = {_key_or_none(key, text) for text in dataset[key.header]}

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Model validation but for the foreign keys, which ``KeyWidget`` checked (keys
        added by the file included; no query per row); errors named by the file's column
        headers (``salesRepEmployeeNumber``, not ``sales_rep``)."""
        errors = dict(import_validation_errors or {})
        checked = {f.attribute for f in self.fields.values() if isinstance(f.widget, KeyWidget)}
        try:
            instance.full_clean(exclude=errors.keys() | checked, validate_unique=validate_unique)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            headers = {f.attribute: f.column_name for f in self.fields.values()}
            raise ValidationError({headers.get(name, name): e for name, e in errors.items()})

    def import_data(self, dataset, **kwargs):
        """Always all-or-nothing: one invalid row rolls the whole import back."""
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        if self._meta.model in (Order, OrderLine):
            order_totals_refresh()  # the read model follows the new lines at once
        audit_record(
            actor=kwargs.get("user"),
            action="sales.import",
            object_type=self._meta.model._meta.label_lower,
            note=kwargs.get("file_name") or "",
            data={k: v for k, v in result.totals.items() if v},
        )


class OrderResourceMixin:
    def before_save_instance(self, instance, row, **kwargs):
        instance.date_issue = instance_date_issue(instance)
        super().before_save_instance(instance, row, **kwargs)


def _resource_for(table: Table) -> type[resources.ModelResource]:
    attrs: dict = {"table": table}
    for column in table.columns:
        widget = KeyWidget(column) if column.kind == "fk" else CellWidget(column)
        attrs[column.field] = fields.Field(
            attribute=column.field,
            column_name=column.header,
            widget=widget,
            saves_null_values=True,
        )
    field_names = tuple(c.field for c in table.columns)
    attrs["Meta"] = type(
        "Meta",
        (),
        {
            "model": table.model,
            "fields": field_names,
            "export_order": field_names,
            "import_id_fields": table.key,
            "skip_unchanged": True,
            "report_skipped": True,
            "use_transactions": True,
            "clean_model_instances": True,
        },
    )
    bases = (ClassicModelsResource,)
    if table.name == "orders":
        bases = (OrderResourceMixin, ClassicModelsResource)
    return type(f"{table.model.__name__}Resource", bases, attrs)


RESOURCES: dict[str, type[resources.ModelResource]] = {t.name: _resource_for(t) for t in TABLES}
RESOURCE_BY_MODEL = {t.model: RESOURCES[t.name] for t in TABLES}

__all__ = ["RESOURCES", "RESOURCE_BY_MODEL"]
