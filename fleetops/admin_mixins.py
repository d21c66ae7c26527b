"""Pieces shared by the apps' admin pages."""


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
