"""Uploaded spreadsheets are read within bounds (issue 18's import bombs): each refusal in
French, with the line and column where there is one, and nothing read past the limits."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from iscg import spreadsheets
from iscg.spreadsheets import FileError


def _xlsx(rows, *, dimension: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if dimension is None:
        return buffer.getvalue()
    # The red team's file: a few cells, a sheet declaring A1:XFD1048576.
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index("<dimension ref=")
                end = text.index("/>", start) + 2
                data = (text[:start] + f'<dimension ref="{dimension}"/>' + text[end:]).encode()
            target.writestr(item, data)
    return out.getvalue()


def test_a_sheet_declaring_the_whole_grid_reads_only_its_cells():
    content = _xlsx(
        [["nom", "siret"], ["CC du Ternois", "20004216500015"]], dimension="A1:XFD1048576"
    )
    assert len(content) < 10_000
    header, rows = spreadsheets.read_xlsx(content)
    assert header == ["nom", "siret"]
    assert rows == [["CC du Ternois", "20004216500015"]]


def test_too_many_rows():
    rows = [["n"]] + [[str(i)] for i in range(spreadsheets.MAX_ROWS + 1)]
    with pytest.raises(FileError, match="plus de 20\u202f000 lignes"):
        spreadsheets.read_csv("\n".join(r[0] for r in rows).encode())


def test_too_many_columns():
    header = ";".join(f"c{i}" for i in range(spreadsheets.MAX_COLUMNS + 1))
    with pytest.raises(FileError, match="Ligne 1 : 61 colonnes, 60 au plus"):
        spreadsheets.read_csv(header.encode())


def test_a_huge_cell_is_refused_and_not_echoed_whole():
    content = ("nom\n" + "A" * 20_000_000).encode()
    with pytest.raises(FileError) as refused:
        spreadsheets.read_csv(content)
    message = str(refused.value)
    assert len(message) < 300
    assert message.startswith("Le fichier pèse 19,1 Mo : 10 Mo au plus.")


def test_a_cell_over_the_limit_in_a_small_file():
    with pytest.raises(FileError, match=r"Ligne 2, colonne 1 : une cellule de 10\u202f001"):
        spreadsheets.read_csv(("nom\n" + "A" * 10_001).encode())


def test_a_file_too_heavy():
    with pytest.raises(FileError, match="10 Mo au plus"):
        spreadsheets.read_csv(b"a;b\n" + b"1;2\n" * 3_000_000)


def test_an_xlsx_that_would_inflate_past_the_limit():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "xl/worksheets/sheet1.xml", b"0" * (spreadsheets.MAX_XLSX_UNCOMPRESSED + 1)
        )
    assert len(out.getvalue()) < 1_000_000
    with pytest.raises(FileError, match="décompressé pèserait"):
        spreadsheets.read_xlsx(out.getvalue())


def test_utf16_with_its_bom_is_read():
    content = "nom;siret\nCC du Ternois;20004216500015\n".encode("utf-16")
    header, rows = spreadsheets.read_csv(content)
    assert header == ["nom", "siret"] and rows == [["CC du Ternois", "20004216500015"]]


def test_utf16_without_its_bom_says_where_and_what_to_do():
    content = "nom;siret\nCC".encode("utf-16-le")
    with pytest.raises(FileError, match="Caractère nul ligne 1, colonne 2 : .*UTF-16"):
        spreadsheets.read_csv(content)


def test_a_byte_neither_utf8_nor_cp1252():
    content = b"nom;siret\nCC du Ternois;2000\x81\n"
    with pytest.raises(FileError, match=r"Octet illisible \(0x81\) ligne 2, colonne 19"):
        spreadsheets.read_csv(content)


def test_an_empty_file():
    with pytest.raises(FileError, match="vide"):
        spreadsheets.read_csv(b"")


def test_echo_shortens():
    assert spreadsheets.echo("x" * 500) == "x" * 59 + "…"
    assert spreadsheets.echo("court") == "court"
