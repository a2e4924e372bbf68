"""Production settings: DEBUG off, PostgreSQL required, secure cookies, HSTS, HTTPS redirects.

The parent package ``iscg.settings`` is evaluated first (with its development defaults), so every
value that must not fall back to a default is read again here, without one.
"""

from iscg.settings import *  # noqa: F403
from iscg.settings import DATABASES, build_mailers, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # required: no default in production
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("En production, DATABASE_URL doit désigner une base PostgreSQL.")

# No console fallback in production: EMAIL_URL is required (smtp://…, smtp+tls://…).
MAILERS = build_mailers(env.email_url("EMAIL_URL"))

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
