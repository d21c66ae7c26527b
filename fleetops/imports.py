"""What every CSV import through the admin shares (store aliases, the sales tables).

``FileLinesResourceMixin``: a problem row is reported by the line it starts on in the
file (the header is line 1; a quoted cell may span lines), headers are matched
whatever their case, and one key given twice with different values is a row error.
``ReadableImportMixin`` (admin): a file that cannot be read says why in words, and a
confirm that wrote nothing says so.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export.exceptions import FieldError
from import_export.results import Result
from tablib import InvalidDimensions

from fleetops.formats import CSVReadError


class FileLinesResult(Result):
    line_numbers: list[int] = []

    def line_of(self, number: int) -> int:
        lines = self.line_numbers
        return lines[number - 1] if 0 < number <= len(lines) else number

    def row_errors(self):
        return [(self.line_of(number), errors) for number, errors in super().row_errors()]


class FileLinesResourceMixin:
    def get_result_class(self):
        return FileLinesResult

    def before_import(self, dataset, **kwargs):
        """Headers as the resource spells them (``NAME``, ``customernumber``)."""
        super().before_import(dataset, **kwargs)
        self._seen_keys: dict[tuple, tuple[int, tuple]] = {}
        names = self.get_import_fields_column_names()
        known = {name.lower(): name for name in names}
        if dataset.headers:
            dataset.headers = [known.get(h.strip().lower(), h) for h in dataset.headers]
        headers = [h for h in dataset.headers or [] if h]
        keys = [f.column_name for f in self.get_import_id_fields_list()]
        if missing := [key for key in keys if key not in headers]:
            found = ", ".join(headers[:12]) + (", …" if len(headers) > 12 else "")
            raise FieldError(
                f"The file has no {' or '.join(missing)} column, which says which row each "
                f"line is. Its header is: {found or 'empty'}. The columns this import reads: "
                f"{', '.join(names)} (export the table to see the layout)."
            )

    def get_import_fields_column_names(self) -> list[str]:
        return [field.column_name for field in self.get_import_fields()]

    def import_row(self, row, instance_loader, **kwargs):
        """A key seen on an earlier line with other values: a row error, not a silent
        overwrite (which the next import of the file would repeat)."""
        self.before_import_row(row, **kwargs)  # the key as kept; idempotent, run again below
        key = tuple(str(row.get(f.column_name) or "") for f in self.get_import_id_fields_list())
        values = tuple(str(v or "") for v in row.values())
        number = kwargs.get("row_number", 0)
        seen = self._seen_keys.setdefault(key, (number, values))
        if seen[0] != number and seen[1] != values:
            fields = self.get_import_id_fields_list()
            named = ", ".join(f"{f.column_name} {k!r}" for f, k in zip(fields, key, strict=True))
            result = self.get_row_result_class()()
            result.import_type = result.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError(
                f"Line {self._line_of(seen[0])} gives {named} other values: each "
                "appears once per file."
            )
            return result
        return super().import_row(row, instance_loader, **kwargs)

    def get_import_id_fields_list(self):
        return [self.fields[name] for name in self.get_import_id_fields()]

    def _line_of(self, number: int) -> int:
        lines = getattr(self, "_line_numbers", [])
        return lines[number - 1] if 0 < number <= len(lines) else number

    def import_data_inner(self, dataset, *args, **kwargs):
        self._line_numbers = getattr(dataset, "line_numbers", [])
        return super().import_data_inner(dataset, *args, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.line_numbers = getattr(dataset, "line_numbers", [])
        for invalid in result.invalid_rows:
            invalid.number = result.line_of(invalid.number)


class ReadableImportMixin:
    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UnicodeDecodeError):
            form.add_error(
                "import_file",
                f"The file is not UTF-8 text (byte 0x{e.object[e.start]:02x} at position "
                f'{e.start}): save it as "CSV UTF-8" and upload it again.',
            )
        elif isinstance(e, CSVReadError | InvalidDimensions):
            form.add_error("import_file", str(e) or "A row has more cells than the header.")
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_result(self, result, request):
        """A confirm that met invalid rows (the data changed since the preview: an alias
        added meanwhile) wrote nothing, in one transaction: say so and go back to the
        import form, instead of import-export's "Import finished" with 0 rows."""
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        bad = len(result.invalid_rows) + len(result.row_errors()) + len(result.base_errors)
        messages.error(
            request,
            f"Nothing was imported: {bad} row(s) are invalid now (the data changed since "
            "the preview). Import the file again to see them.",
        )
        app_label, model_name = self.get_model_info()
        url = reverse(f"admin:{app_label}_{model_name}_import", current_app=self.admin_site.name)
        return HttpResponseRedirect(url)
