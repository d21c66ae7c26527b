"""Login rate limiting: after repeated failures a username (or a client address) is locked out.

Failures are rows in the database, so every web process sees the same count. The
backend refuses to check any password while the lockout holds, so a guessed
password is worthless during it; a successful login clears the username's failures.
"""

import datetime as dt
import ipaddress
import math

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format

from fleetops.env import env_int

MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOCKOUT = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))


def client_ip(request) -> str:
    """The client's address: the connection's, or behind ``FLEETOPS_TRUSTED_PROXIES``
    proxies the one the outermost proxy put in ``X-Forwarded-For`` (that many entries
    from the right; what a client writes there itself stands further left). Without
    it, every login behind a load balancer would share the balancer's address, and 20
    failures from anyone would lock everyone out."""
    if request is None:
        return ""
    proxies = settings.FLEETOPS_TRUSTED_PROXIES
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(hops) >= proxies and _is_address(hops[-proxies]):
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def lockout_ends(*, username: str, ip: str) -> dt.datetime | None:
    """When the lockout of ``username`` (or of the client address ``ip``) ends, or None
    when neither is locked out: a lockout holds while the window holds the limit of
    failures, so it ends a window after the oldest of the last ``limit`` failures."""
    from fleetops.models import LoginFailure

    recent = LoginFailure.objects.filter(at__gte=timezone.now() - LOCKOUT).order_by("-at")
    ends = []
    # A client address gets more room (several people behind one NAT).
    for failures, limit in (
        (recent.filter(username__iexact=username) if username else None, MAX_FAILURES),
        (recent.filter(ip=ip) if ip else None, MAX_FAILURES * 4),
    ):
        if failures is not None:
            times = list(failures.values_list("at", flat=True)[:limit])
            if len(times) >= limit:
                ends.append(times[-1] + LOCKOUT)
    return max(ends, default=None)


def login_locked(*, username: str, ip: str) -> bool:
    return lockout_ends(username=username, ip=ip) is not None


class LockoutMessageMixin:
    """A login form that says a lockout is a lockout, and until when, instead of "your
    username and password didn't match" for the right password. Checked before the
    password (which is not tried, nor counted as another failure, while locked)."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ends = lockout_ends(username=username, ip=client_ip(self.request))
        if ends is not None:
            minutes = max(1, math.ceil((ends - timezone.now()).total_seconds() / 60))
            raise ValidationError(
                "Too many failed logins for this username or from this network: logging "
                "in is locked until %(time)s (%(minutes)s min). Ask an administrator if "
                "you cannot wait.",
                code="locked",
                params={"time": date_format(timezone.localtime(ends), "TIME_FORMAT"),
                        "minutes": minutes},
            )  # fmt: skip
        return super().clean()


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass


class RateLimitedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if login_locked(username=username or "", ip=client_ip(request)):
            raise PermissionDenied("Too many failed logins; try again later.")
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _record_failure(sender, credentials, request=None, **kwargs):
    from fleetops.models import LoginFailure

    LoginFailure.objects.create(
        username=credentials.get("username", "")[:150], ip=client_ip(request)
    )


@receiver(user_logged_in)
def _clear_failures(sender, request, user, **kwargs):
    from fleetops.models import LoginFailure

    LoginFailure.objects.filter(username__iexact=user.get_username()).delete()
