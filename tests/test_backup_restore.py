"""Backup and restore (PostgreSQL): dump, restore into a fresh database, same figures."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from demo.load import load_demo

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="pg_dump/pg_restore : PostgreSQL seulement"
    ),
]


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _figures(database_url: str, media: Path) -> list:
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media)}
    out = subprocess.run(
        [sys.executable, "manage.py", "figures", "2023"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def test_restored_database_shows_the_same_figures(tmp_path, settings):
    load_demo()
    source = _url(connection.settings_dict["NAME"])
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    (media / "piece.txt").write_text("copie signée")
    env = {**os.environ, "DATABASE_URL": source, "MEDIA_ROOT": str(media)}
    subprocess.run(
        [str(ROOT / "scripts/backup"), str(tmp_path / "backup")],
        env=env,
        check=True,
        capture_output=True,
    )

    restored_name = connection.settings_dict["NAME"] + "_restored"
    admin_url = _url("postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        admin.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        restored_media = tmp_path / "restored-media"
        env = {**os.environ, "DATABASE_URL": _url(restored_name), "MEDIA_ROOT": str(restored_media)}
        subprocess.run(
            [str(ROOT / "scripts/restore"), str(tmp_path / "backup")],
            env=env,
            check=True,
            capture_output=True,
        )
        before = _figures(source, media)
        after = _figures(_url(restored_name), restored_media)
        assert after == before
        pdc = next(f for f in before if f["organisation"] == "pas-de-calais")
        assert pdc["rows"], "the demo's 2023 financing table is empty"
        assert (restored_media / "piece.txt").read_text() == "copie signée"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
