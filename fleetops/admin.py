from django.contrib import admin, messages
from django.utils import timezone

from fleetops.admin_mixins import (
    BoundedDateHierarchyMixin,
    ServiceWrittenMixin,
    fields_shown,
    person,
)
from fleetops.models import ApiToken, AuditEntry
from fleetops.security import AdminLoginForm
from fleetops.services import api_token_create, api_token_revoke
from fleetops.text import counted

admin.site.site_header = "FleetOps administration"
admin.site.site_title = "FleetOps"
admin.site.index_title = "Back office"
admin.site.index_template = "admin/fleetops_index.html"
# No app list beside every page: the triage lists have ten columns and a filter panel,
# which a laptop screen cannot fit next to it. The index and the breadcrumbs navigate.
admin.site.enable_nav_sidebar = False
admin.site.login_form = AdminLoginForm  # says a lockout is one (fleetops.security)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "last_used_at", "state")
    list_filter = ("revoked_at", "expires_at")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    raw_id_fields = ("user",)
    fields = ("user", "name", "expires_at", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    @admin.display(description="State")
    def state(self, obj):
        if obj.revoked_at:
            return "revoked"
        if obj.expires_at and obj.expires_at <= timezone.now():
            return "expired"
        return "active"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:  # a token's owner and name are fixed once created
            return (*self.readonly_fields, "user", "name", "expires_at")
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, key = api_token_create(
            user=obj.user, name=obj.name, expires_at=obj.expires_at, actor=request.user
        )
        obj.pk = token.pk
        self.message_user(
            request,
            f"Token created. Copy this key now, it is not shown again: {key}",
            messages.WARNING,
        )

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = sum(api_token_revoke(token=t, actor=request.user) for t in queryset)
        self.message_user(request, f"{counted(revoked, 'token')} revoked.", messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(BoundedDateHierarchyMixin, ServiceWrittenMixin, admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "object_type", "object_id", "note")
    list_filter = ("action", "object_type")
    list_select_related = ("actor",)
    search_fields = ("object_id", "note", "actor__username")
    actor_name = person("actor", "actor")

    def get_readonly_fields(self, request, obj=None):
        return fields_shown(AuditEntry, actor="actor_name")

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    date_hierarchy = "created_at"
    show_full_result_count = False
