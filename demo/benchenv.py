"""The environment every benchmark runs in (make bench, demo.bench): a throw-away database and
media folder, production-like DEBUG off. Call before ``django.setup()``.

Without ``DATABASE_URL``: a fresh SQLite file in a temporary folder. With a PostgreSQL
``DATABASE_URL``: never that database itself (the user's data) but a bench database of its own
on the same server, named after it (``<name>_bench_<pid>``), created here and dropped when the
benchmark's process ends."""

from __future__ import annotations

import atexit
import os
import tempfile
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "psql")


def bench_database_url(url: str, pid: int) -> tuple[str, str, str]:
    """(bench URL, bench database name, URL of the server's maintenance database)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "iscg"
    bench = f"{name}_bench_{pid}"[:63]
    return (
        urlunsplit(parts._replace(path="/" + bench)),
        bench,
        urlunsplit(parts._replace(scheme="postgresql", path="/postgres")),
    )


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in POSTGRES_SCHEMES


def _postgres_bench_database(url: str) -> str:
    import psycopg
    from psycopg import sql

    bench_url, name, server = bench_database_url(url, os.getpid())
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    atexit.register(drop)
    return bench_url


def configure(prefix: str, database: str = "bench.sqlite3") -> str:
    """Point Django at a fresh temporary folder and database; return that folder."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    url = os.environ.get("DATABASE_URL", "")
    if url and is_postgres(url):
        os.environ["DATABASE_URL"] = _postgres_bench_database(url)
    else:  # a SQLite DATABASE_URL is the user's file: the bench gets its own
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/{database}"
    os.environ.setdefault("MEDIA_ROOT", f"{tmp}/media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "iscg.settings"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
    return tmp
