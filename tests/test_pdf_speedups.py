"""iscg.pdf_speedups changes how fast WeasyPrint works, never what it draws: a document with
justified paragraphs, lists, a table, letter-spacing, underlined and struck-through words and
the convention's margin boxes, and two demo conventions (PDC2023-A05, the longest, and
DIJON2022, another département's, both with their financing table and signatures), give the
same page content streams, page count and text with the speed-ups (this process) as WeasyPrint
alone (a fresh process with ``PDF_SPEEDUPS = False``)."""

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from django.conf import settings

from conventions import documents
from conventions.models import Convention
from iscg import pdf, pdf_speedups

WORDS = (
    "La présente convention a pour objet de définir les modalités de mise en œuvre du poste "
    "d'intervenant social en commissariat et gendarmerie, financé à hauteur de 17\u202f500\u00a0€ "
    "par le Département et de 12\u202f000\u00a0€ par la commune, pour une durée de trois ans. "
)
HTML = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Essai de vitesse</title></head><body>
<div class="running running-reference">PDC2023-T01</div><div class="running running-kind">Convention</div>
<div class="projet">PROJET</div>
<header class="doc-title"><p>CONVENTION</p><p class="amends">Avenant n°&#160;1</p></header>
<h2>Article 1&#8239;: objet</h2>
{"".join(f"<p>{WORDS * (n + 1)}</p>" for n in range(6))}
<p>Texte <u>souligné sur plusieurs mots</u>, <s>barré aussi</s>, <strong>gras</strong>
et <em>italique</em>, puis <span class="blank">____________</span> à compléter.</p>
<ul>{"".join(f"<li>{WORDS}</li>" for _ in range(4))}</ul>
<table class="financing"><thead><tr><th>Financeur</th><th class="num">Montant</th></tr></thead>
<tbody><tr><td>Département du Pas-de-Calais</td><td class="num">17 500,00 €</td></tr>
<tr><td>Commune d'Arras <span class="note">(dont 2 000 € de frais)</span></td>
<td class="num">12 000,00 €</td></tr></tbody>
<tfoot><tr class="total"><th>Total</th><td class="num">29 500,00 €</td></tr></tfoot></table>
<section class="signing"><p class="closing">Fait à Arras, le 3 juillet 2023</p>
<div class="signatures">{
    "".join(
        f'<div class="signature"><p class="for">Pour la partie {n}</p><div class="space"></div>'
        f'<p class="name">Prénom Nom {n}</p></div>'
        for n in range(4)
    )
}</div></section>
</body></html>"""

#: Run in a fresh process: WeasyPrint without the speed-ups, each HTML file of ``argv[1:]``
#: rendered to the same name ending in ``.pdf``.
CHILD = """
import json, sys
import django
django.setup()
from django.conf import settings
settings.PDF_SPEEDUPS = False
from conventions import documents
from iscg import pdf, pdf_speedups
pages = []
for path in sys.argv[1:]:
    content, count = pdf.render_pdf(open(path, encoding="utf-8").read(), documents.CSS_PATH)
    open(path.removesuffix(".html") + ".pdf", "wb").write(content)
    pages.append(count)
print(json.dumps({"pages": pages, "patched": pdf_speedups._applied}))
"""


def plain_renders(tmp_path, htmls: list[str]) -> tuple[list[bytes], list[int]]:
    """The PDFs and page counts of WeasyPrint without the speed-ups (a fresh process)."""
    paths = []
    for number, html in enumerate(htmls):
        path = tmp_path / f"doc-{number}.html"
        path.write_text(html, encoding="utf-8")
        paths.append(str(path))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *paths],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(settings.BASE_DIR))},
        cwd=settings.BASE_DIR,
    ).stdout
    child = json.loads(out.strip().splitlines()[-1])
    assert child["patched"] is False
    return [Path(p.removesuffix(".html") + ".pdf").read_bytes() for p in paths], child["pages"]


def content_digest(content: bytes) -> list[str]:
    """The SHA-256 of each page's drawing operators."""
    document = pikepdf.open(io.BytesIO(content))
    digests = []
    for page in document.pages:
        streams = page.obj.Contents
        streams = list(streams) if isinstance(streams, pikepdf.Array) else [streams]
        digests.append(hashlib.sha256(b"".join(s.read_bytes() for s in streams)).hexdigest())
    return digests


def page_texts(content: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_the_speedups_draw_exactly_what_weasyprint_draws(tmp_path):
    content, pages = pdf.render_pdf(HTML, documents.CSS_PATH)
    assert getattr(settings, "PDF_SPEEDUPS", True)
    assert pdf_speedups._applied, "the speed-ups are not applied to this WeasyPrint"

    (plain_content,), (plain_pages,) = plain_renders(tmp_path, [HTML])
    assert plain_pages == pages

    assert pages >= 2
    assert content_digest(content) == content_digest(plain_content)
    texts = page_texts(content)
    assert texts == page_texts(plain_content)
    assert "17 500 €" in texts[0].replace("\u202f", " ").replace("\u00a0", " ")
    assert "Page 1 / " in texts[0]


@pytest.mark.django_db
def test_demo_conventions_are_drawn_exactly_as_weasyprint_draws_them(demo_data, tmp_path):
    htmls = [
        documents.render_html(Convention.objects.get(reference=reference)).html
        for reference in ("PDC2023-A05", "DIJON2022")
    ]
    renders = [documents.render_pdf(html) for html in htmls]
    assert pdf_speedups._applied
    plain, plain_pages = plain_renders(tmp_path, htmls)

    assert [pages for _, pages in renders] == plain_pages
    assert plain_pages[0] == 6
    for (content, _), plain_content in zip(renders, plain, strict=True):
        assert content_digest(content) == content_digest(plain_content)
        assert page_texts(content) == page_texts(plain_content)
    assert "financement" in " ".join(page_texts(renders[1][0])).lower()


def test_other_weasyprint_versions_are_left_alone(monkeypatch):
    """A WeasyPrint the patches were not written for renders unpatched (a warning, no error)."""
    monkeypatch.setattr(pdf_speedups, "_applied", False)
    monkeypatch.setitem(pdf_speedups.SUPPORTED, "weasyprint", "0.")
    assert pdf_speedups.apply() is False
    assert pdf_speedups._applied is False
