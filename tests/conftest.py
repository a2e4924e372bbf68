"""Shared fixtures; the demo data loaded once per run of the tests that need it.

The demo (``load_demo``, about 1.6 s) is wanted by a few hundred tests. They ask for the
``demo_data`` fixture; collection puts them together, after the tests that expect an empty
database and before the browser journeys. The first of them loads the demo inside an outer
transaction, each test then runs in its own savepoint as usual (so what a test writes is undone),
and the outer transaction is rolled back as soon as the next test does not want the demo: a test
that expects an empty database always finds one, whatever the order (``-p randomly``, ``-k``,
xdist's distribution), and the demo is loaded once per worker in a normal run.
"""

import pytest
from django.db import transaction
from django.test import override_settings

DEMO_FIXTURE = "demo_data"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded and generated files go to a temporary folder, never into the project."""
    settings.MEDIA_ROOT = tmp_path / "media"


SEAL_PASSWORD = "seal-for-tests"


@pytest.fixture(scope="session")
def seal_certificate(tmp_path_factory):
    """A throwaway self-signed seal certificate (PKCS#12), made once per test session."""
    from conventions.sealing import make_certificate

    path = tmp_path_factory.mktemp("seal") / "seal.p12"
    make_certificate(path, SEAL_PASSWORD, organisation="Organisation de test")
    return path


@pytest.fixture(autouse=True)
def _seal_settings(settings, seal_certificate):
    """Final documents are sealed with the session's throwaway certificate."""
    settings.SEAL_PKCS12_PATH = seal_certificate
    settings.SEAL_PKCS12_PASSWORD = SEAL_PASSWORD


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHER


def uses_demo(item: pytest.Item) -> bool:
    return DEMO_FIXTURE in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config, items):
    """The demo's tests grouped (one load for them all); browser journeys last: Playwright keeps
    an event loop in the main thread afterwards. Stable: pytest-django's order stays within."""
    items.sort(key=lambda item: ("/e2e/" in str(item.path), uses_demo(item)))


class DemoDatabase:
    """The demo loaded in an outer transaction of the test database, open or not.

    ``open`` must run before the test's own transaction starts (see ``pytest_runtest_setup``),
    ``close`` after it ended (``pytest_runtest_teardown``)."""

    def __init__(self, blocker) -> None:
        self.blocker = blocker
        self.atomic = None
        self.loads = 0

    @property
    def is_open(self) -> bool:
        return self.atomic is not None

    def open(self) -> None:
        if self.is_open:
            return
        from demo.load import load_demo

        atomic = transaction.atomic()
        with self.blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
            atomic.__enter__()
            try:
                load_demo()
            except BaseException as error:
                transaction.set_rollback(True)
                atomic.__exit__(type(error), error, error.__traceback__)
                raise
        self.atomic = atomic
        self.loads += 1

    def close(self) -> None:
        if not self.is_open:
            return
        atomic, self.atomic = self.atomic, None
        with self.blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


_demo_key = pytest.StashKey[DemoDatabase]()


@pytest.fixture(scope="session")
def _demo_database(request, django_db_setup, django_db_blocker):
    """Session-scoped, so set up before any test's transaction (pytest orders by scope)."""
    demo = DemoDatabase(django_db_blocker)
    request.config.stash[_demo_key] = demo
    demo.open()
    yield demo
    demo.close()
    del request.config.stash[_demo_key]


@pytest.fixture
def demo_data(_demo_database):
    """The demo (python manage.py load_demo) in the database, as loaded; what the test changes
    is rolled back after it, as for any ``django_db`` test."""
    if not _demo_database.is_open:
        pytest.fail("demo_data: the demo's transaction is not open")
    return _demo_database


def _demo_misuse(item: pytest.Item) -> str | None:
    """Why this test cannot run on the shared demo, if it cannot."""
    marker = item.get_closest_marker("django_db")
    fixtures = item.fixturenames
    if marker is None and "db" not in fixtures:
        return "demo_data needs the django_db mark"
    if (
        (marker is not None and marker.kwargs.get("transaction"))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    ):
        return "demo_data lives in a transaction: call load_demo() in a transactional test"
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    """Reopen the demo before the fixtures (hence before the test's transaction) when a demo test
    follows tests that closed it; the first load happens in ``_demo_database``."""
    if uses_demo(item):
        if problem := _demo_misuse(item):
            pytest.fail(f"{item.nodeid}: {problem}", pytrace=False)
        demo = item.config.stash.get(_demo_key, None)
        if demo is not None:
            demo.open()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Roll the demo back once the test's own transaction is gone, unless the next test wants it."""
    try:
        return (yield)
    finally:
        demo = item.config.stash.get(_demo_key, None)
        if demo is not None and demo.is_open and (nextitem is None or not uses_demo(nextitem)):
            demo.close()


# --------------------------------------------------------------------------- people

# The accounts most tests log in with. A module that needs someone else (a gestionnaire of a
# convention's organisation, a coordinator of the demo's Pas-de-Calais...) defines its own,
# saying how it differs.


@pytest.fixture
def organisation():
    """An organisation of its own (a département), empty."""
    from tests.factories import OrganisationFactory

    return OrganisationFactory(slug="finistere", name="Département du Finistère")


@pytest.fixture
def gestionnaire(organisation):
    """A gestionnaire of ``organisation`` (the user, not logged in)."""
    from tests.factories import UserFactory

    return UserFactory(gestionnaire=True, organisation=organisation)


@pytest.fixture
def client_g(client, gestionnaire):
    """The test client logged in as ``gestionnaire``."""
    client.force_login(gestionnaire)
    return client


@pytest.fixture
def coordinator(organisation):
    """A coordinator of ``organisation``."""
    from tests.factories import UserFactory

    return UserFactory(coordinateur=True, organisation=organisation)


@pytest.fixture
def demo_gestionnaire(client, demo_data):
    """The test client logged in as the demo's gestionnaire (Pas-de-Calais), on the demo."""
    from demo.users import GESTIONNAIRE_EMAIL
    from iscg.models import User

    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    return client


# --------------------------------------------------------------------------- task queue, SMTP


@pytest.fixture
def run_tasks():
    """Run what the queue holds, in this process and this test's transaction, as a worker in
    batch mode would (``manage.py worker --batch``); returns how many tasks ran. Tasks a task
    enqueues run too; tasks scheduled for later (a retry's backoff) stay queued
    (``tests.queue.run_queue``)."""
    from tests.queue import run_queue

    return run_queue


class RenderedInRequest(AssertionError):
    """A PDF rendered in a web request: the worker's work."""


def _forbidden_render(*args, **kwargs):
    raise RenderedInRequest("WeasyPrint called in a web request")


@pytest.fixture
def no_render():
    """Make any PDF render (WeasyPrint, hence ``conventions.documents.render_pdf`` too) fail the
    test; ``with no_render.allowed():`` lifts it (to run the queue in the same test)."""
    import contextlib

    import weasyprint

    from conventions import documents

    class Guard:
        def __init__(self):
            self.patch = pytest.MonkeyPatch()

        def forbid(self):
            self.patch.setattr(weasyprint, "HTML", _forbidden_render)
            self.patch.setattr(documents, "render_pdf", _forbidden_render)

        @contextlib.contextmanager
        def allowed(self):
            self.patch.undo()
            try:
                yield
            finally:
                self.forbid()

    guard = Guard()
    guard.forbid()
    yield guard
    guard.patch.undo()


@pytest.fixture
def fetch(run_tasks, monkeypatch):
    """GET a file the worker prepares, as a reader does: first the page « … en préparation »
    (HTTP 200, French, nothing rendered: WeasyPrint would fail the test), then, once the queue
    has run, the file itself from the same address."""
    import weasyprint

    from conventions import documents

    def get(client, url, **extra):
        with monkeypatch.context() as patch:
            patch.setattr(weasyprint, "HTML", _forbidden_render)
            patch.setattr(documents, "render_pdf", _forbidden_render)
            first = client.get(url, **extra)
        if first.status_code != 200 or not first["Content-Type"].startswith("text/html"):
            return first  # already stored, or refused
        assert "Le document est en préparation" in first.content.decode()
        run_tasks()
        return client.get(url, **extra)

    return get


class SmtpInbox:
    """What a real local SMTP server (aiosmtpd) received, as parsed messages."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def bodies(self) -> list[str]:
        return [m.get_body(preferencelist=("plain",)).get_content() for m in self.messages]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free local port; Django's SMTP backend sends to it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = SmtpInbox(port)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port},
        }
    }
    try:
        yield inbox
    finally:
        controller.stop()
