"""Bulk actions of the conventions list: send the ticked drafts to signature (confirmation,
all or nothing) and download the ticked signed conventions in one archive."""

import html
import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from django.urls import reverse

from conventions.models import Convention, ConventionStatus, DocumentDownload
from iscg.models import PreparedFile
from tests.access import with_signed_copy
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    OrganisationFactory,
    PartyFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = date.today()


def sendable_draft(organisation, reference):
    convention = ConventionFactory(
        organisation=organisation,
        reference=reference,
        status=ConventionStatus.DRAFT,
        start_date=TODAY - timedelta(days=30),
        end_date=TODAY + timedelta(days=300),
        signature_place="Arras",
        original_copies=3,
    )
    for name in ("État", "CC du Ternois"):
        party = PartyFactory(organisation=organisation, name=name)
        representative = RepresentativeFactory(party=party, name=f"Signataire {name}")
        ConventionPartyFactory(convention=convention, party=party, representative=representative)
    return convention


@pytest.fixture
def world(client):
    org = OrganisationFactory(slug="dept-a")
    drafts = [sendable_draft(org, f"A-{n}") for n in (1, 2)]
    signed = ConventionFactory(organisation=org, reference="A-SIGNEE")
    manager = UserFactory(gestionnaire=True, organisation=org)
    return {"org": org, "drafts": drafts, "signed": signed, "manager": manager}


def post(client, **data):
    return client.post(reverse("conventions:bulk"), data)


def statuses(*conventions):
    return [Convention.objects.get(pk=c.pk).status for c in conventions]


def test_sending_asks_for_confirmation_first_and_changes_nothing(client, world):
    client.force_login(world["manager"])
    refs = [c.reference for c in world["drafts"]] + ["A-SIGNEE"]
    response = post(client, action="signature", conventions=refs)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Envoyer 2\u00a0conventions à la signature" in page
    assert "ne peuvent plus être modifiés" in page
    assert re.search(r"A-SIGNEE : elle est « [^»]+ », pas en brouillon", page)
    assert statuses(*world["drafts"]) == [ConventionStatus.DRAFT] * 2


def test_confirmed_sending_sends_every_draft_and_keeps_it_in_history(client, world):
    client.force_login(world["manager"])
    refs = [c.reference for c in world["drafts"]]
    response = post(
        client, action="signature", conventions=refs, confirmer="oui", retour="/conventions/?q=A"
    )
    assert response.status_code == 302 and response["Location"] == "/conventions/?q=A"
    assert statuses(*world["drafts"]) == [ConventionStatus.TO_SIGN] * 2
    first = Convention.objects.get(pk=world["drafts"][0].pk)
    assert first.history.first().history_change_reason == "Envoi à la signature."
    assert first.history.first().history_user == world["manager"]


def test_one_refused_draft_and_none_is_sent(client, world):
    client.force_login(world["manager"])
    blank = ConventionFactory(organisation=world["org"], reference="A-VIDE", status="brouillon")
    refs = [c.reference for c in world["drafts"]] + [blank.reference]
    response = post(client, action="signature", conventions=refs, confirmer="oui")
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Rien n'a été envoyé" in page and "A-VIDE :" in page
    assert statuses(*world["drafts"], blank) == [ConventionStatus.DRAFT] * 3


def test_refusals_nothing_ticked_unknown_action_and_outside_roles(client, world):
    client.force_login(world["manager"])
    response = post(client, action="signature")
    assert response.status_code == 302
    assert "Cochez au moins une convention" in client.get(response["Location"]).text
    assert post(client, action="supprimer", conventions=["A-1"]).status_code == 302
    # another organisation's gestionnaire sees none of them: nothing is sent
    client.force_login(UserFactory(gestionnaire=True))
    assert post(client, action="signature", conventions=["A-1"], confirmer="oui").status_code == 302
    # a coordinator or a partner may not send
    client.force_login(UserFactory(coordinateur=True, organisation=world["org"]))
    assert post(client, action="signature", conventions=["A-1"], confirmer="oui").status_code == 403
    assert statuses(*world["drafts"]) == [ConventionStatus.DRAFT] * 2
    # GET is not an action
    assert client.get(reverse("conventions:bulk")).status_code == 405


def stored_bytes(document) -> bytes:
    with document.file.open("rb") as stored:
        return stored.read()


def test_download_gathers_the_signed_copies_in_one_archive(client, world, run_tasks, no_render):
    client.force_login(world["manager"])
    other = ConventionFactory(organisation=world["org"], reference="A-SIGNEE-2")
    with_signed_copy(world["signed"])
    with_signed_copy(other)
    refs = ["A-SIGNEE", "A-SIGNEE-2", "A-1"]
    response = post(client, action="telecharger", conventions=refs)
    # The request only asks the worker (no_render: nothing rendered, nothing zipped here).
    assert response.status_code == 302
    prepared = PreparedFile.objects.get()
    assert response["Location"] == reverse("conventions:prepared", args=[prepared.token])
    assert prepared.total == 2 and prepared.done == 0  # the draft is not in it
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert "Le document est en préparation" in text and "0\u00a0document prêt sur 2" in text
    assert "pas signées : A-1" in text
    file_url = reverse("conventions:prepared_file", args=[prepared.token])
    assert client.get(file_url).status_code == 302  # not ready: back to its page
    assert run_tasks() == 1
    prepared.refresh_from_db()
    assert (prepared.done, prepared.total, prepared.status) == (2, 2, PreparedFile.Status.READY)
    assert "Télécharger le fichier" in client.get(response["Location"]).content.decode()
    download = client.get(file_url)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"] == 'attachment; filename="conventions-signees.zip"'
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert sorted(archive.namelist()) == ["A-SIGNEE-2-signee.pdf", "A-SIGNEE-signee.pdf"]
    assert archive.read("A-SIGNEE-signee.pdf") == stored_bytes(world["signed"].signed_copy)
    assert DocumentDownload.objects.count() == 2
    # Asked again with nothing changed: the same archive, no second preparation.
    again = post(client, action="telecharger", conventions=refs)
    assert again["Location"] == response["Location"]
    assert PreparedFile.objects.count() == 1 and run_tasks() == 0
    # Another user, even of the same organisation, never reaches this archive.
    client.force_login(UserFactory(gestionnaire=True, organisation=world["org"]))
    assert client.get(response["Location"]).status_code == 404
    assert client.get(file_url).status_code == 404


def test_a_signed_pdf_still_to_produce_is_rendered_by_the_worker(
    client, world, run_tasks, no_render
):
    from conventions import services
    from conventions.models import DocumentKind, DocumentVersion

    client.force_login(world["manager"])
    signed = world["signed"]
    # The signed text, decided (its HTML stored, its render queued) but not rendered yet.
    version = services.convention_document(convention=signed, by=world["manager"])
    assert not version.is_rendered
    response = post(client, action="telecharger", conventions=["A-SIGNEE"])
    assert response.status_code == 302
    assert not DocumentVersion.objects.get(pk=version.pk).is_rendered  # nothing rendered here
    from tests.access import minimal_pdf

    rendered = []
    pdf = minimal_pdf()  # a real PDF: the final version of a signed act is sealed

    def render(html):
        rendered.append(html)
        return pdf, 1

    no_render.patch.setattr("conventions.documents.render_pdf", render)
    run_tasks()
    prepared = PreparedFile.objects.get()
    assert prepared.status == PreparedFile.Status.READY, prepared.error
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(reverse("conventions:prepared_file", args=[prepared.token])).content)
    )
    (name,) = archive.namelist()
    # The worker's render, sealed by incremental update: its bytes come first, as rendered.
    assert archive.read(name).startswith(pdf) and len(archive.read(name)) > len(pdf)
    assert len(rendered) == 1
    assert signed.documents.filter(kind=DocumentKind.GENERATED).count() == 1  # no 2nd version


def test_download_refuses_when_nothing_is_signed(client, world):
    client.force_login(world["manager"])
    response = post(client, action="telecharger", conventions=["A-1"])
    assert (
        "Aucune des conventions cochées n&#x27;est signée" in client.get(response["Location"]).text
    )
    assert DocumentDownload.objects.count() == 0
    assert not PreparedFile.objects.exists()


def test_a_partner_downloads_only_its_own_signed_conventions(client, world, run_tasks):
    party = PartyFactory(organisation=world["org"])
    ConventionPartyFactory(convention=world["signed"], party=party)
    foreign = ConventionFactory(organisation=world["org"], reference="A-AUTRE")
    with_signed_copy(world["signed"])
    with_signed_copy(foreign)
    client.force_login(UserFactory(partenaire=True, party=party, organisation=world["org"]))
    response = post(client, action="telecharger", conventions=["A-SIGNEE", "A-AUTRE"])
    run_tasks()
    prepared = PreparedFile.objects.get()
    assert prepared.params["conventions"] == [world["signed"].pk]
    download = client.get(reverse("conventions:prepared_file", args=[prepared.token]))
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert names == ["A-SIGNEE-signee.pdf"]
    assert response["Location"] == reverse("conventions:prepared", args=[prepared.token])
    # the list offers it the download, never the sending
    page = client.get(reverse("conventions:list")).content.decode()
    assert 'value="telecharger"' in page and 'value="signature"' not in page
