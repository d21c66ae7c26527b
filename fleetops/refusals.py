"""Why a page was refused, in plain words, for the 403 page.

``permission_required(..., raise_exception=True)`` and the admin refuse without saying
which permission was missing, so the refused page is looked up here: a page named in
``PAGE_PERMISSIONS``, an admin page (its model and action), or a page in a dashboard's
section (its permission). The permission's own name ("Can view the inventory
dashboard"), the roles that hold it and the user's roles are read from the database.
"""

from dataclasses import dataclass

from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import Resolver404, resolve

from fleetops.dashboards import DASHBOARDS
from fleetops.roles import ROLES

# Pages guarded by a permission other than their dashboard's: view name -> (what, perm).
PAGE_PERMISSIONS = {
    "monitoring:alert_ack": ("acknowledging an alert", "monitoring.acknowledge_alert"),
}
# Admin URL name suffixes (``<app>_<model>_<action>``): the permission codename's verb and
# how the page is described.
ADMIN_ACTIONS = {
    "changelist": ("view", "viewing {plural}"),
    "change": ("view", "viewing {plural}"),
    "history": ("view", "viewing {plural}"),
    "add": ("add", "adding {singular}"),
    "delete": ("delete", "deleting {plural}"),
    "import": ("import", "importing {plural}"),
    "process_import": ("import", "importing {plural}"),
    "upload": ("import", "uploading {plural}"),
    "export": ("export", "exporting {plural}"),
}


@dataclass(frozen=True)
class Refusal:
    what: str  # "the Inventory dashboard"; "" when the page is not known
    permission: str  # its name: "Can view the inventory dashboard"; "" when not known
    roles_with_it: list[str]
    your_roles: list[str]
    reason: str  # the refusal's own message, when it gave one


def _admin_page(view_name: str) -> tuple[str, str] | None:
    url_name = view_name.removeprefix("admin:")
    for model in admin.site._registry:
        meta = model._meta
        prefix = f"{meta.app_label}_{meta.model_name}_"
        action = url_name.removeprefix(prefix)
        if action != url_name and action in ADMIN_ACTIONS:
            verb, what = ADMIN_ACTIONS[action]
            names = {"plural": meta.verbose_name_plural, "singular": meta.verbose_name}
            return what.format(**names), f"{meta.app_label}.{verb}_{meta.model_name}"
    return None


def refused_page(request) -> tuple[str, str] | None:
    """(what the page is, the dotted permission it needs), or None when unknown."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
    view_name = match.view_name if match else ""
    if view_name in PAGE_PERMISSIONS:
        return PAGE_PERMISSIONS[view_name]
    if view_name.startswith("admin:"):
        return _admin_page(view_name)
    for d in DASHBOARDS:
        if request.path_info.startswith(d.section):
            return f"the {d.title} dashboard", d.permission
    return None


def _ordered(roles) -> list[str]:
    """The staff roles first, in the order the README lists them, then any other group."""
    rank = {role: i for i, role in enumerate(ROLES)}
    return sorted(roles, key=lambda name: (rank.get(name, len(ROLES)), name))


def refusal_for(request, exception=None) -> Refusal:
    user = getattr(request, "user", None)
    your_roles = (
        _ordered(user.groups.values_list("name", flat=True))
        if user is not None and user.is_authenticated
        else []
    )
    reason = str(exception or "").strip()
    page = refused_page(request)
    if page is not None and user is not None and user.has_perm(page[1]):
        page = None  # refused for another reason than this permission: don't guess
    permission = None
    if page is not None:
        app_label, codename = page[1].split(".", 1)
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
    if permission is None:
        return Refusal("", "", [], your_roles, reason)
    holders = Group.objects.filter(permissions=permission).values_list("name", flat=True)
    return Refusal(page[0], permission.name, _ordered(holders), your_roles, reason)
