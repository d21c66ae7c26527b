import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A per-user API token. Only its SHA-256 is stored; the key is shown once."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'Power BI'.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, editable=False, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Leave empty for a token that does not expire."
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate_key() -> str:
        return "fo_" + secrets.token_urlsafe(32)

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class AuditEntry(models.Model):
    """Who did what, when: written in the same transaction as the change it records."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # indexed below, without the system's rows
        help_text="Empty for the system (schedules, automatic closes).",
    )
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-created_at", "-id"]
        # Every automatic change of a run writes a row (a daily reconciliation at a million
        # vehicles clears ~100k exceptions), so each index here is paid per row: the
        # actor's leaves out the system's rows (no actor), and the action's is a plain
        # B-tree (a CharField's db_index adds a LIKE twin on PostgreSQL no query uses).
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action"], name="audit_action"),
            models.Index(
                fields=["actor"], name="audit_actor", condition=models.Q(actor__isnull=False)
            ),
        ]

    def __str__(self):
        who = self.actor or "system"
        when = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{when} {who} {self.action} {self.object_type} {self.object_id}"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    REJECTED = "rejected", "Rejected"


class RunBase(models.Model):
    """What every background run records: one row per run, with status and timing.

    Inventory feed imports, reconciliations and invoice ingests subclass it; the
    monitoring app reads these rows (never log files).
    """

    status = models.CharField(
        max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING, db_index=True
    )
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for scheduled runs.",
    )
    error = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last sign of life of a running run (touched between batches); a run silent "
        "for too long is marked failed by the stale-run reaper.",
    )

    class Meta:
        abstract = True
        ordering = ["-started_at", "-id"]

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def is_queued(self) -> bool:
        """Work waiting for a worker of the task cluster (an upload, a queued run): created
        "running" (so the reaper and the run lists treat it as one), never touched by a
        worker yet."""
        return self.status == RunStatus.RUNNING and self.heartbeat_at is None

    @property
    def status_label(self) -> str:
        """The status as pages show it: ``Queued`` until a worker starts the run."""
        return "Queued" if self.is_queued else self.get_status_display()


class LoginFailure(models.Model):
    """A failed login, kept for the lockout window (see fleetops.security)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.CharField(max_length=45, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.username or '?'} from {self.ip or '?'} at {self.at:%Y-%m-%d %H:%M}"
