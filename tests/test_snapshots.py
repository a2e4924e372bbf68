"""Snapshots (syrupy) of what a reader of the demo sees: one convention's page, one PDF's text.

Any change to them shows as a diff to review. When the change is meant, rewrite the snapshots with
``.venv/bin/python -m pytest tests/test_snapshots.py --snapshot-update`` and commit them with it.
What varies from one run to the next (primary keys in links, the CSRF token, the time of the
history rows) is replaced by a placeholder first.
"""

import io
import re

import pytest
from pypdf import PdfReader
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

CONVENTION = "PDC2023-A08"  # CC du Ternois, signed, tripartite
TIMESTAMP = re.compile(r"\d{1,2}(?:er)? [a-zéû]+ \d{4} à \d{2}:\d{2}")


class HtmlSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "html"


class TextSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "txt"


def normalised_main(html: str) -> str:
    """The page's ``<main>``, its run-dependent values replaced, blank lines dropped."""
    main = re.search(r"<main\b.*?</main>", html, re.DOTALL)
    assert main, "la page n'a pas de <main>"
    text = re.sub(r'href="[^"]*"', lambda link: re.sub(r"/\d+(?=/)", "/<id>", link[0]), main[0])
    text = re.sub(r'(name="csrfmiddlewaretoken" value=)"[^"]*"', r'\1"<csrf>"', text)
    text = TIMESTAMP.sub("<horodatage>", text)
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip()) + "\n"


def pdf_lines(content: bytes) -> str:
    """Each page's text, its lines stripped, under a page marker."""
    pages = []
    for number, page in enumerate(PdfReader(io.BytesIO(content)).pages, start=1):
        lines = [
            re.sub(r"[ \u00a0\u202f]+", " ", line).strip()
            for line in page.extract_text().splitlines()
        ]
        pages.append(f"--- page {number}\n" + "\n".join(line for line in lines if line))
    return TIMESTAMP.sub("<horodatage>", "\n".join(pages)) + "\n"


def test_convention_page_as_the_gestionnaire_sees_it(demo_gestionnaire, snapshot):
    response = demo_gestionnaire.get(f"/conventions/{CONVENTION}/")
    assert response.status_code == 200
    assert normalised_main(response.text) == snapshot(extension_class=HtmlSnapshot)


def test_convention_pdf_text(demo_gestionnaire, fetch, snapshot):
    response = fetch(demo_gestionnaire, f"/conventions/{CONVENTION}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert pdf_lines(b"".join(response)) == snapshot(extension_class=TextSnapshot)


class CsvSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "csv"


def test_open_data_file_2023(demo_gestionnaire, snapshot):
    """The demo's SCDL Subventions 2.1.1 file of 2023, as offered for data.gouv.fr."""
    response = demo_gestionnaire.get("/financement/2023/subventions.csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.count("\r\n") == text.count("\n")  # CSV lines end with CRLF
    assert text.replace("\r\n", "\n") == snapshot(extension_class=CsvSnapshot)
