"""Idle sessions are closed; production refuses the development and demo keys (issue 18)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_session_idle_past_the_limit_is_closed(client, settings):
    settings.SESSION_IDLE_HOURS = 8
    user = UserFactory(gestionnaire=True)
    client.force_login(user)
    assert client.get("/").status_code == 200
    session = client.session
    session["iscg_last_seen"] = int(time.time()) - 8 * 3600 - 5
    session.save()
    response = client.get("/conventions/")
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/?next=/conventions/")
    page = client.get(response["Location"]).content.decode()
    assert "fermée après 8 heures sans activité" in page
    assert client.get("/conventions/").status_code == 302  # logged out for good


@pytest.mark.django_db
def test_an_active_session_stays_open_and_is_not_rewritten_each_request(client, settings):
    settings.SESSION_IDLE_HOURS = 8
    client.force_login(UserFactory(gestionnaire=True))
    client.get("/")
    first = client.session["iscg_last_seen"]
    client.get("/conventions/")
    assert client.session["iscg_last_seen"] == first  # within the minute: not written again
    session = client.session
    session["iscg_last_seen"] = int(time.time()) - 7 * 3600
    session.save()
    assert client.get("/conventions/").status_code == 200
    assert client.session["iscg_last_seen"] > first - 7 * 3600


@pytest.mark.parametrize(
    "key",
    [
        "dev-insecure-secret-key-change-me-in-production-0123456789",
        "demo-only-secret-key-not-for-production-iscg-conventions-2026",
    ],
)
def test_production_refuses_the_development_and_demo_keys(key):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="iscg.settings.production",
        SECRET_KEY=key,
        DATABASE_URL="postgres://iscg@127.0.0.1:5432/iscg",
        ALLOWED_HOSTS="iscg.example.fr",
        EMAIL_URL="smtp+tls://iscg:secret@smtp.example.fr:587",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY est la clé de développement ou de la démo" in result.stderr


def test_the_deploy_check_names_a_known_key(settings):
    from iscg.checks import development_secret_key

    settings.SECRET_KEY = "demo-only-secret-key-not-for-production-iscg-conventions-2026"
    assert [error.id for error in development_secret_key(None)] == ["iscg.E001"]
    settings.SECRET_KEY = "k3y-Prod-9f8e7d6c5b4a3210-zyxwvutsrqponmlkjihgfedcba-QWERTY"
    assert development_secret_key(None) == []
