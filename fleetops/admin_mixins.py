"""Pieces shared by the apps' admin pages."""

from django.contrib import admin
from django.contrib.humanize.templatetags.humanize import intcomma


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


def counts(model, *names: str) -> tuple:
    """``list_display`` columns for the number fields ``names`` of ``model``, shown with
    thousands separators ("8,573"), headed and sorted as the fields themselves.

    Django's admin groups digits only when ``USE_THOUSAND_SEPARATOR`` is on, for every
    number field of the site alike: years would read "2,023" and ids "17,000,599".
    """

    def column(name: str):
        @admin.display(description=model._meta.get_field(name).verbose_name, ordering=name)
        def show(obj):
            value = getattr(obj, name)
            return "-" if value is None else intcomma(value)

        show.__name__ = name
        return show

    return tuple(column(name) for name in names)
