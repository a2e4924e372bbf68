"""One rule per document (issue 18): the same version and the same refusal on every document
URL, no version written by a reader's GET, staff names kept from partners, withdrawn
signatures shown, and no PDF rendered in a request when a reader comes before the worker."""

import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from conventions import sealing, services
from conventions.models import ConventionParty, DocumentVersion
from iscg.models import EmailLog
from tests.factories import UserFactory
from tests.lifecycle import new_convention, send_and_sign, territory

pytestmark = pytest.mark.django_db

YEARS = {2026: ("42000", "14000", "14000")}


@pytest.fixture
def world():
    return territory()


def _readers(world):
    post = world.posts[0]
    return {
        "partenaire": UserFactory(
            partenaire=True, party=world.commune, organisation=world.organisation
        ),
        "intervenant": UserFactory(intervenant=True, post=post, organisation=world.organisation),
        "coordinateur": UserFactory(coordinateur=True, organisation=world.organisation),
        "admin": UserFactory(admin=True),
    }


def _pdf(reference):
    return reverse("conventions:pdf", args=[reference])


def test_a_readers_get_of_a_signed_act_writes_no_version_and_the_worker_decides_it(
    world, client, run_tasks, no_render
):
    """Signed before any final document existed: each reader's GET answers « en
    préparation » and writes no DocumentVersion (counted); the worker decides the final
    document, credited to nobody, and seals it; every reader then gets that same PDF."""
    convention = send_and_sign(new_convention(world, world.posts[0], YEARS), world.manager)
    with no_render.allowed():
        run_tasks()
    convention.documents.filter(is_sealed=True).delete()  # as an act signed before the seal
    before = DocumentVersion.objects.count()
    for role, reader in _readers(world).items():
        client.force_login(reader)
        response = client.get(_pdf(convention.reference))
        assert response.status_code == 200, role
        assert "Le document est en préparation" in response.content.decode(), role
        for name in ("conventions:odt", "conventions:docx"):
            page = client.get(reverse(name, args=[convention.reference]))
            assert page.status_code == 200 and "en préparation" in page.content.decode(), role
        assert DocumentVersion.objects.count() == before, f"{role} a écrit une version"
    with no_render.allowed():
        run_tasks()
    final = convention.documents.get(is_sealed=True)
    assert final.created_by is None and final.is_rendered
    assert DocumentVersion.objects.count() == before + 1
    for role, reader in _readers(world).items():
        client.force_login(reader)
        response = client.get(_pdf(convention.reference))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert hashlib.sha256(response.content).hexdigest() == final.sha256, role
        assert sealing.verify_pdf(response.content).is_sealed_by_us
        assert DocumentVersion.objects.count() == before + 1, role


def test_the_intervenant_reads_no_drafts_pdf_on_any_url(world, client):
    """The intervenant sees its post's draft, not its PDF: /pdf/, /documents/<n>/, ODT and
    DOCX all answer 404, and its GETs write no version; the page offers no PDF."""
    draft = new_convention(world, world.posts[0], YEARS)
    client.force_login(world.manager)
    assert client.get(_pdf(draft.reference)).status_code == 200  # v1, the gestionnaire's
    version = draft.documents.get()
    assert version.created_by == world.manager
    intervenant = _readers(world)["intervenant"]
    client.force_login(intervenant)
    before = DocumentVersion.objects.count()
    urls = [
        _pdf(draft.reference),
        reverse("conventions:document", args=[draft.reference, version.number]),
        reverse("conventions:odt", args=[draft.reference]),
        reverse("conventions:docx", args=[draft.reference]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert DocumentVersion.objects.count() == before
    page = client.get(draft.get_absolute_url()).content.decode()
    assert _pdf(draft.reference) not in page and "PDF du projet" not in page
    assert "une fois la convention envoyée à la signature" in page


def test_a_coordinator_reads_a_drafts_stored_pdf_and_never_writes_one(world, client, run_tasks):
    """A coordinator reads the draft's PDF a gestionnaire produced; while its current text has
    none, « pas encore disponible » (nothing written), with the last version stored."""
    draft = new_convention(world, world.posts[0], YEARS)
    coordinator = _readers(world)["coordinateur"]
    client.force_login(coordinator)
    page = client.get(_pdf(draft.reference))
    assert page.status_code == 200 and "pas encore disponible" in page.content.decode()
    assert not DocumentVersion.objects.exists()
    client.force_login(world.manager)
    client.get(_pdf(draft.reference))
    run_tasks()
    version = draft.documents.get()
    client.force_login(coordinator)
    response = client.get(_pdf(draft.reference))
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(response.content).hexdigest() == version.sha256
    draft.title = "Titre changé"
    draft.save()
    page = client.get(_pdf(draft.reference)).content.decode()
    assert "pas encore disponible" in page and f"v{version.number}" in page
    assert DocumentVersion.objects.count() == 1


def test_the_sent_document_is_never_rendered_in_a_request(world, client, run_tasks, no_render):
    """Signed before the worker rendered the document sent (the sealing's fallback): the
    gestionnaire's GET and a partner's get the waiting page, nothing rendered or sealed in the
    request; the worker renders the document sent, decides the final one and seals it."""
    with no_render.allowed():
        convention = send_and_sign(new_convention(world, world.posts[0], YEARS), world.manager)
    sent = convention.documents.get()
    assert not sent.is_rendered and not convention.documents.filter(is_sealed=True).exists()
    partner = _readers(world)["partenaire"]
    for user in (world.manager, partner):
        client.force_login(user)
        response = client.get(_pdf(convention.reference))
        assert "Le document est en préparation" in response.content.decode()
    assert convention.documents.count() == 1
    with no_render.allowed():
        run_tasks()
    final = convention.documents.get(is_sealed=True)
    assert final.is_rendered and final.created_by is None
    client.force_login(partner)
    response = client.get(_pdf(convention.reference))
    assert hashlib.sha256(response.content).hexdigest() == final.sha256


def test_a_funder_that_does_not_sign_reads_the_signed_act(world, client, run_tasks):
    """« Party to » the convention is the rule: a partner of a funder that is not a signatory
    reads the signed convention, its sealed PDF and its signed copy, like a signatory's."""
    convention = new_convention(world, world.posts[0], YEARS)
    ConventionParty.objects.filter(convention=convention, party=world.commune).update(
        is_signatory=False, is_funder=True
    )
    convention = send_and_sign(convention, world.manager)
    run_tasks()
    partner = _readers(world)["partenaire"]
    client.force_login(partner)
    assert client.get(convention.get_absolute_url()).status_code == 200
    response = client.get(_pdf(convention.reference))
    assert response["Content-Type"] == "application/pdf"
    with_signed_copy_number = with_signed_copy_of(convention)
    copy = client.get(reverse("conventions:signed_copy", args=[convention.reference]))
    assert copy.status_code == 200 and copy["Content-Type"] == "application/pdf"
    number = client.get(
        reverse("conventions:document", args=[convention.reference, with_signed_copy_number])
    )
    assert number.status_code == 200


def with_signed_copy_of(convention) -> int:
    """A signed copy deposited on ``convention`` after its generated versions; its number."""
    from django.core.files.base import ContentFile

    from conventions.models import DocumentKind
    from tests.access import minimal_pdf

    content = minimal_pdf()
    document = DocumentVersion(
        convention=convention,
        number=convention.documents.count() + 1,
        kind=DocumentKind.SIGNED_COPY,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        pages=1,
    )
    document.file.save("copie.pdf", ContentFile(content), save=False)
    document.save()
    return document.number


def test_staff_names_and_e_mails_never_reach_a_partner(world, client, run_tasks):
    """The signatures page, the convention's page (history, e-mail log, downloads) show the
    gestionnaire's name and address to the staff only."""
    world.manager.first_name, world.manager.last_name = "Gaëlle", "Gestion"
    world.manager.save()
    convention = send_and_sign(new_convention(world, world.posts[0], YEARS), world.manager)
    run_tasks()
    EmailLog.objects.create(
        key="test-journal",
        organisation=world.organisation,
        reference=convention.reference,
        to=[world.manager.email],
        subject="Convention signée",
        body="Bonjour",
    )
    pages = [
        reverse("conventions:signatures", args=[convention.reference]),
        convention.get_absolute_url(),
    ]
    client.force_login(world.manager)
    staff_pages = [client.get(url).content.decode() for url in pages]
    assert "Gaëlle Gestion" in staff_pages[0]  # « enregistrée par … »
    assert world.manager.email in staff_pages[1]  # the e-mail log
    partner = _readers(world)["partenaire"]
    client.force_login(partner)
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        assert "Gaëlle" not in text and "Gestion" not in text, url
        assert world.manager.email not in text and "enregistrée par" not in text, url
    assert client.get(reverse("conventions:email_log")).status_code == 403


def test_a_withdrawn_signature_shows_on_the_conventions_page(world, client):
    """A paper signature recorded by mistake, then withdrawn: the staff read who recorded it
    and who withdrew it, and when; a partner reads that it was withdrawn and when only."""
    world.manager.first_name, world.manager.last_name = "Gaëlle", "Gestion"
    world.manager.save()
    convention = new_convention(world, world.posts[0], YEARS)
    services.convention_send_to_signature(convention=convention, by=world.manager)
    today = timezone.localdate()
    services.convention_sign(
        convention=convention,
        party=world.etat,
        signed_on=today,
        signatory_name="Jean Préfet",
        by=world.manager,
    )
    services.convention_unsign(convention=convention, party=world.etat, by=world.manager)
    client.force_login(world.manager)
    page = client.get(convention.get_absolute_url()).content.decode()
    assert "Signatures retirées" in page
    line = page.split("Signatures retirées", 1)[1].split("</ul>", 1)[0]
    assert "État" in line and "Jean Préfet" in line
    assert line.count("Gaëlle Gestion") == 2  # recorded by, withdrawn by
    assert "enregistrée le" in line and "retirée le" in line
    partner = UserFactory(partenaire=True, party=world.etat, organisation=world.organisation)
    client.force_login(partner)
    page = client.get(convention.get_absolute_url()).content.decode()
    line = page.split("Signatures retirées", 1)[1].split("</ul>", 1)[0]
    assert "retirée le" in line and "Jean Préfet" in line
    assert "Gaëlle" not in page and world.manager.email not in page


def test_a_partners_zip_and_a_coordinators_zip_follow_the_same_rule(world, client, run_tasks):
    """The ZIPs hold what their reader may read: a partner's archive of a signed act whose
    final document was missing gets it decided by the worker, credited to nobody; a
    coordinator's archive of a deliberation refuses, in French, a draft that no gestionnaire
    produced (the worker writes no draft version for a reader)."""
    from datetime import date

    from conventions.models import Deliberation
    from iscg.models import PreparedFile

    convention = send_and_sign(new_convention(world, world.posts[0], YEARS), world.manager)
    run_tasks()
    convention.documents.filter(is_sealed=True).delete()
    partner = _readers(world)["partenaire"]
    client.force_login(partner)
    client.post(
        reverse("conventions:bulk"),
        {"action": "telecharger", "conventions": [convention.reference]},
    )
    run_tasks()
    prepared = PreparedFile.objects.get(user=partner)
    assert prepared.status == PreparedFile.Status.READY, prepared.error
    final = convention.documents.get(is_sealed=True)
    assert final.created_by is None
    draft = new_convention(world, world.posts[0], YEARS)
    deliberation = Deliberation.objects.create(
        party=world.employer, body="Conseil communautaire", date=date(2026, 1, 5), number="D-1"
    )
    draft.deliberations.add(deliberation)
    convention.deliberations.add(deliberation)
    coordinator = _readers(world)["coordinateur"]
    client.force_login(coordinator)
    before = DocumentVersion.objects.count()
    client.post(reverse("conventions:deliberation_zip_progress", args=[deliberation.pk]))
    run_tasks()
    prepared = PreparedFile.objects.get(user=coordinator)
    assert prepared.status == PreparedFile.Status.FAILED
    assert draft.reference in prepared.error and "pas encore été produit" in prepared.error
    assert DocumentVersion.objects.count() == before
