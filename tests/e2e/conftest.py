"""End-to-end journeys in headless Chromium: Debian's browser, never a downloaded one.

Screenshots of each journey's last page go to artifacts/screenshots/.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls beside Playwright's loop


@pytest.fixture(scope="session", autouse=True)
def _one_request_at_a_time_on_sqlite(django_db_setup):
    """On SQLite the test database is in memory and the live server's threads share its one
    connection: two requests at once (a page and its htmx preview) then collide ("database table
    is locked", "cannot start a transaction within a transaction"). A live server that serves one
    request at a time, as PostgreSQL's own connections make unnecessary there."""
    from django.core.servers.basehttp import WSGIServer
    from django.db import connection
    from django.test.testcases import LiveServerThread

    if connection.vendor != "sqlite":
        yield
        return

    class OneAtATime(WSGIServer):
        # The thread that serves is the one whose connections LiveServerThread.run overrides.
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    threaded = LiveServerThread.server_class
    LiveServerThread.server_class = OneAtATime
    yield
    LiveServerThread.server_class = threaded


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    if os.environ.get("E2E_REQUIRED"):
        raise pytest.UsageError(
            f"Chromium introuvable ({CHROMIUM}) alors que E2E_REQUIRED est posé."
        )
    skip = pytest.mark.skip(reason=f"Chromium absent ({CHROMIUM}) : apt-get install chromium")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


@pytest.fixture
def screenshot(page):
    def take(name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(page, live_server):
    def do(email: str, password: str):
        page.goto(f"{live_server.url}/comptes/login/")
        page.get_by_label("Adresse e-mail").fill(email)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(f"{live_server.url}/")

    return do
