"""The deliberation ZIP shares its renders with the other workers: every document decided first,
each missing render queued once as its own task, the ZIP task rendering from the last one back;
a render done by one is not redone by the other, and no second version appears."""

from unittest import mock

import pytest
from django_tasks_db.models import DBTaskResult

from conventions import bundles, services
from conventions.models import DocumentVersion
from tests.access import build_world, deliberation_of, with_signed_copy

pytestmark = pytest.mark.django_db


def render_tasks() -> list[int]:
    return sorted(
        DBTaskResult.objects.filter(task_path=bundles.RENDER_TASK_PATH).values_list(
            "args_kwargs__kwargs__version_id", flat=True
        )
    )


def test_missing_renders_are_queued_once_each():
    world = build_world()
    pk = deliberation_of(world)
    with_signed_copy(world.c2)
    user = world.users["gestionnaire"]
    _, conventions = bundles.deliberation_for(user, pk)
    decided = [bundles.decided_document(c, user) for c in conventions]
    missing = [d for d in decided if not d.is_rendered]
    assert len(decided) == 3 and len(missing) == 2  # C2's signed copy needs no render
    # Deciding a new version queued its render already: nothing more.
    assert bundles.queue_renders(missing) == 0
    assert render_tasks() == sorted(d.pk for d in missing)
    # Renders lost (decided earlier, queue emptied): queued again, once.
    DBTaskResult.objects.all().delete()
    assert bundles.queue_renders(decided) == 2
    assert bundles.queue_renders(decided) == 0
    assert render_tasks() == sorted(d.pk for d in missing)


def test_the_zip_task_renders_from_the_last_and_the_queued_renders_do_nothing_more(run_tasks):
    world = build_world()
    pk = deliberation_of(world)
    user = world.users["gestionnaire"]
    _, conventions = bundles.deliberation_for(user, pk)
    rendered = []
    original = services.document_version_render

    def recording(*, version_id):
        version = original(version_id=version_id)
        rendered.append((version_id, version.file.name))
        return version

    with mock.patch.object(services, "document_version_render", recording):
        result = bundles.prepare(pk, user)
        versions = DocumentVersion.objects.count()
        files = dict(rendered)
        # The ZIP task went from the last convention back.
        order = [version_id for version_id, _ in rendered]
        assert order == sorted(order, reverse=True) and len(order) == len(conventions)
        assert run_tasks() == len(conventions)  # the queued renders, taken by "another worker"
    assert result["errors"] == [] and result["archive"]
    assert DocumentVersion.objects.count() == versions  # no second version
    for version_id, name in files.items():  # each PDF kept as the ZIP task stored it
        assert DocumentVersion.objects.get(pk=version_id).file.name == name
