"""FleetOps settings: one module, every deployment difference read from the environment.

See the configuration table in README.md. Unset ``DATABASE_URL`` means the
embedded SQLite database in ``var/``; ``DEBUG`` is off unless switched on, and
with it off a real ``SECRET_KEY`` and ``ALLOWED_HOSTS`` are required.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from fleetops.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("FLEETOPS_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

_INSECURE_KEY = "django-insecure-fleetops-development-only"
SECRET_KEY = env_str("SECRET_KEY", _INSECURE_KEY if DEBUG else None)
if not DEBUG and (
    SECRET_KEY is None or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off "
        "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_q",
    "import_export",
    "fleetops",
    "inventory",
    "invoices",
    "sales",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fleetops.uploads.UploadSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "fleetops.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fleetops.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "fleetops.urls"
WSGI_APPLICATION = "fleetops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fleetops.context_processors.navigation",
                "monitoring.context_processors.alert_banner",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL"), sqlite_path=VAR_DIR / "fleetops.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["fleetops.security.RateLimitedModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/Chicago")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not a known time zone.") from None
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["fleetops.locale_formats"]  # dates as 2026-11-22 06:00

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js comes from the installed plotly package, never from a CDN.
    "fleetops.staticfiles.PlotlyJsFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# Where staff reach FleetOps, for the links in e-mails (an alert's "review it on the
# monitoring dashboard"): the development server's address under DEBUG.
FLEETOPS_SITE_URL = (
    env_str("FLEETOPS_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "") or ""
).rstrip("/")
# Uploads (feeds, invoices, CSV imports) above this size are refused before
# they are read whole.
FLEETOPS_MAX_UPLOAD_BYTES = env_int("FLEETOPS_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
# Reverse proxies (load balancers) in front of the web processes that append the client's
# address to X-Forwarded-For: the login lockout counts failures per client address, which
# behind a proxy is that many entries from the header's right (entries further left are
# whatever the client sent). 0: no proxy, the connection's own address.
FLEETOPS_TRUSTED_PROXIES = env_int("FLEETOPS_TRUSTED_PROXIES", 0)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Retention (fleetops.retention, daily schedule and `manage.py prune`): rows older than
# these many days are pruned unless still referenced. The audit trail is never pruned.
FLEETOPS_RETENTION_DAYS = {
    "raw_invoices": env_int("RETENTION_RAW_INVOICE_DAYS", 365),
    "metrics": env_int("RETENTION_METRIC_DAYS", 180),
    "task_successes": env_int("RETENTION_TASK_SUCCESS_DAYS", 30),
    "task_failures": env_int("RETENTION_TASK_FAILURE_DAYS", 90),
    "login_failures": env_int("RETENTION_LOGIN_FAILURE_DAYS", 30),
    "upload_files": env_int("RETENTION_UPLOAD_FILE_DAYS", 30),
    "runs": env_int("RETENTION_RUN_DAYS", 365),
}

# E-mail: console in development, SMTP from the environment in production.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "fleetops.mail.ConsoleEmailBackend"  # the console backend on stderr
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "FleetOps <fleetops@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# django-q2 on the ORM broker: tasks live in our own database, transactional
# with the data they change. retry > timeout so a long task is never handed to
# a second worker while it still runs; failures are acknowledged, not replayed.
Q_CLUSTER = {
    "name": env_str("Q_CLUSTER_NAME", "fleetops"),
    "orm": "default",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": env_int("Q_TIMEOUT", 1800),
    "retry": env_int("Q_RETRY", env_int("Q_TIMEOUT", 1800) + 300),
    "max_attempts": 3,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 5000,
    "poll": 1,
    "label": "Background tasks",
}

# A run still "running" with no heartbeat for this long is marked failed by the reaper
# (fleetops.runs): a cluster task cannot outlive Q_TIMEOUT, and runs touch their heartbeat
# between batches, so silence past the retry delay means the worker is gone.
FLEETOPS_RUN_STALE_SECONDS = env_int("RUN_STALE_SECONDS", Q_CLUSTER["retry"])

# django-import-export: only users holding the model's import/export
# permission see the buttons; temporary files go to media, not /tmp.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True  # with our formats: = + - @ tab CR

# Fullbay API (invoices). The key is bound to the caller's public IP.
FULLBAY_BASE_URL = env_str("FULLBAY_BASE_URL", "https://app.fullbay.com")
FULLBAY_API_KEY = env_str("FULLBAY_API_KEY", "")
FULLBAY_PUBLIC_IP = env_str("FULLBAY_PUBLIC_IP", "")
# Each request waits at most this long for any read and this long for its whole answer (a
# server trickling bytes never trips the first); a failed one is tried again this many times,
# after a backoff that doubles from this many seconds (a Retry-After is waited instead).
FULLBAY_TIMEOUT_SECONDS = env_int("FULLBAY_TIMEOUT_SECONDS", 30)
FULLBAY_DEADLINE_SECONDS = env_int("FULLBAY_DEADLINE_SECONDS", 120)
FULLBAY_RETRIES = env_int("FULLBAY_RETRIES", 4)
FULLBAY_BACKOFF_SECONDS = env_int("FULLBAY_BACKOFF_SECONDS", 1)
for _name, _value, _least in (
    ("FULLBAY_TIMEOUT_SECONDS", FULLBAY_TIMEOUT_SECONDS, 1),
    ("FULLBAY_DEADLINE_SECONDS", FULLBAY_DEADLINE_SECONDS, 1),
    ("FULLBAY_RETRIES", FULLBAY_RETRIES, 0),
    ("FULLBAY_BACKOFF_SECONDS", FULLBAY_BACKOFF_SECONDS, 0),
):
    if _value < _least:
        raise ImproperlyConfigured(f"{_name}={_value} must be at least {_least}.")

NINJA_PAGINATION_PER_PAGE = 50

# Production hardening: on whenever DEBUG is off (check --deploy stays clean).
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"client_errors": {"()": "fleetops.logs.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers (a console one under DEBUG, mail to ADMINS, who are none)
        # would print each of its records a second time besides root's console
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"filters": ["client_errors"]},  # a 403 or 404 is one line
        "django.db.backends": {"level": "WARNING"},
    },
}
