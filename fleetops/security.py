"""Login rate limiting: after repeated failures a username (or a client address) is locked out.

Failures are rows in the database, so every web process sees the same count. The
backend refuses to check any password while the lockout holds, so a guessed
password is worthless during it; a successful login clears the username's failures.
"""

import datetime as dt

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils import timezone

from fleetops.env import env_int

MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOCKOUT = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))


def client_ip(request) -> str:
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "")


def login_locked(*, username: str, ip: str) -> bool:
    from fleetops.models import LoginFailure

    since = timezone.now() - LOCKOUT
    recent = LoginFailure.objects.filter(at__gte=since)
    if username and recent.filter(username__iexact=username).count() >= MAX_FAILURES:
        return True
    # A client address gets more room (several people behind one NAT).
    return bool(ip) and recent.filter(ip=ip).count() >= MAX_FAILURES * 4


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
