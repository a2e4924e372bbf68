"""The optimistic locking mechanism (iscg/concurrency.py): the version token, the check, the
conflict page the middleware answers with; and the text editor's part tokens."""

from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from conventions import text_editing
from iscg import concurrency
from iscg.middleware import AtomicWritesMiddleware
from iscg.models import Organisation


def test_the_token_is_stable_and_follows_the_content():
    state = {"b": [1, "deux"], "a": Decimal("61.50"), "c": date(2023, 7, 3)}
    same = {"c": date(2023, 7, 3), "a": Decimal("61.5"), "b": [1, "deux"]}
    assert concurrency.token(state) == concurrency.token(same)
    assert len(concurrency.token(state)) == 32
    assert concurrency.token(state) != concurrency.token({**state, "a": Decimal("61.6")})
    assert concurrency.token(None) != concurrency.token({})


@pytest.mark.parametrize(
    ("data", "expected"),
    [({}, ""), ({"version": ""}, ""), ({"version": "  "}, ""), ({"version": " ab "}, "ab")],
)
def test_posted_reads_the_forms_token(data, expected):
    assert concurrency.posted(data) == expected


def _conflict() -> concurrency.EditConflict:
    return concurrency.EditConflict("le poste « A »", differences=[])


def test_check_refuses_only_a_token_that_is_not_the_states():
    state = {"name": "A"}
    concurrency.check(None, state, _conflict)  # a call from code: not checked
    concurrency.check(concurrency.token(state), state, _conflict)
    built = []

    def conflict():
        built.append(True)
        return _conflict()

    with pytest.raises(concurrency.EditConflict) as error:
        concurrency.check(concurrency.token({"name": "B"}), state, conflict)
    assert error.value.subject == "le poste « A »" and built == [True]


def test_a_form_without_its_token_is_refused_as_a_stale_page():
    state = {"name": "A"}
    with pytest.raises(concurrency.EditConflict) as error:
        concurrency.check(concurrency.posted({"name": "B"}), state, _conflict)
    assert error.value.stale and error.value.subject == "le poste « A »"
    with pytest.raises(concurrency.EditConflict) as error:
        concurrency.check(concurrency.token({"name": "B"}), state, _conflict)
    assert not error.value.stale  # somebody saved in between


def _conflict_page(path: str, view) -> str:
    """The page the middleware answers for a POST to ``path`` whose ``view`` raises (a 409)."""
    request = RequestFactory().post(path)
    request.user = AnonymousUser()
    response = AtomicWritesMiddleware(lambda r: HttpResponse()).process_view(request, view, (), {})
    assert response.status_code == 409
    return unescape(response.content.decode())


@pytest.mark.django_db
def test_the_stale_page_says_so_in_french():
    def view(request):
        raise concurrency.EditConflict("le poste « A »", stale=True)

    html = _conflict_page("/conventions/postes/1/modifier/", view)
    assert "Page périmée : rechargez-la" in html
    assert "ne dit pas dans quel état elle avait chargé le poste « A »" in html
    assert "Rien n'a été modifié" in html
    assert "Quelqu'un a enregistré entre-temps" not in html


def test_a_conflict_lists_what_differs():
    rows = concurrency.differences(
        {"name": "Nom", "title": "Qualité"}, {"name": "A", "title": "Préfet"}, {"name": "B"}
    )
    assert [(r.label, r.theirs, r.yours, r.differs) for r in rows] == [
        ("Nom", "A", "B", True),
        ("Qualité", "Préfet", "—", True),
    ]
    conflict = concurrency.EditConflict(
        "x", differences=[*rows, concurrency.Difference("N", "1", "1")]
    )
    assert [r.label for r in conflict.changed] == ["Nom", "Qualité"]


TEXT = {
    "title": "Convention",
    "articles": [{"title": "Objet", "body": "Le poste."}, {"title": "Durée", "body": "Un an."}],
}


def test_a_parts_token_ignores_the_other_parts_but_not_its_own_place():
    token = concurrency.token(text_editing.edit_state(TEXT, "article-2"))
    other_changed = text_editing.with_part(TEXT, "article-1", title="Objet", body="Autre.")
    assert concurrency.token(text_editing.edit_state(other_changed, "article-2")) == token
    moved = text_editing.with_article_moved(TEXT, 2, -1)
    assert concurrency.token(text_editing.edit_state(moved, "article-2")) != token
    # The whole text (the overview's moves and removals) sees every change.
    whole = concurrency.token(text_editing.edit_state(TEXT, None))
    assert concurrency.token(text_editing.edit_state(other_changed, None)) != whole
    # An article added overwrites nothing: its token never changes.
    new = text_editing.NEW_ARTICLE
    assert text_editing.edit_state(TEXT, new) == text_editing.edit_state(moved, new)


@pytest.mark.django_db
def test_the_middleware_rolls_back_and_answers_the_conflict_page():
    def view(request):
        Organisation.objects.create(name="À moitié", slug="moitie")
        raise concurrency.EditConflict(
            "le bilan 2023 du poste A",
            differences=[concurrency.Difference("Total des saisines", "100", "80")],
            saved_by="Anne Martin",
        )

    html = _conflict_page("/bilans/bilan/1/modifier/", view)
    assert "Quelqu'un a enregistré entre-temps" in html
    assert "le bilan 2023 du poste A a été modifié par Anne Martin" in html
    assert "Total des saisines" in html and "différent" in html
    assert 'href="/bilans/bilan/1/modifier/"' in html  # reload: the same page, by GET
    assert not Organisation.objects.filter(slug="moitie").exists()
