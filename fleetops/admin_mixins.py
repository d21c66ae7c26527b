"""Pieces shared by the apps' admin pages."""

from collections.abc import Callable, Collection
from datetime import UTC, date, timedelta

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator


class ServiceWrittenMixin:
    """For rows only a service writes (runs, snapshots, issues, the audit trail): the admin
    shows them and never adds or edits them, for superusers too (a hand edit would bypass
    the service's bookkeeping: the VINs it queues, the audit it writes).

    ``superuser_may_delete``: run records and rows derived from them may be deleted by a
    superuser, a deliberate clean-up tool; no role holds that permission.
    """

    superuser_may_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.superuser_may_delete and request.user.is_superuser


class BoundedDateChangeList(ChangeList):
    """Django's change list, refusing a date hierarchy year, month or day it cannot turn
    into dates (``?created_at__year=9999``: the year after it is past ``datetime``'s
    range; ``?created_at__year=99999999999999999999``: an overflow) as it refuses
    ``?created_at__year=0``: the list redirects with ``?e=1``, instead of a 500."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as exc:
            raise IncorrectLookupParameters(exc) from exc


class BoundedDateHierarchyMixin:
    """For a ModelAdmin with a ``date_hierarchy``: see :class:`BoundedDateChangeList`."""

    def get_changelist(self, request, **kwargs):
        return BoundedDateChangeList


class BoundedDateTimeListFilter(admin.DateFieldListFilter):
    """Django's date filter of a datetime field, refusing a bound in the URL that cannot be
    put in UTC (``?received_at__gte=9999-12-31+23:59:59``, read in the site's time zone,
    is past ``datetime``'s range there) as it refuses one that is not a date: the list
    redirects with ``?e=1``. Django's own lets it through to the query, a 500 on SQLite.
    Registered first for every datetime field a ``list_filter`` names."""

    def queryset(self, request, queryset):
        for key in (self.lookup_kwarg_since, self.lookup_kwarg_until):
            values = self.used_parameters.get(key) or []
            for value in values if isinstance(values, list) else [values]:
                try:
                    moment = self.field.to_python(value)
                    if moment is not None:
                        if timezone.is_naive(moment):
                            moment = timezone.make_aware(moment)
                        moment.astimezone(UTC)
                except (ValidationError, ValueError, OverflowError) as exc:
                    raise IncorrectLookupParameters(exc) from exc
        return super().queryset(request, queryset)


admin.FieldListFilter.register(
    lambda field: isinstance(field, models.DateTimeField),
    BoundedDateTimeListFilter,
    take_priority=True,
)


class QuotedRawIdWidget(ForeignKeyRawIdWidget):
    """Django's raw-id box, whose link to the chosen row escapes its key as the admin's
    URLs do (``admin.utils.quote``). Django's own puts the key in as it is, so a text key
    with an underscore followed by two hex digits (the classicmodels product S18_2248:
    "_22" reads as '"') opens the admin index with "doesn't exist" instead of the row."""

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            obj = self.rel.model._default_manager.using(self.db).get(**{key: value})
        except (ValueError, self.rel.model.DoesNotExist, ValidationError):
            return "", ""
        opts = obj._meta
        try:
            url = reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                args=(quote(obj.pk),),
            )
        except NoReverseMatch:
            url = ""  # no admin for the related model
        return Truncator(obj).words(14), url


class QuotedRawIdLinksMixin:
    """A ModelAdmin whose ``raw_id_fields`` link to their rows by the escaped key
    (``QuotedRawIdWidget``): for foreign keys to models with text primary keys."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if (
            "widget" not in kwargs
            and db_field.name in self.raw_id_fields
            and db_field.name not in self.get_autocomplete_fields(request)
        ):
            kwargs["widget"] = QuotedRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RecentDaysFilter(admin.SimpleListFilter):
    """The rows of the last N days, by ``field`` (the datetime they are dated by): the
    monitoring page's counts over a window (7 days) open their list with that window
    chosen in the sidebar."""

    title = "recorded"
    parameter_name = "days"
    field = "created_at"
    CHOICES = (1, 7, 30)

    def days(self) -> int | None:
        value = self.value()
        return int(value) if value and value.isdigit() and 0 < int(value) <= 3660 else None

    def lookups(self, request, model_admin):
        chosen = self.days()
        days = sorted({*self.CHOICES, *([chosen] if chosen else [])})
        return [(str(d), "Last 24 hours" if d == 1 else f"Last {d} days") for d in days]

    def queryset(self, request, queryset):
        days = self.days()
        if days is None:
            return queryset
        return queryset.filter(**{f"{self.field}__gte": timezone.now() - timedelta(days=days)})


class DateRangeListFilter(admin.DateFieldListFilter):
    """Django's date filter, also showing as chosen a range it does not offer (a
    dashboard's link gives one: ``invoice_date__gte=2025-09-01&invoice_date__lt=2025-11-01``
    reads "2025-09-01 to 2025-10-31"), so a list narrowed by a link says so."""

    def choices(self, changelist):
        offered = list(super().choices(changelist))
        since = self.date_params.get(self.lookup_kwarg_since)
        until = self.date_params.get(self.lookup_kwarg_until)
        if (since or until) and not any(choice["selected"] for choice in offered):
            yield {
                "selected": True,
                "query_string": changelist.get_query_string(),
                "display": self.range_label(since, until),
            }
        yield from offered

    @staticmethod
    def range_label(since: str | None, until: str | None) -> str:
        """``since`` (included) to ``until`` (excluded) as the days they cover."""
        if not until:
            return f"From {since}"
        try:
            last = f"{date.fromisoformat(until) - timedelta(days=1)}"
        except (ValueError, OverflowError):  # not a date, or 0001-01-01: no day before it
            last = f"before {until}"
        return f"{since} to {last}" if since else f"Up to {last}"


def local_time(value, format: str = "DATETIME_FORMAT") -> str:
    """An aware datetime in the site's time zone, in the site's ``format``
    (``fleetops.locale_formats``: "2026-11-22 06:00", or "2026-11-22" with
    ``DATE_FORMAT``), for the admin's hand-built cells and tables."""
    return date_format(timezone.localtime(value), format)


def field_column(name: str, description: str, show=None):
    """A ``list_display`` column of the field ``name`` under ``description``, sorted by the
    field, its value passed through ``show`` when given (an empty value stays empty: the
    admin's "-")."""

    @admin.display(description=description, ordering=name)
    def column(obj):
        value = getattr(obj, name)
        return value if show is None or value is None else show(value)

    column.__name__ = name  # the cells' CSS class, field-<name>
    return column


def person(name: str, description: str):
    """A change page's read-only display (a ModelAdmin attribute named in its fields) of
    the user in field ``name``, by username. The admin's own rendering of a foreign key
    links it to the user admin, which only administrators may open: every other role
    would follow it to a 403."""

    @admin.display(description=description)
    def shown(obj):
        user = getattr(obj, name)
        return user.get_username() if user else None  # None: the admin's "-"

    shown.__name__ = f"{name}_name"
    return staticmethod(shown)  # a ModelAdmin attribute, called with the object alone


def fields_shown(model, **shown_as: str) -> list[str]:
    """The read-only fields of ``model``'s change page, each field's name or what shows
    it (``acknowledged_by="acknowledged_by_name"``: a :func:`person`)."""
    return [shown_as.get(f.name, f.name) for f in model._meta.fields if not f.primary_key]


def counts(model, *names: str) -> tuple:
    """``list_display`` columns for the number fields ``names`` of ``model``, shown with
    thousands separators ("8,573"), headed and sorted as the fields themselves.

    Django's admin groups digits only when ``USE_THOUSAND_SEPARATOR`` is on, for every
    number field of the site alike: years would read "2,023" and ids "17,000,599".
    """
    return tuple(
        field_column(name, model._meta.get_field(name).verbose_name, intcomma) for name in names
    )


def page_action_run(
    model_admin: admin.ModelAdmin,
    request,
    object_id: str,
    *,
    offered: Collection[str],
    applies: Callable[[object, str], bool],
    already: Callable[[object], str],
) -> HttpResponse:
    """A changelist action run from an object's own page (its buttons POST ``action``):
    the list's action of that name, on this object alone, when ``applies(obj, name)``;
    else ``already(obj)`` is said. Back to the object's page with the outcome.

    405 but for POST; 404 without the object; 403 for an action not among ``offered``
    or not the user's (``get_actions`` holds only the actions their permissions allow).
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    obj = model_admin.get_object(request, object_id)
    if obj is None:
        raise Http404(f"No such {model_admin.opts.verbose_name}.")
    name = request.POST.get("action", "")
    actions = model_admin.get_actions(request)
    if name not in offered or name not in actions:
        raise PermissionDenied
    if applies(obj, name):
        action = actions[name][0]
        action(model_admin, request, model_admin.get_queryset(request).filter(pk=obj.pk))
    else:
        model_admin.message_user(request, already(obj), messages.WARNING)
    opts = model_admin.opts
    return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", obj.pk)
