"""Editing a convention's text part by part: per-article save, variables inserted from a list,
confirmation before a template replaces the text, versions compared word by word and restored,
and the refusals (partner, another organisation, a text sent to signature)."""

from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from conventions import services, text_editing, textdiff
from conventions.models import Convention, ConventionStatus
from conventions.text_versions import convention_text_versions
from tests.access import document_template
from tests.conflicts import post_loaded, version_of
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    OrganisationFactory,
    PartyFactory,
    UserFactory,
)

TEXT = {
    "title": "Convention de financement du poste",
    "parties_block": "Entre :\n\n{{ bloc.parties }}",
    "preamble": "Vu la circulaire du 1er août 2006.",
    "articles": [
        {"title": "Objet", "body": "La convention {{ convention.reference }} finance le poste."},
        {"title": "Durée", "body": "Elle dure un an."},
    ],
    "closing": "Fait à Arras.",
}

# --------------------------------------------------------------------------- the diff


def test_word_diff_marks_only_the_changed_words():
    segments = textdiff.word_diff(
        "Le préfet signe la convention.", "Le préfet du Nord signe cette convention."
    )
    assert [(s.op, s.text) for s in segments] == [
        ("equal", "Le préfet "),
        ("insert", "du Nord "),
        ("equal", "signe "),
        ("delete", "la"),
        ("insert", "cette"),
        ("equal", " convention."),
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("", "Texte neuf."),
        ("Texte ancien.", ""),
        ("a b c", "a b c"),
        ("Ligne 1\n\nLigne 2 {{ convention.reference }}", "Ligne 1\nLigne 3 {{ poste.intitule }}"),
        ("« 17 500 € » ; fin", "« 17 600 € » : fin !"),
    ],
)
def test_word_diff_gives_both_texts_back(old, new):
    segments = textdiff.word_diff(old, new)
    assert "".join(s.text for s in segments if s.op != "insert") == old
    assert "".join(s.text for s in segments if s.op != "delete") == new


def test_side_by_side_escapes_and_marks_each_side():
    left, right = textdiff.side_by_side("a <b> c", "a <i> c")
    assert left == "a &lt;<del>b</del>&gt; c"
    assert right == "a &lt;<ins>i</ins>&gt; c"


def test_compare_texts_pairs_articles_by_title():
    new = {
        **TEXT,
        "articles": [
            TEXT["articles"][0],
            {"title": "Financement", "body": "L'État verse 17 500 €."},
            {"title": "Durée", "body": "Elle dure deux ans."},
        ],
    }
    parts = {p.label: p for p in textdiff.compare_texts(TEXT, new)}
    assert parts["Article 1 « Objet »"].status == "unchanged"
    assert parts["Article 2 « Financement »"].status == "added"
    assert parts["Article 3 « Durée »"].status == "changed"
    assert parts["Article 3 « Durée »"].old_html == "Durée\n\nElle dure <del>un an</del>."
    assert parts["Article 3 « Durée »"].new_html == "Durée\n\nElle dure <ins>deux ans</ins>."
    assert parts["Intitulé"].status == "unchanged"
    changed = textdiff.changed_parts(TEXT, new)
    assert [p.label for p in changed] == ["Article 2 « Financement »", "Article 3 « Durée »"]


def test_compare_texts_reports_a_removed_article():
    new = {**TEXT, "articles": TEXT["articles"][1:]}
    changed = textdiff.changed_parts(TEXT, new)
    assert [(p.label, p.status_label) for p in changed] == [
        ("Article 1 « Objet » (ancien)", "supprimé")
    ]


# --------------------------------------------------------------------------- text helpers


def test_parts_and_with_part():
    keys = [p.key for p in text_editing.parts(TEXT)]
    assert keys == ["intitule", "parties", "preambule", "article-1", "article-2", "formule-finale"]
    changed = text_editing.with_part(TEXT, "article-2", title="Durée", body="Deux ans.")
    assert changed["articles"][1] == {"title": "Durée", "body": "Deux ans."}
    assert TEXT["articles"][1]["body"] == "Elle dure un an."  # the original is untouched
    added = text_editing.with_part(TEXT, text_editing.NEW_ARTICLE, title="Bilan", body="…")
    assert [a["title"] for a in added["articles"]] == ["Objet", "Durée", "Bilan"]
    with pytest.raises(KeyError):
        text_editing.with_part(TEXT, "article-9", title="X", body="")
    moved = text_editing.with_article_moved(TEXT, 2, -1)
    assert [a["title"] for a in moved["articles"]] == ["Durée", "Objet"]
    assert text_editing.with_article_moved(TEXT, 1, -1)["articles"] == TEXT["articles"]


def test_variables_have_french_labels():
    assert text_editing.variable_label("etat.representant_nom") == "Nom du préfet"
    assert text_editing.variable_label("commune.representant_nom") == "Nom du maire"
    assert text_editing.variable_label("financement.2024.etat") == "Part de l'État en 2024"
    assert text_editing.variable_label("convention.reference") == "Référence de la convention"
    names = [v.name for g in text_editing.variable_groups() for v in g.variables]
    assert "etat.representant_nom" in names and "bloc.financement" in names
    assert text_editing.insert_variable("Le", "etat.nom") == "Le {{ etat.nom }}"
    assert text_editing.insert_variable("Texte.", "bloc.financement") == (
        "Texte.\n\n{{ bloc.financement }}"
    )
    with pytest.raises(KeyError):
        text_editing.insert_variable("", "etat.inconnu")


def test_comparisons_show_variables_by_their_labels():
    assert text_editing.readable("Signé par {{ etat.representant_nom }}, {{ x.y }}.") == (
        "Signé par [Nom du préfet], {{ x.y }}."
    )
    readable = text_editing.readable_text(TEXT)
    assert (
        readable["articles"][0]["body"]
        == "La convention [Référence de la convention] finance le poste."
    )
    assert (
        readable["parties_block"]
        == "Entre :\n\n[Bloc : les parties, une par paragraphe, séparées par « ET »]"
    )


# --------------------------------------------------------------------------- pages


@pytest.fixture
def world(db):
    organisation = OrganisationFactory()
    convention = ConventionFactory(organisation=organisation, status=ConventionStatus.DRAFT)
    party = PartyFactory(organisation=organisation)
    ConventionPartyFactory(convention=convention, party=party)
    gestionnaire = UserFactory(gestionnaire=True, organisation=organisation)
    services.convention_text_save(convention=convention, text=TEXT, by=gestionnaire)
    return {"convention": convention, "gestionnaire": gestionnaire, "party": party}


def _url(name, convention, *args):
    return reverse(name, args=[convention.reference, *args])


def test_overview_lists_each_part_with_its_own_edit_link(client, world):
    convention = world["convention"]
    client.force_login(world["gestionnaire"])
    response = client.get(_url("conventions:text", convention))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Article 2 « Durée »" in html
    assert _url("conventions:text_part", convention, "article-2") in html
    assert "Ajouter un article" in html


def test_saving_one_article_changes_only_it_and_is_a_version(client, world):
    convention = world["convention"]
    client.force_login(world["gestionnaire"])
    url = _url("conventions:text_part", convention, "article-2")
    page = client.get(url)
    assert page.status_code == 200
    assert "Nom du préfet" in unescape(page.content.decode())  # the list of variables
    response = post_loaded(
        client, url, {"action": "enregistrer", "title": "Durée", "body": "Elle dure trois ans."}
    )
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.text["articles"][1] == {"title": "Durée", "body": "Elle dure trois ans."}
    assert convention.text["articles"][0] == TEXT["articles"][0]
    versions = convention_text_versions(convention)
    assert len(versions) == 2
    assert versions[-1].reason == "Article 2 « Durée » modifié."


def test_a_wrong_variable_is_refused_and_nothing_changes(client, world):
    convention = world["convention"]
    client.force_login(world["gestionnaire"])
    response = post_loaded(
        client,
        _url("conventions:text_part", convention, "article-1"),
        {"action": "enregistrer", "title": "Objet", "body": "{{ financement.etta }}"},
    )
    assert response.status_code == 400
    assert "Vouliez-vous dire « financement.etat »" in unescape(response.content.decode())
    convention.refresh_from_db()
    assert convention.text == TEXT


def test_an_article_without_a_title_is_refused(client, world):
    convention = world["convention"]
    client.force_login(world["gestionnaire"])
    response = client.post(
        _url("conventions:text_part", convention, text_editing.NEW_ARTICLE),
        {"action": "enregistrer", "title": "", "body": "Texte."},
    )
    assert response.status_code == 400
    assert "Donnez un titre à l'article." in unescape(response.content.decode())
    convention.refresh_from_db()
    assert len(convention.text["articles"]) == 2


def test_adding_an_article(client, world):
    convention = world["convention"]
    client.force_login(world["gestionnaire"])
    response = post_loaded(
        client,
        _url("conventions:text_part", convention, text_editing.NEW_ARTICLE),
        {"action": "enregistrer", "title": "Bilan", "body": "Un bilan chaque année."},
    )
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.text["articles"][-1] == {"title": "Bilan", "body": "Un bilan chaque année."}


def test_inserting_a_variable_without_javascript_saves_nothing(client, world):
    convention = world["convention"]
    client.force_login(world["gestionnaire"])
    response = client.post(
        _url("conventions:text_part", convention, "article-2"),
        {"title": "Durée", "body": "Signée par", "inserer": "etat.representant_nom"},
    )
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Signée par {{ etat.representant_nom }}" in html
    assert "« Nom du préfet » ajouté à la fin du texte" in html
    convention.refresh_from_db()
    assert convention.text == TEXT


def test_the_preview_renders_the_part_with_the_conventions_values(client, world):
    convention = world["convention"]
    client.force_login(world["gestionnaire"])
    response = client.post(
        _url("conventions:text_part", convention, "article-1"),
        {"action": "apercu", "title": "Objet", "body": "Réf. {{ convention.reference }}."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert f"Réf. {convention.reference}." in unescape(response.content.decode())
    convention.refresh_from_db()
    assert convention.text == TEXT


def test_moving_and_deleting_articles_from_the_overview(client, world):
    convention = world["convention"]
    client.force_login(world["gestionnaire"])
    url = _url("conventions:text", convention)
    assert post_loaded(client, url, {"action": "monter", "article": "2"}).status_code == 302
    convention.refresh_from_db()
    assert [a["title"] for a in convention.text["articles"]] == ["Durée", "Objet"]
    assert post_loaded(client, url, {"action": "supprimer", "article": "1"}).status_code == 302
    convention.refresh_from_db()
    assert [a["title"] for a in convention.text["articles"]] == ["Objet"]
    assert client.post(url, {"action": "supprimer", "article": "7"}).status_code == 302
    convention.refresh_from_db()
    assert [a["title"] for a in convention.text["articles"]] == ["Objet"]


def test_replacing_by_a_template_asks_first_and_says_which_articles_change(client, world):
    convention = world["convention"]
    template = document_template(convention.organisation)
    version = template.current_version
    client.force_login(world["gestionnaire"])
    url = _url("conventions:text_from_template", convention)
    page = client.get(url, {"modele": version.pk})
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert "Remplacer le texte" in html
    assert "Article 2 « Durée » (ancien) — supprimé" in html
    assert "Article 1 « Objet » — modifié" in html
    convention.refresh_from_db()
    assert convention.text == TEXT  # GET changes nothing
    response = client.post(url, {"modele": version.pk, "version": version_of(page)})
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.text == version.as_text()
    assert convention.template_version == version
    versions = convention_text_versions(convention)
    assert versions[0].text == TEXT  # the replaced text is kept, restorable
    assert versions[-1].reason.startswith("Texte remplacé par le modèle « Modèle de test »")


def test_versions_compare_side_by_side_and_restore(client, world):
    convention = world["convention"]
    gestionnaire = world["gestionnaire"]
    services.convention_text_save(
        convention=convention,
        text={**TEXT, "closing": "Fait à Lille."},
        by=gestionnaire,
        reason="Lieu changé.",
    )
    client.force_login(gestionnaire)
    page = client.get(_url("conventions:text_versions", convention), {"a": 1, "b": 2})
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert "Formule finale" in html
    assert "<del>Arras</del>" in html and "<ins>Lille</ins>" in html
    restore = _url("conventions:text_restore", convention, 1)
    assert restore in html
    confirm = client.get(restore)
    assert confirm.status_code == 200
    assert "Formule finale — modifié" in unescape(confirm.content.decode())
    convention.refresh_from_db()
    assert convention.text["closing"] == "Fait à Lille."  # GET changes nothing
    assert client.post(restore, {"version": version_of(confirm)}).status_code == 302
    convention.refresh_from_db()
    assert convention.text["closing"] == "Fait à Arras."
    versions = convention_text_versions(convention)
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[-1].reason == "Version 1 du texte rétablie."
    # The current text is not restored onto itself.
    loaded = {"version": version_of(client.get(_url("conventions:text_restore", convention, 2)))}
    response = client.post(_url("conventions:text_restore", convention, 3), loaded, follow=True)
    assert "déjà le texte actuel" in unescape(response.content.decode())
    assert len(convention_text_versions(convention)) == 3


def test_template_versions_compare_and_restore(client, world):
    template = document_template(world["convention"].organisation)
    first = template.current_version
    text = first.as_text()
    text["articles"][0]["body"] = "Financement du seul poste."
    services.template_save(template=template, text=text, by=world["gestionnaire"], note="v2")
    client.force_login(world["gestionnaire"])
    page = client.get(reverse("conventions:template_versions", args=[template.pk]))
    assert page.status_code == 200
    assert "<ins>seul</ins>" in unescape(page.content.decode())
    url = reverse("conventions:template_restore", args=[template.pk, 1])
    assert client.get(url).status_code == 200
    assert template.versions.count() == 2
    assert post_loaded(client, url).status_code == 302
    newest = template.current_version
    assert newest.number == 3
    assert newest.as_text() == first.as_text()
    assert newest.note == "Version 1 rétablie"


# --------------------------------------------------------------------------- refusals


def test_a_partner_and_another_organisation_get_nothing(client, world):
    convention = world["convention"]
    other = UserFactory(gestionnaire=True, organisation=OrganisationFactory())
    partner = UserFactory(partenaire=True, party=world["party"])
    urls = [
        _url("conventions:text", convention),
        _url("conventions:text_part", convention, "article-1"),
        _url("conventions:text_from_template", convention),
        _url("conventions:text_versions", convention),
        _url("conventions:text_restore", convention, 1),
    ]
    for user in (other, partner):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code in (403, 404), (user, url)
            assert client.post(url, {"title": "X", "body": "Y"}).status_code in (403, 404)
    convention.refresh_from_db()
    assert convention.text == TEXT


def test_a_text_sent_to_signature_is_neither_edited_nor_restored(client, world):
    convention = world["convention"]
    services.convention_text_save(
        convention=convention, text={**TEXT, "preamble": "Autre."}, by=world["gestionnaire"]
    )
    Convention.objects.filter(pk=convention.pk).update(
        status=ConventionStatus.TO_SIGN, text_frozen_at=timezone.now()
    )
    client.force_login(world["gestionnaire"])
    for url in (
        _url("conventions:text", convention),
        _url("conventions:text_part", convention, "article-1"),
        _url("conventions:text_from_template", convention),
    ):
        response = client.post(url, {"action": "enregistrer", "title": "X", "body": "Y"})
        assert response.status_code == 302
    restore = _url("conventions:text_restore", convention, 1)
    response = client.post(restore, follow=True)
    assert "figé" in unescape(response.content.decode())
    page = client.get(_url("conventions:text_versions", convention))
    assert page.status_code == 200
    assert restore not in unescape(page.content.decode())  # versions are read, not restored
    convention.refresh_from_db()
    assert convention.text["preamble"] == "Autre."


def test_a_template_is_edited_part_by_part_and_each_save_is_a_version(client, world):
    template = document_template(world["convention"].organisation)
    client.force_login(world["gestionnaire"])
    overview = client.get(reverse("conventions:template_edit", args=[template.pk]))
    assert overview.status_code == 200
    assert "Article 1 « Objet »" in unescape(overview.content.decode())
    url = reverse("conventions:template_part", args=[template.pk, "article-1"])
    page = client.get(url)
    assert page.status_code == 200
    assert "Nom du préfet" in unescape(page.content.decode())
    response = post_loaded(
        client,
        url,
        {"action": "enregistrer", "title": "Objet", "body": "Le poste {{ poste.intitule }}."},
    )
    assert response.status_code == 302
    newest = template.current_version
    assert newest.number == 2
    assert newest.articles == [{"title": "Objet", "body": "Le poste {{ poste.intitule }}."}]
    assert newest.note == "Article 1 « Objet » modifié."
    assert newest.created_by == world["gestionnaire"]
