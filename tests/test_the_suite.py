"""The suite's own guarantees: unknown template variables fail, the shared demo comes and goes."""

import pytest
from django.template import engines

from conventions.models import Convention
from tests.conftest import DemoDatabase


def test_an_unknown_template_variable_fails_the_test():
    """pytest --fail-on-template-vars (pyproject.toml): a typo in a template is a failure, not a
    silently empty string; ``|default`` does not hide it either."""
    template = engines["django"].from_string("{{ known }} {{ typo|default:'rien' }}")
    with pytest.raises(pytest.fail.Exception, match="Undefined template variable 'typo'"):
        template.render({"known": "connue"})


def test_a_known_variable_renders():
    assert engines["django"].from_string("{{ known }}").render({"known": "connue"}) == "connue"


@pytest.mark.django_db
def test_the_shared_demo_is_loaded_then_rolled_back(django_db_blocker):
    """What tests/conftest.py does between a demo test and a test that expects an empty
    database (here inside this test's transaction, as a savepoint)."""
    demo = DemoDatabase(django_db_blocker)
    assert not Convention.objects.exists()
    demo.open()
    demo.open()  # already open: nothing loaded twice
    assert Convention.objects.filter(reference="PDC2023-A08").exists()
    assert demo.loads == 1
    demo.close()
    assert not Convention.objects.exists()
    assert not demo.is_open
