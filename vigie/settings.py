"""Django settings for Vigie. Every value comes from ``vigie.core.config`` (``VIGIE_*`` variables)."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from vigie.core import config as vigie_config

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent
VIGIE = vigie_config.load(BASE_DIR)

DEBUG = VIGIE.debug
SECRET_KEY = VIGIE.secret_key
ALLOWED_HOSTS = VIGIE.allowed_hosts
CSRF_TRUSTED_ORIGINS = VIGIE.csrf_trusted_origins
SITE_URL = VIGIE.site_url

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "huey.contrib.djhuey",
    "vigie.core",
    "vigie.tenancy",
    "vigie.accounts",
    "vigie.servicedesk",
    "vigie.notifications",
    "vigie.catalog",
    "vigie.sla",
    "vigie.reports",
    "vigie.cmdb",
    "vigie.contracts",
    "vigie.changes",
    "vigie.problems",
    "vigie.knowledge",
    "vigie.monitoring",
    "vigie.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "vigie.core.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "vigie.core.middleware.MfaEnforcementMiddleware",
]

ROOT_URLCONF = "vigie.urls"
WSGI_APPLICATION = "vigie.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vigie.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": VIGIE.database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: e-mail login, TOTP MFA, rate limits on login and password reset.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "vigie.accounts.adapter.VigieAccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/5m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
ACCOUNT_PREVENT_ENUMERATION = True
# No public sign-up: a reset asked for an unknown address sends nothing (no "sign up" invitation).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Vigie"

LANGUAGE_CODE = VIGIE.language
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = VIGIE.time_zone

STATIC_URL = "/static/"
STATIC_ROOT = VIGIE.data_dir / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = VIGIE.data_dir / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if VIGIE.production
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not VIGIE.production

CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": VIGIE.redis_url}}
    if VIGIE.redis_url
    else {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "vigie_cache",
        }
    }
)

# Background work: Huey on SQLite by default, Redis when configured.
if VIGIE.redis_url:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "vigie",
        "url": VIGIE.redis_url,
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "vigie",
        "filename": str(VIGIE.data_dir / "huey.sqlite3"),
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = VIGIE.email.host
EMAIL_PORT = VIGIE.email.port
EMAIL_HOST_USER = VIGIE.email.user
EMAIL_HOST_PASSWORD = VIGIE.email.password
EMAIL_USE_TLS = VIGIE.email.use_tls
EMAIL_USE_SSL = VIGIE.email.use_ssl
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = VIGIE.email.default_from
SERVER_EMAIL = VIGIE.email.default_from

FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = VIGIE.max_inbound_email_bytes + 1024 * 1024
VIGIE_MAX_ATTACHMENT_BYTES = VIGIE.max_attachment_bytes
VIGIE_MAX_INBOUND_EMAIL_BYTES = VIGIE.max_inbound_email_bytes
VIGIE_MAX_ALERT_INTAKE_BYTES = VIGIE.max_alert_intake_bytes
VIGIE_METRICS_RAW_DAYS = VIGIE.metrics_raw_days
VIGIE_PING_BODY_LIMIT = VIGIE.ping_body_limit
VIGIE_RESTORE_TEST_MAX_AGE_DAYS = VIGIE.restore_test_max_age_days
VIGIE_PING_BATCHES = VIGIE.ping_batches

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "vigie.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "vigie.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "vigie.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vigie API",
    "DESCRIPTION": "REST API v1 of Vigie: organisations, users, groups, categories and tickets.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "vigie.api.schema.document_errors"],
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "vigie.servicedesk.models.TicketStatus",
        "LevelEnum": "vigie.servicedesk.models.Level",
        "ChannelEnum": "vigie.servicedesk.models.Channel",
        "InputChannelEnum": "vigie.api.serializers.tickets.INPUT_CHANNELS",
        "OrganizationKindEnum": "vigie.tenancy.models.OrganizationKind",
        "EventKindEnum": "vigie.servicedesk.models.EventKind",
        "PriorityEnum": "vigie.servicedesk.models.Priority",
        "TicketTypeEnum": "vigie.servicedesk.models.TicketType",
        "ClockStateEnum": "vigie.sla.models.ClockState",
        "SurveyStateEnum": "vigie.api.serializers.satisfaction.STATE_CHOICES",
        "ArticleStatusEnum": "vigie.knowledge.models.ArticleStatus",
        "RequestFieldKindEnum": "vigie.catalog.models.FieldKind",
        "ApprovalRuleEnum": "vigie.catalog.models.ApprovalRule",
        "ChangeTypeEnum": "vigie.changes.models.ChangeType",
        "ApproverRoleEnum": "vigie.changes.models.ApproverRole",
        "RoleEnum": "vigie.tenancy.models.Role",
        "ReviewOutcomeEnum": "vigie.changes.models.ReviewOutcome",
        "ProblemStatusEnum": "vigie.problems.models.ProblemStatus",
        "KnownErrorStatusEnum": "vigie.problems.models.KnownErrorStatus",
        "AlertSeverityEnum": "vigie.monitoring.models.AlertSeverity",
        "AlertStatusEnum": "vigie.monitoring.models.AlertStatus",
        "IntakeSourceKindEnum": "vigie.monitoring.models.SourceKind",
        "NotificationChannelKindEnum": "vigie.monitoring.models.ChannelKind",
        "RecurrenceEnum": "vigie.monitoring.models.Recurrence",
        "CheckKindEnum": "vigie.monitoring.models.CheckKind",
        "CheckStatusEnum": "vigie.monitoring.models.CheckStatus",
        "ScheduleKindEnum": "vigie.monitoring.models.ScheduleKind",
        "RestoreResultEnum": "vigie.monitoring.models.RestoreResult",
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if VIGIE.production:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Behind the reverse proxy every request comes from the proxy: login rate limits must count
    # the client address the proxy appends to X-Forwarded-For, not the proxy's own.
    ALLAUTH_TRUSTED_PROXY_COUNT = 1

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "INFO"}, "huey": {"level": "INFO", "propagate": False, "handlers": ["console"]}},
}

# The KPI indexes carry extra columns on PostgreSQL (covering indexes); SQLite has no such
# indexes and builds them on the key columns alone, which is what it should do.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Agentless probes (``vigie probe``, docs/monitoring/probes.md).
VIGIE_RDAP_BASE_URL = vigie_config.read("RDAP_BASE_URL", "https://rdap.org/")
VIGIE_PROBE_NAMESERVER = vigie_config.read("PROBE_NAMESERVER", "") or ""
VIGIE_PROBE_CA_FILE = vigie_config.read("PROBE_CA_FILE", "") or ""
VIGIE_PROBE_RESULT_RETENTION_DAYS = vigie_config.read_int("PROBE_RESULT_RETENTION_DAYS", 90)
VIGIE_PROBE_LEASE_SECONDS = vigie_config.read_int("PROBE_LEASE_SECONDS", 30)
VIGIE_PROBE_CATCH_UP_SECONDS = vigie_config.read_int("PROBE_CATCH_UP_SECONDS", 300)
