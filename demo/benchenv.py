"""The environment every benchmark runs in (make bench, demo.bench): a throw-away SQLite
database and media folder, production-like DEBUG off. Call before ``django.setup()``."""

import os
import tempfile


def configure(prefix: str, database: str = "bench.sqlite3") -> str:
    """Point Django at a fresh temporary folder (unless DATABASE_URL/MEDIA_ROOT are set);
    return that folder."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/{database}")
    os.environ.setdefault("MEDIA_ROOT", f"{tmp}/media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "iscg.settings"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
    return tmp
