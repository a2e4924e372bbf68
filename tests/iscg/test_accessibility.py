"""The accessibility statement (RGAA) and the French error pages of the demo server."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_statement_is_public_honest_and_gives_contact_and_recourse(client):
    with override_settings(ACCESSIBILITY_CONTACT_EMAIL="a11y@cd62.example.fr"):
        response = client.get("/accessibilite/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Déclaration d'accessibilité</h1>" in html
    assert "est <strong>non conforme</strong>" in html
    assert "RGAA" in html and "aucun audit de conformité" in html
    assert "3 décembre 2026" in html
    assert 'href="mailto:a11y@cd62.example.fr"' in html
    assert "Défenseur des droits" in html and "Libre réponse 71120" in html


@pytest.mark.django_db
def test_every_page_links_the_statement_in_its_footer_with_its_status(client):
    from iscg.views import ACCESSIBILITY_STATUS
    from tests.factories import UserFactory

    link = f'href="/accessibilite/">Accessibilité : {ACCESSIBILITY_STATUS}</a>'
    login = client.get("/comptes/login/").content.decode()
    assert link in login[login.index('<footer class="site-footer"') :]
    client.force_login(UserFactory())
    home = client.get("/").content.decode()
    assert link in home[home.index('<footer class="site-footer"') :]


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_404_without_debug_is_the_products_french_page(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page introuvable</h1>" in html
    assert "URLconf" not in html and "Using the" not in html


def test_make_run_serves_without_debug_unless_asked():
    """`make run` turns DEBUG off (French error pages) and still serves the static files;
    DEBUG=1 make run asks for the debugging pages."""
    if not shutil.which("make"):
        pytest.skip("make absent")
    env = {name: value for name, value in os.environ.items() if name != "DEBUG"}
    plain = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    runserver = next(line for line in plain.splitlines() if "runserver" in line)
    assert "DEBUG=0" in runserver and "--insecure" in runserver
    asked = subprocess.run(
        ["make", "-n", "run", "DEBUG=1"], cwd=ROOT, env=env, capture_output=True, text=True
    ).stdout
    assert "DEBUG=1" in next(line for line in asked.splitlines() if "runserver" in line)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_demo_server_without_debug_answers_in_french_and_serves_static_files(tmp_path):
    """The server as `make run` starts it: DEBUG off, runserver --insecure."""
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "test-only-secret-key-for-the-demo-server-0123456789abcdef",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "iscg.settings",
    }
    command = [sys.executable, "manage.py", "runserver", "--insecure", "--noreload"]
    server = subprocess.Popen(
        [*command, f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                status, html = _get(f"{base}/page-inconnue/")
                break
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.2)
        else:
            pytest.fail("le serveur n'a pas démarré")
        assert status == 404
        assert "<h1>Page introuvable</h1>" in html and "URLconf" not in html
        status, css = _get(f"{base}/static/css/app.css")
        assert status == 200 and "ISCG conventions" in css
    finally:
        server.terminate()
        server.wait(timeout=10)
