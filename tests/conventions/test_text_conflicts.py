"""Optimistic locking of the text editor (issue 18, lost updates): two gestionnaires save the
same part from the same loaded version; the second gets the conflict page (409) with both
versions side by side, and nothing of the first is lost."""

from html import unescape

import pytest
from django.urls import reverse

from conventions import services, text_editing
from conventions.models import ConventionStatus
from conventions.text_versions import convention_text_versions
from tests.access import document_template
from tests.conflicts import refused_as_stale, version_of
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    OrganisationFactory,
    PartyFactory,
    UserFactory,
)

TEXT = {
    "title": "Convention de financement du poste",
    "parties_block": "Entre les parties.",
    "preamble": "Vu la circulaire du 1er août 2006.",
    "articles": [
        {"title": "Objet", "body": "La convention finance le poste."},
        {"title": "Durée", "body": "Elle dure un an."},
        {"title": "Bilan", "body": "Un bilan chaque année."},
    ],
    "closing": "Fait à Arras.",
}


@pytest.fixture
def world(db):
    organisation = OrganisationFactory()
    convention = ConventionFactory(organisation=organisation, status=ConventionStatus.DRAFT)
    ConventionPartyFactory(convention=convention, party=PartyFactory(organisation=organisation))
    first = UserFactory(gestionnaire=True, organisation=organisation, first_name="Anne")
    second = UserFactory(gestionnaire=True, organisation=organisation, first_name="Bruno")
    services.convention_text_save(convention=convention, text=TEXT, by=first)
    return {"convention": convention, "first": first, "second": second}


def _part_url(convention, key):
    return reverse("conventions:text_part", args=[convention.reference, key])


def test_the_second_save_of_the_same_part_gets_the_conflict_page(client, world):
    convention, url = world["convention"], _part_url(world["convention"], "article-2")
    client.force_login(world["first"])
    loaded = version_of(client.get(url))
    saved = client.post(
        url, {"title": "Durée", "body": "Elle dure trois ans, renouvelable.", "version": loaded}
    )
    assert saved.status_code == 302
    client.force_login(world["second"])
    refused = client.post(url, {"title": "Durée", "body": "Elle dure deux ans.", "version": loaded})
    assert refused.status_code == 409
    html = unescape(refused.content.decode())
    assert "Quelqu'un a enregistré entre-temps" in html
    assert "Votre enregistrement n'a pas été fait" in html
    assert "Anne" in html  # who saved in between
    assert "<ins>deux</ins>" in html and "<del>trois</del>" in html  # side by side, word by word
    assert "renouvelable" in html  # what the other saved
    assert "Elle dure deux ans." in html  # what this one typed, to copy
    assert "Recharger la page" in html
    convention.refresh_from_db()
    assert convention.text["articles"][1]["body"] == "Elle dure trois ans, renouvelable."
    assert len(convention_text_versions(convention)) == 2  # the first save only


def test_a_fresh_version_saves(client, world):
    convention, url = world["convention"], _part_url(world["convention"], "article-2")
    client.force_login(world["first"])
    client.post(
        url, {"title": "Durée", "body": "Trois ans.", "version": version_of(client.get(url))}
    )
    response = client.post(
        url, {"title": "Durée", "body": "Quatre ans.", "version": version_of(client.get(url))}
    )
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.text["articles"][1]["body"] == "Quatre ans."


def test_two_different_parts_saved_from_the_same_load_are_both_kept(client, world):
    convention = world["convention"]
    second_url, third_url = (_part_url(convention, k) for k in ("article-2", "article-3"))
    client.force_login(world["first"])
    second_version = version_of(client.get(second_url))
    third_version = version_of(client.get(third_url))
    client.post(second_url, {"title": "Durée", "body": "Trois ans.", "version": second_version})
    response = client.post(
        third_url, {"title": "Bilan", "body": "Deux bilans.", "version": third_version}
    )
    assert response.status_code == 302
    convention.refresh_from_db()
    bodies = [a["body"] for a in convention.text["articles"]]
    assert bodies == ["La convention finance le poste.", "Trois ans.", "Deux bilans."]


def test_a_part_whose_article_moved_in_between_is_not_overwritten(client, world):
    """Article 1 removed by the other: « article-3 » is now nothing, « article-2 » is the old
    article 3, which a stale save would have replaced by the old article 2's text."""
    convention = world["convention"]
    url = _part_url(convention, "article-2")
    client.force_login(world["first"])
    loaded = version_of(client.get(url))
    overview = reverse("conventions:text", args=[convention.reference])
    removed = client.post(
        overview,
        {"action": "supprimer", "article": "1", "version": version_of(client.get(overview))},
    )
    assert removed.status_code == 302
    client.force_login(world["second"])
    refused = client.post(url, {"title": "Durée", "body": "Deux ans.", "version": loaded})
    assert refused.status_code == 409
    convention.refresh_from_db()
    assert [a["title"] for a in convention.text["articles"]] == ["Durée", "Bilan"]
    assert convention.text["articles"][1]["body"] == "Un bilan chaque année."


def test_the_overview_refuses_a_move_from_a_stale_text(client, world):
    convention = world["convention"]
    overview = reverse("conventions:text", args=[convention.reference])
    client.force_login(world["first"])
    loaded = version_of(client.get(overview))
    url = _part_url(convention, "article-1")
    client.post(
        url, {"title": "Objet", "body": "Autre objet.", "version": version_of(client.get(url))}
    )
    client.force_login(world["second"])
    refused = client.post(overview, {"action": "supprimer", "article": "1", "version": loaded})
    assert refused.status_code == 409
    assert "Supprimer l'article 1 « Objet »" in unescape(refused.content.decode())
    convention.refresh_from_db()
    assert len(convention.text["articles"]) == 3
    assert convention.text["articles"][0]["body"] == "Autre objet."


def test_an_added_article_never_conflicts(client, world):
    convention = world["convention"]
    url = _part_url(convention, text_editing.NEW_ARTICLE)
    client.force_login(world["first"])
    loaded = version_of(client.get(url))
    client.post(url, {"title": "Suivi", "body": "Un comité.", "version": loaded})
    response = client.post(url, {"title": "Fin", "body": "Trois mois.", "version": loaded})
    assert response.status_code == 302
    convention.refresh_from_db()
    assert [a["title"] for a in convention.text["articles"]][-2:] == ["Suivi", "Fin"]


def test_a_form_shown_again_with_its_errors_keeps_the_version_it_loaded(client, world):
    url = _part_url(world["convention"], "article-2")
    client.force_login(world["first"])
    loaded = version_of(client.get(url))
    client.post(url, {"title": "Durée", "body": "Trois ans.", "version": loaded})  # the other
    shown_again = client.post(url, {"title": "", "body": "x", "version": loaded})
    assert shown_again.status_code == 400
    assert version_of(shown_again) == loaded  # not refreshed: the next save still conflicts


def test_a_template_part_saved_over_another_is_refused(client, world):
    template = document_template(world["convention"].organisation)
    url = reverse("conventions:template_part", args=[template.pk, "article-1"])
    client.force_login(world["first"])
    loaded = version_of(client.get(url))
    assert (
        client.post(url, {"title": "Objet", "body": "Premier.", "version": loaded}).status_code
        == 302
    )
    client.force_login(world["second"])
    refused = client.post(url, {"title": "Objet", "body": "Second.", "version": loaded})
    assert refused.status_code == 409
    assert "Anne" in unescape(refused.content.decode())
    assert template.current_version.articles[0]["body"] == "Premier."
    assert template.versions.count() == 2


def test_a_save_without_the_version_is_refused_as_a_stale_page(client, world):
    """A part, or a move on the overview, posted without the page's version: « page
    périmée », nothing written (no new version of the text)."""
    convention = world["convention"]
    client.force_login(world["second"])
    before = type(convention).objects.get(pk=convention.pk).text
    versions = len(convention_text_versions(convention))
    part = client.post(_part_url(convention, "article-2"), {"title": "Durée", "body": "Deux ans."})
    refused_as_stale(part, "le texte de la convention", "Deux ans.")
    overview = reverse("conventions:text", args=[convention.reference])
    refused_as_stale(client.post(overview, {"action": "supprimer", "article": "1"}))
    convention.refresh_from_db()
    assert convention.text == before
    assert len(convention_text_versions(convention)) == versions


def test_a_template_part_without_the_version_is_refused(client, world):
    template = document_template(world["convention"].organisation)
    client.force_login(world["first"])
    url = reverse("conventions:template_part", args=[template.pk, "article-1"])
    refused_as_stale(client.post(url, {"title": "Objet", "body": "Autre."}), "le modèle")
    assert template.versions.count() == 1


# --------------------------------------------------------------------------- whole-text changes


def test_a_stale_restore_gets_the_conflict_page_and_changes_nothing(client, world):
    """« Rétablir » replaces the whole text: under the lock like the editor, so a text saved
    since the confirmation page was opened is not overwritten by the earlier version."""
    convention = world["convention"]
    services.convention_text_save(
        convention=convention, text={**TEXT, "closing": "Fait à Lille."}, by=world["first"]
    )
    url = reverse("conventions:text_restore", args=[convention.reference, 1])
    client.force_login(world["second"])
    stale = version_of(client.get(url))
    changed = {**TEXT, "closing": "Fait à Lille.", "preamble": "Vu la loi du 5 mars 2007."}
    services.convention_text_save(convention=convention, text=changed, by=world["first"])
    versions = len(convention_text_versions(convention))
    refused = client.post(url, {"version": stale})
    assert refused.status_code == 409
    html = unescape(refused.content.decode())
    assert "Quelqu'un a enregistré entre-temps" in html
    assert "le texte de la convention" in html and "Anne" in html
    assert "Rétablir la version 1" in html  # what this one tried to do
    refused_as_stale(client.post(url))  # no version at all: refused too
    convention.refresh_from_db()
    assert convention.text["preamble"] == "Vu la loi du 5 mars 2007."
    assert convention.text["closing"] == "Fait à Lille."
    assert len(convention_text_versions(convention)) == versions
    fresh = client.post(url, {"version": version_of(client.get(url))})
    assert fresh.status_code == 302
    convention.refresh_from_db()
    assert convention.text["closing"] == "Fait à Arras."


def test_a_stale_template_restore_gets_the_conflict_page(client, world):
    template = document_template(world["convention"].organisation)
    text = template.current_version.as_text()
    services.template_save(
        template=template, text={**text, "closing": "À Lille."}, by=world["first"]
    )
    url = reverse("conventions:template_restore", args=[template.pk, 1])
    client.force_login(world["second"])
    stale = version_of(client.get(url))
    services.template_save(
        template=template, text={**text, "closing": "À Brest."}, by=world["first"]
    )
    refused = client.post(url, {"version": stale})
    assert refused.status_code == 409
    assert "Anne" in unescape(refused.content.decode())
    refused_as_stale(client.post(url), "le modèle")
    assert template.versions.count() == 3
    assert template.current_version.closing == "À Brest."


def test_replacing_by_a_template_from_a_stale_page_is_refused(client, world):
    convention = world["convention"]
    chosen = document_template(convention.organisation).current_version
    url = reverse("conventions:text_from_template", args=[convention.reference])
    client.force_login(world["second"])
    stale = version_of(client.get(url, {"modele": chosen.pk}))
    changed = {**TEXT, "preamble": "Vu la loi du 5 mars 2007."}
    services.convention_text_save(convention=convention, text=changed, by=world["first"])
    refused = client.post(url, {"modele": chosen.pk, "version": stale})
    assert refused.status_code == 409
    html = unescape(refused.content.decode())
    assert "Anne" in html and "Remplacer le texte par « " in html
    refused_as_stale(client.post(url, {"modele": chosen.pk}))
    convention.refresh_from_db()
    assert convention.text["preamble"] == "Vu la loi du 5 mars 2007."
    fresh = version_of(client.get(url, {"modele": chosen.pk}))
    assert client.post(url, {"modele": chosen.pk, "version": fresh}).status_code == 302
    convention.refresh_from_db()
    assert convention.text == chosen.as_text()
