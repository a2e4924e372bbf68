"""The production settings module passes `manage.py check --deploy` with no warning."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_passes_without_warning():
    env = {
        **{
            k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"
        },  # set for e2e tests
        "DJANGO_SETTINGS_MODULE": "iscg.settings.production",
        "SECRET_KEY": "k3y-Prod-9f8e7d6c5b4a3210-zyxwvutsrqponmlkjihgfedcba-QWERTY",
        "DATABASE_URL": "postgres://iscg@127.0.0.1:5432/iscg",
        "ALLOWED_HOSTS": "iscg.example.fr",
        "EMAIL_URL": "smtp+tls://iscg:secret@smtp.example.fr:587",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        DJANGO_SETTINGS_MODULE="iscg.settings.production", DATABASE_URL="postgres://x@127.0.0.1/x"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
