"""Signatures, statuses by date, signed copies (upload checked by content) and their downloads."""

import html
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from conventions import services
from conventions.models import (
    Convention,
    ConventionStatus,
    DocumentDownload,
    DocumentKind,
    DocumentVersion,
)
from tests.access import build_world, minimal_pdf, with_signed_copy
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    PartyFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def draft():
    convention = ConventionFactory(
        status=ConventionStatus.DRAFT,
        start_date=TODAY - timedelta(days=30),
        end_date=TODAY + timedelta(days=300),
        signature_place="Arras",
        original_copies=3,
    )
    for name in ("État", "Département du Pas-de-Calais", "CC du Ternois"):
        party = PartyFactory(organisation=convention.organisation, name=name)
        representative = RepresentativeFactory(party=party, name=f"Signataire {name}")
        ConventionPartyFactory(convention=convention, party=party, representative=representative)
    return convention


@pytest.fixture
def manager(draft):
    return UserFactory(gestionnaire=True, organisation=draft.organisation)


def sign_all(convention, by, on=TODAY):
    for membership in convention.memberships.filter(is_signatory=True):
        services.convention_sign(
            convention=convention,
            party=membership.party,
            signed_on=on,
            signatory_name=membership.representative.name,
            by=by,
        )


# --------------------------------------------------------------------------- signatures


def test_the_convention_is_signed_when_the_last_party_signs(draft, manager):
    services.convention_send_to_signature(convention=draft, by=manager)
    parties = [m.party for m in draft.memberships.order_by("order", "pk")]
    for party in parties[:-1]:
        services.convention_sign(
            convention=draft,
            party=party,
            signed_on=TODAY,
            signatory_name="Jacques BILLANT",
            by=manager,
        )
        draft.refresh_from_db()
        assert draft.status == ConventionStatus.TO_SIGN
    membership = services.convention_sign(
        convention=draft,
        party=parties[-1],
        signed_on=TODAY,
        signatory_name="Marc BRIDOUX",
        by=manager,
    )
    assert membership.is_signed and membership.signature_recorded_by == manager
    draft.refresh_from_db()
    # Started a month ago: in force as soon as it is signed.
    assert draft.status == ConventionStatus.IN_FORCE
    assert draft.signature_date == TODAY


def test_a_signature_is_refused_before_sending_twice_or_in_the_future(draft, manager):
    party = draft.memberships.first().party
    kwargs = {"convention": draft, "party": party, "signatory_name": "X", "by": manager}
    with pytest.raises(ValidationError, match="n'est pas à la signature"):
        services.convention_sign(signed_on=TODAY, **kwargs)
    services.convention_send_to_signature(convention=draft, by=manager)
    with pytest.raises(ValidationError, match="futur"):
        services.convention_sign(signed_on=TODAY + timedelta(days=1), **kwargs)
    services.convention_sign(signed_on=TODAY, **kwargs)
    with pytest.raises(ValidationError, match="a déjà signé"):
        services.convention_sign(signed_on=TODAY, **kwargs)
    outsider = PartyFactory(organisation=draft.organisation)
    with pytest.raises(ValidationError, match="n'est pas signataire"):
        services.convention_sign(**{**kwargs, "party": outsider}, signed_on=TODAY)


def test_statuses_follow_the_dates():
    future = ConventionFactory(
        status=ConventionStatus.SIGNED, start_date=date(2030, 1, 1), end_date=date(2030, 12, 31)
    )
    started = ConventionFactory(
        status=ConventionStatus.SIGNED, start_date=date(2025, 1, 1), end_date=date(2027, 12, 31)
    )
    ended = ConventionFactory(
        status=ConventionStatus.IN_FORCE, start_date=date(2023, 1, 1), end_date=date(2023, 12, 31)
    )
    draft = ConventionFactory(status=ConventionStatus.DRAFT, start_date=date(2020, 1, 1))
    stdout = StringIO()
    call_command("convention_statuses", "--date", "2026-06-01", stdout=stdout)
    statuses = dict(Convention.objects.values_list("pk", "status"))
    assert statuses[future.pk] == ConventionStatus.SIGNED
    assert statuses[started.pk] == ConventionStatus.IN_FORCE
    assert statuses[ended.pk] == ConventionStatus.EXPIRED
    assert statuses[draft.pk] == ConventionStatus.DRAFT
    assert "2\u00a0statuts mis à jour." in stdout.getvalue()


def test_the_signature_page_records_a_signature(client, draft, manager):
    services.convention_send_to_signature(convention=draft, by=manager)
    client.force_login(manager)
    party = draft.memberships.first().party
    url = reverse("conventions:signatures", args=[draft.reference])
    response = client.post(
        url,
        {
            "action": "signer",
            "party": party.pk,
            f"p{party.pk}-signed_on": TODAY.isoformat(),
            f"p{party.pk}-signatory_name": "Jacques BILLANT",
        },
    )
    assert response.status_code == 302
    membership = draft.memberships.get(party=party)
    assert membership.signed_on == TODAY and membership.signatory_name == "Jacques BILLANT"
    page = client.get(url).content.decode()
    assert "Signée" in page and "En attente" in page


def test_a_coordinator_cannot_record_a_signature(client, draft, manager):
    services.convention_send_to_signature(convention=draft, by=manager)
    client.force_login(UserFactory(coordinateur=True, organisation=draft.organisation))
    party = draft.memberships.first().party
    response = client.post(
        reverse("conventions:signatures", args=[draft.reference]),
        {"action": "signer", "party": party.pk},
    )
    assert response.status_code == 403
    assert not draft.memberships.filter(signed_on__isnull=False).exists()


def test_a_signature_recorded_by_mistake_is_withdrawn_and_kept_in_history(client, draft, manager):
    services.convention_send_to_signature(convention=draft, by=manager)
    party = draft.memberships.first().party
    services.convention_sign(
        convention=draft, party=party, signed_on=TODAY, signatory_name="X", by=manager
    )
    client.force_login(manager)
    url = reverse("conventions:signatures", args=[draft.reference])
    assert "Retirer cette signature" in client.get(url).content.decode()
    response = client.post(url, {"action": "retirer", "party": party.pk})
    assert response.status_code == 302
    membership = draft.memberships.get(party=party)
    assert (membership.signed_on, membership.signatory_name) == (None, "")
    latest, previous = membership.history.order_by("-history_date")[:2]
    assert latest.history_user == manager and latest.signed_on is None
    assert previous.signed_on == TODAY
    draft.refresh_from_db()
    assert draft.status == ConventionStatus.TO_SIGN


def test_signatures_can_no_longer_be_withdrawn_once_all_have_signed(client, draft, manager):
    services.convention_send_to_signature(convention=draft, by=manager)
    sign_all(draft, manager)
    party = draft.memberships.first().party
    with pytest.raises(ValidationError, match="ne peuvent plus être retirées"):
        services.convention_unsign(convention=draft, party=party, by=manager)
    client.force_login(UserFactory(coordinateur=True, organisation=draft.organisation))
    response = client.post(
        reverse("conventions:signatures", args=[draft.reference]),
        {"action": "retirer", "party": party.pk},
    )
    assert response.status_code == 403
    assert draft.memberships.get(party=party).signed_on == TODAY


# --------------------------------------------------------------------------- signed copies


@pytest.fixture
def signed(draft, manager):
    services.convention_send_to_signature(convention=draft, by=manager)
    sign_all(draft, manager)
    draft.refresh_from_db()
    return draft


def media_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(client, convention, name, content, content_type="application/pdf"):
    return client.post(
        reverse("conventions:signed_copy_upload", args=[convention.reference]),
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def test_a_pdf_is_stored_under_a_random_name_and_becomes_the_reference(
    client, signed, manager, settings
):
    client.force_login(manager)
    response = upload(client, signed, "../../convention signée.pdf", minimal_pdf())
    assert response.status_code == 302
    copy = signed.signed_copy
    assert copy.kind == DocumentKind.SIGNED_COPY and copy.pages == 1
    assert copy.created_by == manager and copy.original_name == "convention signée.pdf"
    assert "signée" not in copy.file.name and ".." not in copy.file.name
    assert copy.file.name.startswith("conventions/documents/") and len(copy.file.name) > 50


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("convention.pdf", b"Ceci n'est pas un PDF, seulement un nom.", "n'est pas un PDF"),
        ("scan.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "n'est pas un PDF"),
        ("abime.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50, "ne peut pas être lu"),
        ("vide.pdf", b"", "vide"),
    ],
)
def test_a_non_pdf_upload_is_refused_and_changes_nothing(
    client, signed, manager, settings, name, content, message
):
    client.force_login(manager)
    before = (list(DocumentVersion.objects.values_list("pk", flat=True)), media_files(settings))
    status = signed.status
    response = upload(client, signed, name, content)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    after = (list(DocumentVersion.objects.values_list("pk", flat=True)), media_files(settings))
    assert after == before
    signed.refresh_from_db()
    assert signed.status == status and signed.signed_copy is None


def test_a_too_large_upload_is_refused(client, signed, manager, settings):
    settings.SIGNED_COPY_MAX_BYTES = 200
    client.force_login(manager)
    response = upload(client, signed, "gros.pdf", minimal_pdf() + b"%" * 500)
    assert response.status_code == 400
    assert "dépasse la taille permise" in response.content.decode()
    assert not DocumentVersion.objects.filter(kind=DocumentKind.SIGNED_COPY).exists()


def test_no_signed_copy_on_a_draft(draft, manager):
    upload_file = SimpleUploadedFile("x.pdf", minimal_pdf())
    with pytest.raises(ValidationError, match="brouillon"):
        services.signed_copy_upload(convention=draft, upload=upload_file, by=manager)


def test_a_partner_downloads_its_signed_copy_and_the_download_is_logged(client):
    world = build_world()
    with_signed_copy(world.c1)
    partner = world.users["partenaire"]
    client.force_login(partner)
    response = client.get(reverse("conventions:signed_copy", args=[world.c1.reference]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == 'attachment; filename="A-C1-signee.pdf"'
    log = DocumentDownload.objects.get()
    assert log.user == partner and log.document == world.c1.signed_copy
    assert log.user_label == str(partner)


def test_a_partner_gets_404_on_another_partys_copy_and_on_any_draft(client):
    world = build_world()
    with_signed_copy(world.c2)  # signed, but the partner's party is not in it
    with_signed_copy(world.c3)  # the partner's party is in it, but it is a draft
    client.force_login(world.users["partenaire"])
    for convention in (world.c2, world.c3):
        for url in (
            reverse("conventions:signed_copy", args=[convention.reference]),
            reverse("conventions:document", args=[convention.reference, 1]),
            reverse("conventions:pdf", args=[convention.reference]),
        ):
            assert client.get(url).status_code == 404, url
    assert not DocumentDownload.objects.exists()


def test_a_partner_does_not_get_the_generated_drafts_of_a_signed_convention(client):
    world = build_world()
    draft_version = services.document_rendered(services.convention_document(convention=world.c1))
    draft_version.is_frozen = False
    draft_version.save()
    client.force_login(world.users["partenaire"])
    url = reverse("conventions:document", args=[world.c1.reference, draft_version.number])
    assert client.get(url).status_code == 404


# --------------------------------------------------------------------------- what a copy looks like


def text_pdf(text="Convention signée par les parties") -> bytes:
    """A PDF with a text layer and no image: what "print to PDF" of a document gives."""
    from conventions.documents import render_pdf

    return render_pdf(f"<html><body><p>{text}</p></body></html>")[0]


def scanned_pdf(pages: int = 2) -> bytes:
    """Pages that are each one image, as a scanner makes them (Pillow)."""
    import io

    from PIL import Image, ImageDraw

    images = []
    for number in range(pages):
        image = Image.new("RGB", (620, 877), "white")
        ImageDraw.Draw(image).text((60, 60), f"Page {number + 1} signée", fill="black")
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def signed_pdf() -> bytes:
    """A text PDF carrying an electronic signature field (/FT /Sig, as a signing tool adds)."""
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf())))
    page = writer.pages[0]
    field = DictionaryObject(
        {
            NameObject("/FT"): NameObject("/Sig"),
            NameObject("/T"): TextStringObject("Signature du Préfet"),
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject([FloatObject(0)] * 4),
            NameObject("/P"): page.indirect_reference,
        }
    )
    reference = writer._add_object(field)
    page[NameObject("/Annots")] = ArrayObject([reference])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([reference])}
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_what_a_pdf_looks_like_is_read_from_its_content():
    from conventions.pdf_checks import UNSIGNED_WARNING, inspect_pdf, signed_copy_warning

    plain = inspect_pdf(text_pdf())
    assert plain.has_text and not plain.has_signature and not plain.has_full_page_image
    assert signed_copy_warning(plain) == UNSIGNED_WARNING

    scan = inspect_pdf(scanned_pdf())
    assert scan.has_full_page_image and not scan.has_signature and scan.looks_scanned
    assert signed_copy_warning(scan) == ""

    signed = inspect_pdf(signed_pdf())
    assert signed.has_signature and signed.has_text
    assert signed_copy_warning(signed) == ""

    blank = inspect_pdf(minimal_pdf())  # no text layer at all: a scan that failed to show
    assert blank.looks_scanned and signed_copy_warning(blank) == ""


def test_the_generated_document_is_refused_as_the_signed_copy(client, signed, manager, settings):
    generated = services.document_rendered(
        services.convention_document(convention=signed, render_sent=True)  # as the worker
    )
    with generated.file.open("rb") as stored:
        content = stored.read()
    client.force_login(manager)
    before = (list(DocumentVersion.objects.values_list("pk", flat=True)), media_files(settings))
    response = upload(client, signed, "convention.pdf", content)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert f"document généré par l'application (version {generated.number}" in page
    assert "fichier identique), pas la copie signée" in page
    after = (list(DocumentVersion.objects.values_list("pk", flat=True)), media_files(settings))
    assert after == before and signed.signed_copy is None


def test_an_older_generated_version_is_refused_too(signed, manager):
    draft_render = signed.documents.filter(kind=DocumentKind.GENERATED).order_by("number").first()
    with services.document_rendered(draft_render).file.open("rb") as stored:
        content = stored.read()
    with pytest.raises(ValidationError, match="document généré"):
        services.signed_copy_upload(
            convention=signed, upload=SimpleUploadedFile("v1.pdf", content), by=manager
        )
    assert signed.signed_copy is None


UNSIGNED = (
    "Ce fichier ne porte ni signature électronique ni l'aspect d'un scan : vérifiez qu'il "
    "s'agit bien de l'exemplaire signé."
)


def test_a_pdf_neither_signed_nor_scanned_is_kept_with_a_warning(client, signed, manager):
    client.force_login(manager)
    response = upload(client, signed, "imprimé.pdf", text_pdf())
    assert response.status_code == 302
    copy = signed.signed_copy
    assert copy is not None and copy.warning == UNSIGNED
    page = html.unescape(client.get(signed.get_absolute_url()).content.decode())
    assert UNSIGNED in page
    assert f"Copie signée v{copy.number}" in page


def electronically_signed_pdf() -> bytes:
    """A text PDF signed for real (pyHanko, the test seal certificate)."""
    from conventions.sealing import seal_pdf

    return seal_pdf(text_pdf(), reason="Signature", location="Arras")


def test_an_empty_signature_field_is_no_signature(client, signed, manager):
    """A PDF prepared for signature but never signed: kept with the warning."""
    client.force_login(manager)
    response = upload(client, signed, "copie.pdf", signed_pdf())
    assert response.status_code == 302
    assert signed.signed_copy.warning.startswith("Ce fichier ne porte ni signature")


@pytest.mark.parametrize(
    "make", [scanned_pdf, electronically_signed_pdf], ids=["scan", "signature"]
)
def test_a_scan_or_a_signed_pdf_is_accepted_silently(client, signed, manager, make):
    client.force_login(manager)
    response = upload(client, signed, "copie.pdf", make())
    assert response.status_code == 302
    copy = signed.signed_copy
    assert copy is not None and copy.warning == ""
    page = html.unescape(client.get(signed.get_absolute_url(), follow=True).content.decode())
    assert "Ce fichier ne porte ni signature" not in page


def test_partners_never_see_the_warning(client, signed, manager):
    services.signed_copy_upload(
        convention=signed, upload=SimpleUploadedFile("x.pdf", text_pdf()), by=manager
    )
    party = signed.memberships.first().party
    partner = UserFactory(partenaire=True, party=party)
    client.force_login(partner)
    response = client.get(signed.get_absolute_url())
    assert response.status_code == 200
    assert "Ce fichier ne porte ni signature" not in html.unescape(response.content.decode())
