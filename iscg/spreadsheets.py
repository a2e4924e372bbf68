"""Reading a spreadsheet a user uploads (XLSX, or CSV as French spreadsheets write it) into a
header and rows of text, for the imports of the domain apps. A file that cannot be read raises
``FileError`` with a French message."""

import csv
import io
import re
import unicodedata
from datetime import date, datetime

SPACES = re.compile(r"[\s\u00a0\u202f]+")


class FileError(Exception):
    pass


def decode_csv(content: bytes) -> str:
    """UTF-8 (BOM or not), else Windows-1252 (what Excel writes for "CSV (séparateur : ;)")."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252")


def cell_text(value) -> str:
    """A cell as text: dates in ISO form (what date fields read), whole numbers without
    « .0 », the rest stripped."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def header_key(name) -> str:
    """« Nom court » → ``nom_court``; « Dénomination » → ``denomination`` (accents, case and
    spaces do not matter)."""
    text = unicodedata.normalize("NFKD", cell_text(name).lstrip("\ufeff"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return SPACES.sub("_", text.strip())


def read(content: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    """The header (as ``header_key``) and the non-empty rows of the file, each cell as text."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        header, rows = read_xlsx(content)
    elif name.endswith((".csv", ".txt")):
        header, rows = read_csv(content)
    else:
        raise FileError("Format non reconnu : déposez un fichier .xlsx ou .csv.")
    keys = [header_key(cell) for cell in header]
    width = len(keys)
    cleaned = []
    for row in rows:
        cells = [cell_text(cell) for cell in list(row)[:width]]
        cells += [""] * (width - len(cells))
        cleaned.append(cells)
    return keys, cleaned


def read_csv(content: bytes) -> tuple[list, list[list]]:
    text = decode_csv(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows:
        raise FileError("Le fichier est vide.")
    return rows[0], rows[1:]


def read_xlsx(content: bytes) -> tuple[list, list[list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not XLSX
        raise FileError("Le fichier n'est pas un classeur XLSX lisible.") from exc
    try:
        rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
    if not rows:
        raise FileError("Le classeur est vide.")
    return rows[0], rows[1:]
