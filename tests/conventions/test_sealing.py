"""The final signed PDF: certificate of signature, the organisation's PAdES seal (pyHanko),
verification (page, command, signed copies)."""

import hashlib
import io
import time
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from conventions import documents, sealing, services
from conventions.models import DocumentKind, DocumentVersion
from tests.access import minimal_pdf
from tests.factories import OrganisationFactory, UserFactory
from tests.lifecycle import new_convention, send_and_sign, territory

PARIS = ZoneInfo("Europe/Paris")
SIX_PAGES = (
    "<html lang='fr'><head><title>Six pages</title></head><body>"
    + "".join(
        f"<section style='break-after: page'><h2>Article {n}</h2><p>{'Texte du document. ' * 150}"
        "</p></section>"
        for n in range(1, 7)
    )
    + "</body></html>"
)


@pytest.fixture(scope="module")
def rendered() -> bytes:
    """A six-page PDF rendered as the product renders documents."""
    pdf, pages = documents.render_pdf(SIX_PAGES)
    assert pages == 6
    return pdf


def _sealed(pdf: bytes) -> bytes:
    return sealing.seal_pdf(
        pdf, reason="Convention X signée par toutes les parties", location="Arras"
    )


def _modified_after(sealed: bytes) -> bytes:
    """An incremental update that draws on the first page after the seal."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    stream = generic.StreamObject(stream_data=b"0 0 1 rg 50 50 200 200 re f")
    writer.add_stream_to_page(0, writer.add_object(stream))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _foreign_seal(pdf: bytes, tmp_path, settings) -> bytes:
    """The PDF signed with another certificate than ours (an i-Parapheur, say)."""
    settings.SEAL_PKCS12_PATH = tmp_path / "other.p12"
    sealing.make_certificate(
        settings.SEAL_PKCS12_PATH, settings.SEAL_PKCS12_PASSWORD, organisation="Préfecture"
    )
    signed = _sealed(pdf)
    return signed


# --------------------------------------------------------------------------- seal and verify


def test_a_sealed_pdf_verifies_intact_and_ours(rendered):
    sealed = _sealed(rendered)
    assert sealed.startswith(rendered)  # an incremental update: the rendered bytes untouched
    verification = sealing.verify_pdf(sealed)
    assert verification.is_signed and verification.is_intact and verification.is_sealed_by_us
    (check,) = verification.signatures
    assert check.field_name == "Sceau" and check.intact and check.valid and check.is_ours
    assert check.coverage == sealing.Coverage.ENTIRE_FILE
    assert "Organisation de test" in check.signer
    assert check.signed_at is not None and abs(check.signed_at.timestamp() - time.time()) < 120
    assert verification.summary == "Document intact, scellé par l'organisation."
    assert verification.sha256 == hashlib.sha256(sealed).hexdigest()


# WeasyPrint 70 leaves its ICC profile's file open when it writes a PDF/A.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_seal_keeps_a_pdf_a_and_its_tags():
    import pikepdf
    from weasyprint import HTML

    pdf = HTML(string=SIX_PAGES).write_pdf(pdf_variant="pdf/a-3u", pdf_tags=True)
    sealed = _sealed(pdf)
    with pikepdf.open(io.BytesIO(sealed)) as document:
        assert document.open_metadata().pdfa_status == "3U"
        assert "/StructTreeRoot" in document.Root and document.Root.MarkInfo.Marked
        assert len(document.pages) == 6


def test_a_byte_changed_after_sealing_breaks_the_seal(rendered):
    sealed = bytearray(_sealed(rendered))
    index = len(rendered) // 2
    sealed[index] = ord("x") if sealed[index] != ord("x") else ord("y")
    verification = sealing.verify_pdf(bytes(sealed))
    assert verification.is_signed and not verification.is_intact
    assert not verification.is_sealed_by_us
    assert "rompue" in verification.problem


def test_an_update_after_sealing_shows_as_a_modification(rendered):
    verification = sealing.verify_pdf(_modified_after(_sealed(rendered)))
    (check,) = verification.signatures
    assert check.intact  # the signed revision is still there, unchanged…
    assert check.coverage == sealing.Coverage.PARTIAL and check.modified  # …then changed
    assert not verification.is_intact and not verification.is_sealed_by_us
    assert "modifié après la signature" in verification.problem


def test_another_certificate_is_intact_but_not_ours(rendered, tmp_path, settings):
    signed = _foreign_seal(rendered, tmp_path, settings)
    settings.SEAL_PKCS12_PATH = settings.SEAL_PKCS12_PATH.parent / "missing.p12"
    verification = sealing.verify_pdf(signed)
    (check,) = verification.signatures
    assert check.intact and not check.is_ours and not check.valid
    assert verification.is_intact and not verification.is_sealed_by_us
    assert any("non reconnu" in line for line in check.summary)


def test_an_unsigned_or_unreadable_pdf(rendered):
    assert not sealing.verify_pdf(rendered).is_signed
    assert sealing.verify_pdf(rendered).summary == "Ce PDF ne porte aucune signature électronique."
    assert sealing.verify_pdf(b"GIF89a").error == "Le fichier n'est pas un PDF."
    assert "ne peut pas être lu" in sealing.verify_pdf(b"%PDF-1.7\n garbage").error


def test_no_certificate_no_seal(rendered, settings, tmp_path):
    settings.SEAL_PKCS12_PATH = tmp_path / "absent.p12"
    with pytest.raises(sealing.SealUnavailable, match="seal_certificate --demo"):
        _sealed(rendered)


# --------------------------------------------------------------------------- certificate page


def test_the_certificate_page_lists_each_signer():
    convention = SimpleNamespace(
        reference="PDC2023-A13",
        title="Convention de financement",
        organisation=SimpleNamespace(name="Département du Pas-de-Calais"),
    )
    evidence = [
        sealing.SignatureEvidence(
            party_label="l'État",
            signer_name="Jacques BILLANT",
            signed_at=datetime(2023, 7, 3, 14, 5, tzinfo=PARIS),
            method="électronique (code à usage unique)",
            ip="192.0.2.7",
            user_agent="Firefox",
            document_sha256="ab" * 32,
        ),
        sealing.SignatureEvidence(
            party_label="la Communauté de communes du Ternois",
            signer_name="Marc BRIDOUX",
            signed_at=date(2023, 7, 1),
            method=sealing.PAPER_METHOD,
        ),
    ]
    html = sealing.certificate_html(convention, evidence, "ab" * 32)
    assert "Certificat de signature" in html and "PDC2023-A13" in html
    assert "Jacques BILLANT" in html and "3 juillet 2023 à 14:05" in html
    assert "192.0.2.7" in html and "Électronique (code à usage unique)" in html
    assert "1er juillet 2023 (heure non enregistrée)" in html and "Signature manuscrite" in html
    assert " ".join(["abababababababab"] * 4) in html
    document = sealing.with_certificate("<html><body><p>Texte</p></body></html>", html)
    assert document.index("<p>Texte</p>") < document.index("Certificat") < document.index("</body>")


# --------------------------------------------------------------------------- final document


@pytest.fixture
def signed(db):
    world = territory()
    convention = new_convention(world, world.posts[0], {2026: ("42000", "14000", "14000")})
    return world, send_and_sign(convention, world.manager)


def _read(document: DocumentVersion) -> bytes:
    with document.file.open("rb") as stored:
        return stored.read()


def test_the_last_signature_makes_a_sealed_final_pdf_once(signed, run_tasks):
    from tests.conventions.test_documents import pdf_text

    world, convention = signed
    # Signed before the worker rendered the document sent: nothing rendered in the request of
    # the last signature, the final document is decided by the worker after that render.
    assert not convention.documents.filter(is_sealed=True).exists()
    run_tasks()  # the worker renders the document sent, decides the final one, seals it
    final = convention.documents.get(is_sealed=True)
    assert final.is_frozen and final.kind == DocumentKind.GENERATED
    content = _read(final)
    assert final.sha256 == hashlib.sha256(content).hexdigest() and final.size == len(content)
    verification = sealing.verify_pdf(content)
    assert verification.is_sealed_by_us
    frozen = convention.documents.get(is_frozen=True, is_sealed=False)
    _, pages = pdf_text(content)
    certificate = pages[-1].replace("\n", " ")
    assert "Certificat de signature" in certificate and "Signature manuscrite" in certificate
    assert "Signataire État" in certificate and "Signataire Commune de Ville" in certificate
    assert frozen.sha256[:16] in certificate  # the SHA-256 of the document sent to signature
    assert not any("PROJET" in page for page in pages)
    # Idempotent: read again, rendered again, retried: the same version, sealed once.
    count = DocumentVersion.objects.count()
    assert services.convention_document(convention=convention) == final
    assert services.stored_document(convention=convention) == final
    services.document_version_render(version_id=final.pk)
    final.refresh_from_db()
    assert _read(final) == content and DocumentVersion.objects.count() == count
    assert content.count(b"/ByteRange") == 1


def test_a_partner_downloads_the_sealed_pdf(signed, client, run_tasks):
    world, convention = signed
    run_tasks()
    partner = UserFactory(partenaire=True, party=world.commune, organisation=world.organisation)
    client.force_login(partner)
    response = client.get(reverse("conventions:pdf", args=[convention.reference]))
    assert response.status_code == 200
    assert sealing.verify_pdf(response.content).is_sealed_by_us
    final = convention.documents.get(is_sealed=True)
    assert hashlib.sha256(response.content).hexdigest() == final.sha256


# --------------------------------------------------------------------------- signed copies


def _upload(content: bytes, name="copie.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_a_copy_modified_after_signing_is_refused(signed, rendered):
    world, convention = signed
    before = convention.documents.count()
    for content in (_modified_after(_sealed(rendered)), _broken(_sealed(rendered))):
        with pytest.raises(ValidationError) as error:
            services.signed_copy_upload(convention=convention, upload=_upload(content), by=None)
        assert error.value.messages[0].startswith("Copie signée refusée.")
    assert convention.documents.count() == before


def _broken(sealed: bytes) -> bytes:
    changed = bytearray(sealed)
    changed[200] = ord("x") if changed[200] != ord("x") else ord("y")
    return bytes(changed)


def test_a_copy_signed_elsewhere_and_intact_is_accepted(signed, rendered, tmp_path, settings):
    world, convention = signed
    copy = services.signed_copy_upload(
        convention=convention,
        upload=_upload(_foreign_seal(rendered, tmp_path, settings)),
        by=world.manager,
    )
    assert copy.kind == DocumentKind.SIGNED_COPY and copy.warning == ""


def test_an_unsigned_scan_is_accepted_as_paper(signed):
    world, convention = signed
    copy = services.signed_copy_upload(
        convention=convention, upload=_upload(minimal_pdf()), by=world.manager
    )
    assert copy.kind == DocumentKind.SIGNED_COPY and copy.warning == ""  # a blank page: a scan


def test_an_unsigned_pdf_with_text_is_accepted_with_the_warning(signed, rendered):
    from conventions.pdf_checks import UNSIGNED_WARNING

    world, convention = signed
    copy = services.signed_copy_upload(
        convention=convention, upload=_upload(rendered), by=world.manager
    )
    assert copy.warning == UNSIGNED_WARNING


# --------------------------------------------------------------------------- command


@pytest.mark.django_db
def test_the_verify_pdf_command_exit_codes(rendered, tmp_path):
    sealed = tmp_path / "scelle.pdf"
    sealed.write_bytes(_sealed(rendered))
    out = io.StringIO()
    call_command("verify_pdf", str(sealed), stdout=out)
    assert "Document intact, scellé par l'organisation." in out.getvalue()
    assert "Couverture : la signature couvre tout le fichier." in out.getvalue()

    modified = tmp_path / "modifie.pdf"
    modified.write_bytes(_modified_after(sealed.read_bytes()))
    with pytest.raises(CommandError, match="modifié après la signature") as error:
        call_command("verify_pdf", str(modified), stdout=io.StringIO())
    assert error.value.returncode == 1

    not_pdf = tmp_path / "image.pdf"
    not_pdf.write_bytes(b"GIF89a")
    with pytest.raises(CommandError) as error:
        call_command("verify_pdf", str(not_pdf), stdout=io.StringIO())
    assert error.value.returncode == 2

    unsigned = tmp_path / "brut.pdf"
    unsigned.write_bytes(rendered)
    out = io.StringIO()
    call_command("verify_pdf", str(unsigned), stdout=out)  # exit 0: nothing to contradict
    assert "aucune signature électronique" in out.getvalue()


def test_the_verify_pdf_command_runs_as_a_process(rendered, tmp_path):
    """The real exit status, as a shell sees it."""
    import subprocess
    import sys

    modified = tmp_path / "modifie.pdf"
    modified.write_bytes(_modified_after(_sealed(rendered)))
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_pdf", str(modified)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "modifié après la signature" in result.stderr


def test_the_seal_certificate_command(tmp_path, settings):
    settings.SEAL_PKCS12_PATH = tmp_path / "var" / "seal.p12"
    out = io.StringIO()
    call_command("seal_certificate", "--demo", stdout=out)
    assert "créé" in out.getvalue()
    first = settings.SEAL_PKCS12_PATH.read_bytes()
    call_command("seal_certificate", "--demo", stdout=io.StringIO())  # present: kept
    assert settings.SEAL_PKCS12_PATH.read_bytes() == first
    subject = sealing.seal_signer().signing_cert.subject.native
    assert subject["organizational_unit_name"] == sealing.DEMO_LABEL
    with pytest.raises(CommandError, match="démonstration"):
        call_command("seal_certificate")


# --------------------------------------------------------------------------- page


def test_the_verification_page_needs_a_login(client, db):
    from django.conf import settings
    from django.shortcuts import resolve_url

    response = client.get(reverse("conventions:verify_pdf"))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_the_page_tells_a_partner_its_own_sealed_convention(signed, client, run_tasks):
    world, convention = signed
    run_tasks()
    final = convention.documents.get(is_sealed=True)
    content = _read(final)
    partner = UserFactory(partenaire=True, party=world.commune, organisation=world.organisation)
    client.force_login(partner)
    page = client.post(reverse("conventions:verify_pdf"), {"file": _upload(content)})
    text = page.content.decode()
    assert page.status_code == 200 and "Document intact, scellé par l&#x27;organisation." in text
    assert f"version {final.number} de la convention" in text and convention.reference in text

    # Someone of another organisation: the seal, but no word of which convention it is.
    outsider = UserFactory(gestionnaire=True, organisation=OrganisationFactory())
    client.force_login(outsider)
    text = client.post(reverse("conventions:verify_pdf"), {"file": _upload(content)}).content
    text = text.decode()
    assert "ne correspond à aucun document que vous pouvez consulter" in text
    assert convention.reference not in text


def test_the_page_says_a_modified_file_and_refuses_bad_input(client, db, rendered, settings):
    client.force_login(UserFactory(gestionnaire=True))
    url = reverse("conventions:verify_pdf")
    page = client.post(url, {"file": _upload(_modified_after(_sealed(rendered)))})
    assert page.status_code == 200
    assert "le fichier a été modifié après la signature" in page.content.decode()

    page = client.post(url, {"file": _upload(b"GIF89a")})
    assert page.status_code == 400 and "Le fichier n&#x27;est pas un PDF." in page.content.decode()
    settings.VERIFY_PDF_MAX_BYTES = 1000
    page = client.post(url, {"file": _upload(rendered)})
    assert page.status_code == 400 and "dépasse la taille permise" in page.content.decode()
    assert client.post(url, {}).status_code == 400


def test_conventions_signed_before_the_seal_get_their_sealed_document(db, run_tasks):
    """The demo's conventions, signed on paper before the seal existed: one task decides their
    final documents, the worker seals them; running it again adds nothing."""
    from tests.access import build_world

    world = build_world()  # A-C1, A-C2 and B-C1 signed, A-C3 a draft
    call_command("seal_signed_documents", stdout=io.StringIO())
    run_tasks()
    sealed = DocumentVersion.objects.filter(is_sealed=True).select_related("convention")
    assert sorted(d.convention.reference for d in sealed) == ["A-C1", "A-C2", "B-C1"]
    for document in sealed:
        assert document.is_rendered and sealing.verify_pdf(_read(document)).is_sealed_by_us
    count = DocumentVersion.objects.count()
    out = io.StringIO()
    call_command("seal_signed_documents", "--now", stdout=out)
    run_tasks()
    assert DocumentVersion.objects.count() == count
    assert out.getvalue().startswith("0\u00a0document final")
    assert not world.c3.documents.exists()
