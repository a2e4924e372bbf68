"""A convention's text as ODT and DOCX (issue 17): the longest demo convention carries every
article title and every amount of its PDF, opens in LibreOffice, comes back from a word processor,
is compared article by article with the draft, and its changes are taken into the draft."""

import io
import re
import shutil
import subprocess
import zipfile
from html import unescape

import docx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from odfdo import Document as OdfDocument
from pypdf import PdfReader

from conventions import documents, office, office_services, services
from conventions.models import Convention, ConventionStatus, OfficeDocument, ReturnedText
from iscg.models import User

pytestmark = pytest.mark.django_db

GESTIONNAIRE = "gestionnaire@demo.iscg.fr"
_AMOUNT = re.compile(r"\d{1,3}(?: \d{3})*(?:,\d+)? ?€")


def page(response) -> str:
    return unescape(response.content.decode())


def flat(text: str) -> str:
    """Spaces of every kind (no-break, narrow, line breaks) as one space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def pdf_text(content: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def odt_text(content: bytes) -> str:
    document = OdfDocument(io.BytesIO(content))
    return flat(document.get_formatted_text())


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return flat("\n".join(lines))


@pytest.fixture
def longest(demo_data):
    """The demo convention whose document is the longest."""
    return max(
        Convention.objects.order_by("reference"),
        key=lambda c: len(documents.render_html(c).html),
    )


def _pdf_of(convention) -> tuple[bytes, str]:
    version = services.document_rendered(services.convention_document(convention=convention))
    with version.file.open("rb") as stored:
        return stored.read(), version.html


def test_the_longest_convention_as_odt_and_docx_carries_every_title_and_amount_of_its_pdf(
    longest,
):
    pdf, html = _pdf_of(longest)
    structure = office.structure(html)
    headings = [b for b in structure.blocks if isinstance(b, office.Heading)]
    expected_titles = [
        flat(f"Article {n} : {a['title']}")
        for n, a in enumerate(documents.effective_text(longest)["articles"], start=1)
    ]
    assert len(headings) == len(expected_titles) >= 8
    in_pdf = pdf_text(pdf)
    amounts = set(_AMOUNT.findall(in_pdf))
    assert len(amounts) >= 3, amounts  # the financing table's shares, totals and cost

    for name, content, read in (
        ("ODT", office.to_odt(structure), odt_text),
        ("DOCX", office.to_docx(structure), docx_text),
    ):
        text = read(content)
        for heading in headings:
            title = flat(heading.text)
            assert title in in_pdf, title  # the PDF's own titles…
            assert title in text, f"{name} : {title}"  # …are those of the file
        for amount in amounts:
            assert amount in text, f"{name} : {amount}"
        assert set(_AMOUNT.findall(text)) == amounts, name  # no amount of its own


def test_the_page_header_carries_the_reference_and_projet(longest):
    structure = office.structure(documents.render_html(longest, projet=True).html)
    header = f"PROJET — {longest.reference} — {longest.get_kind_display()}"
    document = docx.Document(io.BytesIO(office.to_docx(structure)))
    assert document.sections[0].header.paragraphs[0].text == header
    with zipfile.ZipFile(io.BytesIO(office.to_odt(structure))) as odt:
        assert header in odt.read("styles.xml").decode()


def test_a_file_read_back_gives_the_text_the_draft_reads(longest):
    structure = office.structure(documents.render_html(longest).html)
    expected = office.plain_text(structure.blocks)
    assert office.read_upload(office.to_odt(structure)).text == expected
    assert office.read_upload(office.to_docx(structure)).text == expected
    assert len(expected["articles"]) >= 8


def test_every_demo_convention_reads_back_as_written(demo_data):
    """Avenant, several posts, signed or draft: each file reads back to its draft's text."""
    for convention in Convention.objects.order_by("reference"):
        structure = office.structure(documents.render_html(convention).html)
        expected = office.plain_text(structure.blocks)
        assert expected["articles"], convention.reference
        for content in (office.to_odt(structure), office.to_docx(structure)):
            assert office.read_upload(content).text == expected, convention.reference


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) absent")
def test_libreoffice_opens_both_files(longest, tmp_path):
    structure = office.structure(documents.render_html(longest).html)
    (tmp_path / "texte.odt").write_bytes(office.to_odt(structure))
    (tmp_path / "texte.docx").write_bytes(office.to_docx(structure))
    for name in ("texte.odt", "texte.docx"):
        out = tmp_path / name.replace(".", "-")
        subprocess.run(  # noqa: S603 - fixed arguments
            [
                shutil.which("soffice"),
                f"-env:UserInstallation=file://{tmp_path}/profil",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                str(tmp_path / name),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        converted = pdf_text((out / "texte.pdf").read_bytes())
        for block in structure.blocks:
            if isinstance(block, office.Heading):
                assert flat(block.text) in converted, f"{name} : {block.text}"
        assert longest.reference in converted  # in the page header


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) absent")
def test_a_text_saved_again_by_libreoffice_reads_back_the_same(longest, tmp_path):
    """The ODT saved as DOCX by LibreOffice, and the DOCX as ODT: the styles that say which
    part a paragraph belongs to survive a word processor."""
    structure = office.structure(documents.render_html(longest).html)
    expected = office.plain_text(structure.blocks)
    (tmp_path / "a.odt").write_bytes(office.to_odt(structure))
    (tmp_path / "b.docx").write_bytes(office.to_docx(structure))
    for source, target in (("a.odt", "docx"), ("b.docx", "odt")):
        subprocess.run(  # noqa: S603 - fixed arguments
            [
                shutil.which("soffice"),
                f"-env:UserInstallation=file://{tmp_path}/profil",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(tmp_path / "out"),
                str(tmp_path / source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        saved = (tmp_path / "out" / f"{source.split('.')[0]}.{target}").read_bytes()
        assert office.read_upload(saved).text == expected, source


# --------------------------------------------------------------------------- downloads


def _download(client, run_tasks, convention, file_format: str):
    url = reverse(f"conventions:{file_format}", args=[convention.reference])
    waiting = client.get(url)
    assert waiting.status_code == 200
    assert "en préparation" in waiting.content.decode()
    assert run_tasks() >= 1
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_a_draft_downloads_as_odt_and_docx_written_by_the_worker(demo_gestionnaire, run_tasks):
    draft = Convention.objects.get(reference="PDC2024-A10")
    assert draft.status == ConventionStatus.DRAFT
    for file_format, magic, read in (("odt", b"PK", odt_text), ("docx", b"PK", docx_text)):
        response = _download(demo_gestionnaire, run_tasks, draft, file_format)
        version = draft.documents.order_by("-number").first()
        assert response["Content-Disposition"] == (
            f'attachment; filename="PDC2024-A10-v{version.number}.{file_format}"'
        )
        assert response.content.startswith(magic)
        assert "Article 1 : " in read(response.content)
    assert OfficeDocument.objects.filter(version__convention=draft).count() == 2


def test_the_waiting_page_gives_up_refreshing_after_its_tries(demo_gestionnaire):
    draft = Convention.objects.get(reference="PDC2024-A10")
    url = reverse("conventions:odt", args=[draft.reference])
    page = demo_gestionnaire.get(url + "?essai=30").content.decode()
    assert "plus de temps que prévu" in page
    assert 'http-equiv="refresh"' not in page
    assert 'http-equiv="refresh"' in demo_gestionnaire.get(url).content.decode()


# --------------------------------------------------------------------------- round trip


def _edited_docx(content: bytes, number: int, new_text: str) -> bytes:
    """The DOCX with the first paragraph of article ``number`` replaced, as Word would."""
    document = docx.Document(io.BytesIO(content))
    paragraphs = document.paragraphs
    start = next(
        i for i, p in enumerate(paragraphs) if p.text.startswith(f"Article {number}\u202f:")
    )
    target = paragraphs[start + 1]
    for run in target.runs[1:]:
        run.text = ""
    target.runs[0].text = new_text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_round_trip_docx_edit_one_article_compare_take(demo_gestionnaire, run_tasks):
    draft = Convention.objects.get(reference="PDC2024-A10")
    before = documents.effective_text(draft)
    content = _download(demo_gestionnaire, run_tasks, draft, "docx").content
    sentence = "Le présent article a été revu par le service juridique de la Communauté."
    edited = _edited_docx(content, 2, sentence)

    upload = reverse("conventions:returned_upload", args=[draft.reference])
    response = demo_gestionnaire.post(
        upload, {"file": SimpleUploadedFile("retour juridique.docx", edited)}
    )
    returned = ReturnedText.objects.get(convention=draft)
    compare = reverse("conventions:returned_text", args=[draft.reference, returned.pk])
    assert response.status_code == 302 and response["Location"] == compare

    page_html = page(demo_gestionnaire.get(compare))
    title = before["articles"][1]["title"]
    assert "1 partie modifiée, 18 parties inchangées" in flat(page_html)
    assert f"Article 2 « {title} »" in page_html
    assert "<ins>" in page_html and "service juridique" in page_html

    parts = office_services.returned_comparison(draft, returned)
    changed = [p for p in parts if p.part.changed]
    assert [p.part.new_key for p in changed] == ["article-2"]
    take = reverse("conventions:returned_take", args=[draft.reference, returned.pk])
    response = demo_gestionnaire.post(
        take, {"part": changed[0].index, "empreinte": changed[0].fingerprint}
    )
    assert response.status_code == 302

    draft.refresh_from_db()
    after = documents.effective_text(draft)
    assert sentence in after["articles"][1]["body"]
    # Only that article changed; its other paragraphs (and their placeholders) are as they were.
    assert after["articles"][0] == before["articles"][0]
    assert after["articles"][2:] == before["articles"][2:]
    kept = before["articles"][1]["body"].split("\n\n")[1:]
    assert after["articles"][1]["body"].split("\n\n")[1:] == kept
    latest = draft.history.order_by("-history_date").first()
    assert latest.history_user.email == GESTIONNAIRE
    assert "modification reprise du texte renvoyé « retour juridique.docx »" in (
        latest.history_change_reason
    )
    # The comparison now reads the same.
    assert not [p for p in office_services.returned_comparison(draft, returned) if p.part.changed]
    assert "Aucune différence" in page(demo_gestionnaire.get(compare))


def test_a_stale_change_is_not_taken(demo_gestionnaire):
    draft = Convention.objects.get(reference="PDC2024-A10")
    structure = office.structure(documents.render_html(draft).html)
    text = office.plain_text(structure.blocks)
    text["closing"] = "Fait à Arras, en deux exemplaires."
    returned = ReturnedText.objects.create(
        convention=draft, format="odt", sha256="0" * 64, text=text
    )
    take = reverse("conventions:returned_take", args=[draft.reference, returned.pk])
    before = documents.effective_text(draft)
    response = demo_gestionnaire.post(take, {"part": "0", "empreinte": "périmée"}, follow=True)
    assert "Le texte a changé depuis l'affichage" in page(response)
    draft.refresh_from_db()
    assert documents.effective_text(draft) == before


def test_an_added_and_a_removed_article_are_taken(demo_data):
    draft = Convention.objects.get(reference="PDC2024-A10")
    user = User.objects.get(email=GESTIONNAIRE)
    before = documents.effective_text(draft)
    text = office.plain_text(office.structure(documents.render_html(draft).html).blocks)
    removed = text["articles"].pop(2)
    text["articles"].append({"title": "Clause de revoyure", "body": "Les parties se revoient."})
    returned = ReturnedText.objects.create(
        convention=draft, format="odt", sha256="0" * 64, text=text, uploaded_by=user
    )
    parts = {p.part.status: p for p in office_services.returned_comparison(draft, returned)}
    assert parts["removed"].part.old_key == "article-3"
    office_services.returned_take(
        convention=draft,
        returned=returned,
        index=parts["added"].index,
        fingerprint=parts["added"].fingerprint,
        by=user,
    )
    draft.refresh_from_db()
    articles = documents.effective_text(draft)["articles"]
    assert articles[-1] == {"title": "Clause de revoyure", "body": "Les parties se revoient."}
    parts = {p.part.status: p for p in office_services.returned_comparison(draft, returned)}
    office_services.returned_take(
        convention=draft,
        returned=returned,
        index=parts["removed"].index,
        fingerprint=parts["removed"].fingerprint,
        by=user,
    )
    draft.refresh_from_db()
    titles = [a["title"] for a in documents.effective_text(draft)["articles"]]
    assert removed["title"] not in titles
    assert len(titles) == len(before["articles"])


# --------------------------------------------------------------------------- refusals


def test_a_frozen_text_accepts_no_returned_text(demo_gestionnaire):
    signed = Convention.objects.get(reference="PDC2023-A13")
    assert not signed.is_text_editable
    url = reverse("conventions:returned_upload", args=[signed.reference])
    response = demo_gestionnaire.post(url, {"file": SimpleUploadedFile("t.odt", b"PK\x03\x04")})
    assert response.status_code == 302
    assert not ReturnedText.objects.exists()


def test_a_bad_upload_is_refused_in_french_and_changes_nothing(demo_gestionnaire):
    draft = Convention.objects.get(reference="PDC2024-A10")
    before = documents.effective_text(draft)
    url = reverse("conventions:returned_upload", args=[draft.reference])
    response = demo_gestionnaire.post(
        url, {"file": SimpleUploadedFile("texte.docx", b"%PDF-1.7 pas un traitement de texte")}
    )
    assert response.status_code == 400
    assert "n'est pas un document ODT ou DOCX" in page(response)
    assert not ReturnedText.objects.exists()
    draft.refresh_from_db()
    assert documents.effective_text(draft) == before


def test_a_partner_downloads_the_odt_of_its_signed_convention_only(client, demo_data):
    partner = User.objects.get(email="partenaire.pas-de-calais.epci-cc-ternois@demo.iscg.fr")
    signed = Convention.objects.visible_to(partner).order_by("reference").first()
    assert signed is not None and not signed.is_text_editable
    client.force_login(partner)
    assert client.get(reverse("conventions:odt", args=[signed.reference])).status_code == 200
    draft = Convention.objects.get(reference="PDC2024-A10")
    assert client.get(reverse("conventions:docx", args=[draft.reference])).status_code == 404
    upload = reverse("conventions:returned_upload", args=[signed.reference])
    assert client.get(upload).status_code == 403


def test_a_text_frozen_since_the_upload_takes_no_change(demo_gestionnaire):
    """Sent to signature after the returned text was deposited: the comparison is still read,
    nothing is taken."""
    from django.utils import timezone

    draft = Convention.objects.get(reference="PDC2024-A10")
    pk = ReturnedText.objects.create(
        convention=draft,
        format="docx",
        sha256="0" * 64,
        text={**office_services.draft_plain_text(draft), "closing": "Fait à Lille."},
    ).pk
    returned = ReturnedText.objects.get(pk=pk)
    part = next(p for p in office_services.returned_comparison(draft, returned) if p.part.changed)
    Convention.objects.filter(pk=draft.pk).update(
        status=ConventionStatus.TO_SIGN, text_frozen_at=timezone.now()
    )
    before = documents.effective_text(draft)
    compare = reverse("conventions:returned_text", args=[draft.reference, pk])
    page_html = page(demo_gestionnaire.get(compare))
    assert "le texte de la convention est figé" in page_html.lower()
    assert "Reprendre cette modification" not in page_html
    take = reverse("conventions:returned_take", args=[draft.reference, pk])
    response = demo_gestionnaire.post(take, {"part": part.index, "empreinte": part.fingerprint})
    assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()
    draft.refresh_from_db()
    assert documents.effective_text(draft) == before
    with pytest.raises(ValidationError, match="figé"):
        office_services.returned_take(
            convention=draft,
            returned=returned,
            index=part.index,
            fingerprint=part.fingerprint,
            by=None,
        )


def test_a_lost_file_is_written_again(demo_gestionnaire, run_tasks):
    draft = Convention.objects.get(reference="PDC2024-A10")
    _download(demo_gestionnaire, run_tasks, draft, "odt")
    item = OfficeDocument.objects.get(version__convention=draft, format="odt")
    item.file.storage.delete(item.file.name)
    response = _download(demo_gestionnaire, run_tasks, draft, "odt")
    assert response.content.startswith(b"PK")
