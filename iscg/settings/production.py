"""Production settings: DEBUG off, PostgreSQL required, secure cookies, HSTS, HTTPS redirects."""

import os

os.environ.setdefault("DEBUG", "false")

from iscg.settings import *  # noqa: E402,F403
from iscg.settings import DATABASES, env  # noqa: E402

DEBUG = False
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("En production, DATABASE_URL doit désigner une base PostgreSQL.")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
