"""Every generated PDF is PDF/A-3u and tagged (iscg.pdf): the XMP identification, the output
intent, the tag tree (headings, paragraphs, tables), the language and the title, read back with
pikepdf from the convention PDF, the annual table, the bilans' table and a plain render; and the
organisation's seal (an incremental update) keeps them."""

import io
from collections import Counter
from datetime import date

import pikepdf
import pytest

from conventions import documents, services
from conventions.models import Convention
from demo.users import GESTIONNAIRE_EMAIL
from iscg import pdf
from iscg.models import User


def structure(content: bytes) -> tuple[pikepdf.Pdf, Counter]:
    """The opened PDF and how many elements of each type its tag tree holds."""
    document = pikepdf.open(io.BytesIO(content))
    counts: Counter = Counter()
    stack = [document.Root.StructTreeRoot]
    while stack:
        element = stack.pop()
        if "/S" in element:
            counts[str(element.S)] += 1
        kids = element.get("/K")
        if isinstance(kids, pikepdf.Dictionary):
            stack.append(kids)
        elif isinstance(kids, pikepdf.Array):
            stack.extend(kid for kid in kids if isinstance(kid, pikepdf.Dictionary))
    return document, counts


def assert_pdfa_3u(document: pikepdf.Pdf, title: str) -> None:
    """PDF/A-3 level U, declared as PDF/A requires, with its title, in French, tagged."""
    meta = document.open_metadata()
    assert meta["pdfaid:part"] == "3"
    assert meta["pdfaid:conformance"] == "U"
    assert meta["dc:title"] == title
    assert str(document.docinfo.Title) == title
    assert str(document.Root.Lang) == "fr"
    assert document.Root.MarkInfo.Marked is True
    [intent] = document.Root.OutputIntents
    assert intent.S == "/GTS_PDFA1"
    assert "sRGB" in str(intent.Info)
    assert "/DestOutputProfile" in intent
    # PDF/A: every font embedded (no font left to the reader's machine).
    for page in document.pages:
        for font in page.Resources.Font.values():
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            assert "/FontFile2" in descendant.FontDescriptor, font.BaseFont


def test_a_plain_render_is_pdfa_and_tagged():
    html = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
    <title>Essai d'archivage</title></head><body>
    <h1>Titre</h1><h2>Article 1&#8239;: objet</h2><p>Un paragraphe de 17 500 €.</p>
    <ul><li>premier</li><li>second</li></ul>
    <table><thead><tr><th>Partie</th><th>Montant</th></tr></thead>
    <tbody><tr><td>État</td><td>14 000 €</td></tr></tbody></table>
    </body></html>"""
    content, pages = pdf.render_pdf(html)
    assert pages == 1
    document, tags = structure(content)
    assert_pdfa_3u(document, "Essai d'archivage")
    assert tags["/Document"] == 1
    assert tags["/H1"] == 1 and tags["/H2"] == 1
    assert tags["/P"] >= 1
    assert tags["/L"] == 1 and tags["/LI"] == 2
    assert tags["/Table"] == 1 and tags["/TH"] == 2 and tags["/TD"] == 2


def test_a_second_render_is_the_same_document():
    """The cached fonts, stylesheets and colour profile serve every render alike."""
    html = '<html lang="fr"><head><title>Deux fois</title></head><body><p>Texte</p></body></html>'
    first, _ = pdf.render_pdf(html)
    second, _ = pdf.render_pdf(html)
    assert structure(first)[1] == structure(second)[1]
    assert_pdfa_3u(structure(second)[0], "Deux fois")


@pytest.mark.django_db
def test_the_convention_pdf_is_pdfa_3u_with_its_tag_tree(demo_data):
    convention = Convention.objects.get(reference="PDC2023-A05")
    rendered = documents.render_html(convention)
    content, pages = documents.render_pdf(rendered.html)
    document, tags = structure(content)
    assert pages == len(document.pages) >= 5
    assert_pdfa_3u(document, str(document.open_metadata()["dc:title"]))
    assert str(document.docinfo.Title).startswith("CONVENTION")
    assert str(document.docinfo.Subject) == "Convention de mise à disposition PDC2023-A05"
    # One heading per article, the parties' and articles' paragraphs, the financing table.
    assert tags["/H2"] == convention_articles(rendered.html)
    assert tags["/P"] > 50
    assert tags["/Table"] >= 1 and tags["/TH"] >= 1 and tags["/TD"] >= 1
    assert tags["/Sect"] >= tags["/H2"]


def convention_articles(html: str) -> int:
    return html.count("<h2>Article ")


@pytest.mark.django_db
def test_a_stored_convention_version_is_pdfa(demo_data):
    """Through the service a download serves: the stored file is the PDF/A one."""
    convention = Convention.objects.get(reference="PDC2023-A13")
    version = services.document_rendered(services.convention_document(convention=convention))
    with version.file.open("rb") as stored:
        document, tags = structure(stored.read())
    assert document.open_metadata()["pdfaid:part"] == "3"
    assert str(document.Root.Lang) == "fr"
    assert tags["/H2"] >= 10


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "title"),
    [
        (
            "/financement/2023/tableau.pdf",
            "Financement 2023 — Département du Pas-de-Calais",
        ),
        ("/bilans/2022/tableau.pdf", "Bilans d'activité 2022"),
    ],
)
def test_the_printed_tables_are_pdfa_and_tagged(demo_data, client, fetch, url, title):
    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    response = fetch(client, url)  # prepared by the worker
    assert response.status_code == 200
    document, tags = structure(response.content)
    assert_pdfa_3u(document, title)
    assert tags["/H1"] == 1
    assert tags["/Table"] >= 1 and tags["/TR"] > 5 and tags["/TD"] > 10


@pytest.mark.django_db
def test_the_termination_letter_is_pdfa(demo_data):
    from conventions import letters

    convention = Convention.objects.get(reference="PDC2023-A05")
    convention.termination_kind = "resiliation"
    convention.termination_notice_date = date(2024, 5, 2)
    convention.termination_effective_date = date(2024, 6, 1)
    convention.termination_reason = "Poste supprimé"
    html = letters.termination_letter_html(convention)
    document, tags = structure(pdf.render_pdf(html)[0])
    assert document.open_metadata()["pdfaid:conformance"] == "U"
    assert str(document.Root.Lang) == "fr"
    assert tags["/P"] >= 3


@pytest.mark.django_db
def test_sealing_keeps_pdfa_and_the_tags(demo_data, settings, tmp_path):
    """The seal is an incremental update: what the PDF/A declared is still there, unchanged."""
    sealing = pytest.importorskip("conventions.sealing")
    settings.SEAL_PKCS12_PATH = tmp_path / "seal.p12"
    settings.SEAL_PKCS12_PASSWORD = "essai"
    settings.SEAL_LABEL = "Sceau d'essai"
    sealing.make_certificate(
        settings.SEAL_PKCS12_PATH, "essai", organisation="Département du Pas-de-Calais"
    )
    convention = Convention.objects.get(reference="PDC2023-A05")
    content, _ = documents.render_pdf(documents.render_html(convention).html)
    sealed = sealing.seal_pdf(content, reason="Convention signée", location="Arras")
    assert sealed.startswith(content)  # incremental: the PDF/A bytes are kept as they were
    before, tags_before = structure(content)
    after, tags_after = structure(sealed)
    assert_pdfa_3u(after, str(before.docinfo.Title))
    assert tags_after == tags_before
    assert after.open_metadata()["pdfaid:part"] == "3"
