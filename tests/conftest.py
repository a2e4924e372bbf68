import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded and generated files go to a temporary folder, never into the project."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    """Browser journeys last: Playwright keeps an event loop in the main thread afterwards."""
    items.sort(key=lambda item: "/e2e/" in str(item.path))


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo (python manage.py load_demo) loaded once per module, rolled back at its end.

    A ``with`` block, so a failure while loading can never leave the transaction open."""
    from django.db import transaction
    from django.test import override_settings

    from demo.load import load_demo

    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)
