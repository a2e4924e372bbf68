"""Placeholder rendering is linear (issue 18: 8 000 placeholders took 17.6 s, one 1.35 MB
preview froze the server): the same output as the former whole-output rule, and texts past the
size limits refused in French before anything renders them. Timings are in `make bench`
(benchmarks/bench_templating.py), not here."""

from collections.abc import Mapping

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from conventions import templating
from conventions.templating import (
    _MISSING_CLOSE,
    _MISSING_OPEN,
    _SENTENCE_START,
    _STAR,
    Block,
    Problem,
    contract,
    parse,
)

CONTEXT = {
    "a": "la Communauté de communes",
    "b": "le Groupement",
    "c": "les communes",
    "d": "un poste",
    "star": "5 * 3",
    "vide": "",
}


def _former_resolve(text: str, context: Mapping[str, templating.Value]) -> str:
    """The rule before issue 18, which joined the whole output at each placeholder."""
    out: list[str] = []
    missing: list[Problem] = []
    for part in parse(text):
        if isinstance(part, str):
            out.append(part)
            continue
        name = part[0]
        value = context.get(name)
        if isinstance(value, Block):
            value = None
        if value is None or str(value).strip() == "":
            missing.append(Problem("x", "", name))
            out.append(f"{_MISSING_OPEN}{name}{_MISSING_CLOSE}")
        else:
            value = str(value)
            if out and isinstance(out[-1], str) and not out[-1].endswith(_MISSING_CLOSE):
                out[-1], value = contract(out[-1], value)
            if _SENTENCE_START.search("".join(out)):
                value = value[:1].upper() + value[1:]
            out.append(value.replace("*", _STAR))
    return "".join(out)


FRAGMENTS = st.sampled_from(
    [
        "Le financement de ",
        "versé à ",
        "de ",
        "à ",
        ". ",
        "! ",
        "\n",
        "\n- ",
        "\n2. ",
        "**",
        " ",
        "x" * 300,  # past the window the rule reads
        "Article premier",
        "{{ a }}",
        "{{ b }}",
        "{{ c }}",
        "{{ d }}",
        "{{ star }}",
        "{{ vide }}",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=40))
def test_same_output_as_the_former_rule(fragments):
    text = "".join(fragments)
    assert templating._resolve("x", text, CONTEXT, []) == _former_resolve(text, CONTEXT)


def test_line_numbers_still_point_at_the_faulty_placeholder():
    text = "un\n{{ a }}\ndeux\n\ntrois {{ a }}\n{{ Pas un nom }}"
    with pytest.raises(templating.TemplateSyntaxError, match=r"\(ligne 6\)"):
        parse(text)


def test_an_opening_never_closed_is_refused_at_once():
    with pytest.raises(templating.TemplateSyntaxError, match="ouvert sans"):
        parse("{{ " * 20_000)


def test_emphasis_never_closed_stays_text():
    html = templating.render_text("x", "*a " * 2_000, {}).html
    assert "<em>" not in html and html.count("*") == 2_000


def test_a_placeholder_name_is_bounded():
    name = "a" * (templating.NAME_MAX + 10)
    with pytest.raises(templating.TemplateSyntaxError, match="ouvert sans"):
        parse("{{ " + name + " }}")


# --------------------------------------------------------------------------- size limits


def _text(body: str, **extra) -> dict:
    return {"title": "Convention", "articles": [{"title": "Objet", "body": body}], **extra}


def test_an_article_too_long_is_refused_in_french():
    problems = templating.validate_text(_text("x" * (templating.PART_MAX + 1)))
    assert [str(p) for p in problems] == [
        "Article 1 « Objet » : 50\u202f001 caractères : 50\u202f000 au plus par partie du texte "
        "(découpez-le en plusieurs articles)."
    ]


def test_too_many_placeholders_are_refused():
    body = "{{ convention.reference }} " * (templating.PLACEHOLDERS_MAX + 1)
    problems = templating.validate_text(_text(body))
    assert any("2\u202f001 variables" in str(p) for p in problems)


def test_a_text_too_large_in_all_is_refused():
    articles = [{"title": f"A{n}", "body": "x" * 40_000} for n in range(8)]
    problems = templating.validate_text({"title": "T", "articles": articles})
    assert [str(p) for p in problems] == [
        "Texte : 320\u202f017 caractères en tout : 300\u202f000 au plus."
    ]


def test_too_many_articles():
    articles = [{"title": "A", "body": ""}] * (templating.ARTICLES_MAX + 1)
    problems = templating.validate_text({"title": "T", "articles": articles})
    assert "151 articles : 150 au plus" in str(problems[0])


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["apercu", "enregistrer"])
def test_the_preview_that_froze_the_server_is_refused(client, action):
    """The red team's request: a 1.35 MB article previewed (or saved) on a convention's text."""
    from conventions import services
    from tests.conflicts import post_loaded
    from tests.factories import ConventionFactory, UserFactory

    convention = ConventionFactory(draft=True)
    user = UserFactory(gestionnaire=True, organisation=convention.organisation)
    text = {"title": "Convention", "articles": [{"title": "Objet", "body": "Court."}]}
    services.convention_text_save(convention=convention, text=text, by=user)
    client.force_login(user)
    body = "Le montant {{ convention.reference }} est dû.\n" * 30_000  # 1.35 MB
    url = reverse("conventions:text_part", args=[convention.reference, "article-1"])
    response = post_loaded(client, url, {"title": "Objet", "body": body, "action": action})
    assert response.status_code in (200, 400)
    assert "50\u202f000 au plus par partie du texte" in response.content.decode()
    convention.refresh_from_db()
    assert convention.text["articles"] == text["articles"]
