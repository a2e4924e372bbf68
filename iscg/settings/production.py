"""Production settings: DEBUG off, PostgreSQL required, secure cookies, HSTS, HTTPS redirects.

The parent package ``iscg.settings`` is evaluated first (with its development defaults), so every
value that must not fall back to a default is read again here, without one.
"""

from iscg.settings import *  # noqa: F403
from iscg.settings import DATABASES, DEVELOPMENT_SECRET_KEYS, MIDDLEWARE, build_mailers, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # required: no default in production
if SECRET_KEY in DEVELOPMENT_SECRET_KEYS:
    raise RuntimeError(
        "SECRET_KEY est la clé de développement ou de la démo : en production, donnez une clé "
        "secrète propre à l'installation (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("En production, DATABASE_URL doit désigner une base PostgreSQL.")

# No console fallback in production: EMAIL_URL is required (smtp://…, smtp+tls://…).
MAILERS = build_mailers(env.email_url("EMAIL_URL"))

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind the reverse proxy of docs/deployment.md: the failed-login limit per network address
# reads the client from the entry nginx appends to X-Forwarded-For (iscg.login_limits).
LOGIN_TRUSTED_PROXIES = env.int("LOGIN_TRUSTED_PROXIES", default=1)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Static files served by whitenoise, right after the security middleware (after collectstatic).
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
# Static files served by whitenoise (compressed, hashed names: cache them forever).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Media on S3-compatible storage when a bucket is configured (several app servers), else on disk.
if env("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Logs: one JSON object per line on stdout, for the service manager or the log collector.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
