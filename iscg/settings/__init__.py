"""Settings for development and tests, read from the environment (django-environ).

Production overrides live in ``iscg.settings.production``.
"""

import warnings
from pathlib import Path

import environ

# pyHanko imports DSA key types, which cryptography 51 deprecates: a warning at every process's
# first seal, about pyHanko's code (the seal is RSA); kept out of the workers' logs.
warnings.filterwarnings("ignore", message="DSA is deprecated")

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env(
    DEBUG=(bool, True),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "testserver"]),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
#: Keys of development and of the demo server (make run): production refuses them (a deploy
#: check, iscg.checks, and iscg.settings.production at start).
DEVELOPMENT_SECRET_KEYS = frozenset(
    {
        "dev-insecure-secret-key-change-me-in-production-0123456789",
        "demo-only-secret-key-not-for-production-iscg-conventions-2026",
    }
)
if DEBUG:
    SECRET_KEY = env(
        "SECRET_KEY", default="dev-insecure-secret-key-change-me-in-production-0123456789"
    )
else:
    # No default: a server without DEBUG refuses to start without a real secret.
    SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "import_export",
    "axes",
    "django_htmx",
    "django_tasks_db",
    "iscg",
    "conventions",
    "financing",
    "reporting",
    "home",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A NUL character in the address or a form: 400, before any view reads it.
    "iscg.middleware.RejectNulMiddleware",
    # A session left idle too long is closed (SESSION_IDLE_HOURS).
    "iscg.middleware.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A reference two organisations share, read by someone who sees both: the page to choose.
    "conventions.middleware.ConventionChoiceMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
    # After every other middleware's process_view: it runs the view of a write itself.
    "iscg.middleware.AtomicWritesMiddleware",
]

ROOT_URLCONF = "iscg.urls"
WSGI_APPLICATION = "iscg.wsgi.application"

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
                "django.template.context_processors.csp",
                "iscg.context_processors.navigation",
            ],
            "builtins": ["iscg.templatetags.iscg_tags"],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Requests that write run in one transaction each (iscg.middleware.AtomicWritesMiddleware);
# reads run in autocommit, so that no page holds SQLite's write lock while it renders.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo server (make run) on SQLite: several people logging in at once must wait for
    # the write lock, not fail with "database is locked". Transactions take the lock at BEGIN
    # (a deferred one cannot wait when it upgrades), WAL lets reads go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "iscg.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 first (Django's recommended hasher, about 4 times cheaper per login here than PBKDF2
# for a memory-hard hash); older PBKDF2 hashes still verify and are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# Off: years and ids must not print as "2 023"; money and counts use the euros/nombre filters.
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
FILE_UPLOAD_PERMISSIONS = 0o640


# E-mail: EMAIL_URL such as smtp+tls://user:password@smtp.example.fr:587 (console by default),
# turned into Django 6.1's MAILERS setting.
def build_mailers(email: dict) -> dict:
    options = {}
    if email["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
        pairs = [
            ("host", "EMAIL_HOST"),
            ("port", "EMAIL_PORT"),
            ("username", "EMAIL_HOST_USER"),
            ("password", "EMAIL_HOST_PASSWORD"),
            ("use_tls", "EMAIL_USE_TLS"),
            ("use_ssl", "EMAIL_USE_SSL"),
        ]
        options = {key: email[name] for key, name in pairs if email.get(name) not in (None, "")}
    return {"default": {"BACKEND": email["EMAIL_BACKEND"], "OPTIONS": options}}


MAILERS = build_mailers(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ISCG <no-reply@iscg.localhost>")
# Where users report an accessibility problem (the statement page, /accessibilite/).
ACCESSIBILITY_CONTACT_EMAIL = env(
    "ACCESSIBILITY_CONTACT_EMAIL", default="accessibilite@iscg.localhost"
)

# Content-Security-Policy (Django >= 6.0): no inline script, everything served by us.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Brute-force protection (iscg.login_limits, on django-axes): the sixth wrong password in a row
# locks the account for a while; LOGIN_IP_FAILURE_LIMIT failures from one network address, on
# any accounts, within that time lock the address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=6)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=20)
#: Reverse proxies in front of the application that append the client to X-Forwarded-For
#: (nginx of docs/deployment.md: 1; production's default). 0: the connection's address.
LOGIN_TRUSTED_PROXIES = env.int("LOGIN_TRUSTED_PROXIES", default=0)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "iscg.login_limits.LoginAttemptsHandler"
AXES_USERNAME_CALLABLE = "iscg.login_limits.username_of"
AXES_CLIENT_IP_CALLABLE = "iscg.login_limits.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# Task queue (Django's tasks on django-tasks-db): the queue lives in the project's database, so
# a task enqueued inside a transaction exists only once it commits; `manage.py worker` runs them
# (`make run` starts one; production runs them as their own processes: docs/deployment.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
#: Attempts of a failing task before it shows on the failures page (30 s, 1, 2, 4 min between).
TASK_MAX_ATTEMPTS = env.int("TASK_MAX_ATTEMPTS", default=5)
#: A worker's heartbeat period, and the silence after which its running tasks are requeued.
TASK_HEARTBEAT_SECONDS = env.float("TASK_HEARTBEAT_SECONDS", default=10)
TASK_STALE_SECONDS = env.float("TASK_STALE_SECONDS", default=60)
#: Hour (local) from which the daily tasks (reminders) are enqueued each day.
TASK_DAILY_HOUR = env.int("TASK_DAILY_HOUR", default=7)
#: Base URL of the links in e-mails sent by tasks (no request to read it from).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Pastell (Libriciel), the operator's platform that sends the signed acts to the contrôle de
# légalité (@ctes): unset, the transmission stops at the package, deposited by hand.
PASTELL_URL = env("PASTELL_URL", default="")
PASTELL_LOGIN = env("PASTELL_LOGIN", default="")
PASTELL_PASSWORD = env("PASTELL_PASSWORD", default="")
PASTELL_ENTITY_ID = env("PASTELL_ENTITY_ID", default="")
PASTELL_FLOW = env("PASTELL_FLOW", default="actes-generique")
PASTELL_TIMEOUT = env.float("PASTELL_TIMEOUT", default=20)

#: A signed-in session unused for that long is closed at its next request (login again).
SESSION_IDLE_HOURS = env.float("SESSION_IDLE_HOURS", default=8)

INVITATION_VALIDITY_DAYS = 7
SIGNED_COPY_MAX_BYTES = env.int("SIGNED_COPY_MAX_BYTES", default=20 * 1024 * 1024)

# The organisation's PAdES seal on the final signed PDFs (conventions.sealing): a PKCS#12 file
# (key and certificate). `manage.py seal_certificate --demo` writes a self-signed demonstration
# one there (make run does when it is missing); production points these at a real certificate.
SEAL_PKCS12_PATH = env.path("SEAL_PKCS12_PATH", default=BASE_DIR / "var" / "seal-demo.p12")
SEAL_PKCS12_PASSWORD = env("SEAL_PKCS12_PASSWORD", default="demo-iscg-seal")
#: The signer's name written in the seal (shown by PDF readers next to the certificate).
SEAL_LABEL = env("SEAL_LABEL", default="ISCG conventions — sceau de l'organisation")
#: Largest PDF the verification page and command accept.
VERIFY_PDF_MAX_BYTES = env.int("VERIFY_PDF_MAX_BYTES", default=20 * 1024 * 1024)

# django-import-export: every import runs in one transaction (all rows or nothing).
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
