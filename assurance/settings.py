"""Settings for Relational Assurance, driven by environment variables.

Every variable is listed, with its default, in `.env.example`. The embedded default is one
process, SQLite in the project folder and the database task backend; production sets
DATABASE_URL to PostgreSQL (see docs/deployment.md).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """The variable's value; set but empty counts as unset, as in an env file's `NAME=`."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    """A comma list; set but empty means an empty list, not the default."""
    value = os.environ.get(name)
    items = (default if value is None else value).split(",")
    return [item.strip() for item in items if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
_INSECURE_DEV_KEY = "django-insecure-relational-assurance-development-only"
SECRET_KEY = env("DJANGO_SECRET_KEY", _INSECURE_DEV_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "csp",
    "django_tasks",
    "django_tasks_db",
    # -- history: who changed what, when (django-simple-history) --
    "simple_history",
    "assurance",
    "standards",
    "reviews",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # -- history: names the signed-in person on every history record a request writes --
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "assurance.urls"
WSGI_APPLICATION = "assurance.wsgi.application"
ASGI_APPLICATION = "assurance.asgi.application"

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
                "assurance.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker and the web server share the file; IMMEDIATE transactions take
    # the write lock up front, so concurrent writers wait instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "assurance.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a sign-in while the account or address is locked out.
    "assurance.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email addresses are the login; accounts arrive by invitation, not open signup.
ACCOUNT_ADAPTER = "assurance.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"

# --- Authentication hardening (docs/security.md): MFA, single sign-on, login throttling. ---
INSTALLED_APPS += [
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "axes",
]
MIDDLEWARE += [
    # After authentication and messages: it signs out expired sessions and sends people whose
    # role needs two-factor authentication to set it up.
    "assurance.security.SecurityMiddleware",
    # django-axes turns a refused sign-in into the lockout page; it must come last.
    "axes.middleware.AxesMiddleware",
]

# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) and recovery codes.
# People holding any role in MFA_REQUIRED_ROLES must set it up before they see any other page;
# the role names are in assurance/security.py (ROLE_NAMES).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "Relational Assurance")
# A code from the 30 seconds before also counts: phones' clocks drift, and typing takes time.
MFA_TOTP_TOLERANCE = 1
MFA_ADAPTER = "assurance.adapters.MFAAdapter"
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", "coordinator,commissioner")

# Single sign-on by OpenID Connect (for example Microsoft Entra ID), only when OIDC_CLIENT_ID is
# set. It signs in people who already have an account (they joined by invitation); it never
# creates one (assurance.adapters.SocialAccountAdapter).
SOCIALACCOUNT_ADAPTER = "assurance.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
# Whether the identity provider's email address may be trusted as verified even when its token
# has no `email_verified` claim (Entra ID sends none). Only for a provider that the
# organisation runs itself, whose addresses it issues.
OIDC_EMAIL_IS_VERIFIED = env_bool("OIDC_EMAIL_IS_VERIFIED", False)
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": env("OIDC_PROVIDER_ID", "sso"),
                "name": env("OIDC_NAME", "your organisation's account"),
                "client_id": env("OIDC_CLIENT_ID"),
                "secret": env("OIDC_CLIENT_SECRET"),
                "settings": {"server_url": env("OIDC_SERVER_URL")},
            }
        ]
        if env("OIDC_CLIENT_ID")
        else [],
    }
}
if env("OIDC_CLIENT_ID") and not env("OIDC_SERVER_URL"):
    raise ImproperlyConfigured("OIDC_SERVER_URL must be set when OIDC_CLIENT_ID is.")

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed sign-ins, the account is
# locked, and so is the address they came from, each on its own, for the cool-off.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# allauth's sign-in form calls the address `login` and authenticates with `email`.
AXES_USERNAME_CALLABLE = "assurance.security.login_email"
AXES_LOCKOUT_CALLABLE = "assurance.security.lockout_response"
AXES_RESET_ON_SUCCESS = True
# A try during the cool-off does not start it again, so it ends when the lockout page says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Behind a reverse proxy, the client's address is in X-Forwarded-For: set how many proxies.
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if env_int("AXES_PROXY_COUNT", 0) else ("REMOTE_ADDR",)
)
# --- end of authentication hardening ---

# django-guardian: no anonymous user row; every object permission belongs to a real person.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Relational Assurance <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)

# Sessions: the idle expiry is renewed as a signed-in person uses the site (at most one session
# write a minute) and the absolute limit, counted from sign-in, is enforced, both by
# assurance.security.SecurityMiddleware.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # media is only ever served through permission-checked views


# --- Operations: where files live, and the optional Redis (docs/deployment.md) ---
def file_storage() -> dict:
    """Uploaded evidence and rendered reports: files under MEDIA_ROOT, or a private bucket in
    S3-compatible object storage when STORAGE_S3_BUCKET is set. Either way every file is read
    through the storage API and served only by permission-checked views, never by a link to
    the bucket: objects are private and any URL the storage makes is signed and short-lived."""
    bucket = env("STORAGE_S3_BUCKET")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            # Unset values fall back to boto3's own lookup (an instance role, ~/.aws).
            "endpoint_url": env("STORAGE_S3_ENDPOINT_URL") or None,
            "region_name": env("STORAGE_S3_REGION") or None,
            "access_key": env("STORAGE_S3_ACCESS_KEY_ID") or None,
            "secret_key": env("STORAGE_S3_SECRET_ACCESS_KEY") or None,
            "location": env("STORAGE_S3_PREFIX"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "custom_domain": None,
            # Like the file system: a name in use gets a new one rather than being replaced.
            "file_overwrite": False,
        },
    }


def cache_and_sessions() -> tuple[dict, str]:
    """The cache and the session engine: per-process memory and database sessions, or Redis
    when REDIS_URL is set. With Redis, sessions are cached_db: read from Redis, written through
    to the database, so a Redis restart or eviction never signs anyone out in the middle of
    their work. The shared cache also makes allauth's rate limits count across processes."""
    url = env("REDIS_URL")
    if not url:
        return (
            {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
            "django.contrib.sessions.backends.db",
        )
    return (
        {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}},
        "django.contrib.sessions.backends.cached_db",
    )


CACHES, SESSION_ENGINE = cache_and_sessions()
# --- end of operations: files and Redis ---

STORAGES = {
    "default": file_storage(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Framework uploads are YAML documents: a few MB at most.
FRAMEWORK_MAX_UPLOAD_BYTES = env_int("FRAMEWORK_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = FRAMEWORK_MAX_UPLOAD_BYTES + 1024 * 1024
# Evidence files (reviews/evidence.py). Multipart files do not count towards
# DATA_UPLOAD_MAX_MEMORY_SIZE; files over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) are spooled to a
# temporary file while the request is read, then checked and refused before anything is stored.
EVIDENCE_MAX_UPLOAD_BYTES = env_int("EVIDENCE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# The longest one PDF render may take in the task worker before it is stopped and marked failed.
REPORT_RENDER_SECONDS = env_int("REPORT_RENDER_SECONDS", 120)

# --- Retention (`manage.py purge_expired`, run daily; docs/operations.md) ---
# Evidence (files, links and notes) is kept this many days after its review finished, that is
# its last move into published, closed or withdrawn; evidence of a review still in progress is
# never purged. Seven years by default. Access-log entries are kept two years from the read.
EVIDENCE_RETENTION_DAYS = env_int("EVIDENCE_RETENTION_DAYS", 2557)
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 730)
if EVIDENCE_RETENTION_DAYS < 1 or ACCESS_LOG_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("Retention periods must be at least one day.")
# --- end of retention ---

# Background tasks: the Django Tasks API with the database backend and its db_worker.
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "assurance.rest.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "assurance.rest.problem_exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Relational Assurance API",
    "DESCRIPTION": (
        "Self-assessment, peer review and improvement reports for services that work through "
        "relationships. Every list is filtered by what the signed-in person may see."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from our own static files (the sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # -- API fuzzing: the problem responses (400/403/404) every operation declares --
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "assurance.rest.declare_problem_responses",
    ],
}
FORM_RENDERER = "assurance.forms.GovUKFormRenderer"

# Content Security Policy (django-csp 4): nothing inline, everything from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
