"""Reading a spreadsheet a user uploads (XLSX, or CSV as French spreadsheets write it) into a
header and rows of text, for the imports of the domain apps. A file that cannot be read raises
``FileError`` with a French message.

Reading is bounded (issue 18's import bombs): the file's size, its uncompressed size for an
XLSX, its rows, columns and cells have limits, checked as the file is read, so that a small file
declaring a huge sheet or a huge cell costs nothing; values echoed in messages are shortened.
"""

import csv
import io
import re
import unicodedata
import zipfile
from datetime import date, datetime

SPACES = re.compile(r"[\s\u00a0\u202f]+")

#: Limits of an uploaded spreadsheet (the national import of 13 posts × 10 years is far below).
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 60
MAX_CELL_CHARS = 10_000
ECHO_CHARS = 60


class FileError(Exception):
    pass


def echo(value, limit: int = ECHO_CHARS) -> str:
    """A value quoted back in a message, shortened: a message never repeats a huge cell."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _check_size(content: bytes) -> None:
    if not content:
        raise FileError("Le fichier est vide.")
    if len(content) > MAX_FILE_BYTES:
        raise FileError(
            f"Le fichier pèse {f'{len(content) / 1024 / 1024:.1f}'.replace('.', ',')} Mo : "
            f"{MAX_FILE_BYTES // 1024 // 1024} Mo au plus. Découpez-le en plusieurs fichiers."
        )


FORMATS = (".xlsx", ".csv", ".txt")


def check_upload(content: bytes, filename: str) -> None:
    """What a web request checks of a deposited spreadsheet before storing it for the worker:
    its type (by its name) and its size; the rest is read by the worker (``read``)."""
    if not filename.lower().endswith(FORMATS):
        raise FileError("Format non reconnu : déposez un fichier .xlsx ou .csv.")
    _check_size(content)


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def decode_csv(content: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with its BOM (Excel's « Texte Unicode »), else Windows-1252
    (what Excel writes for "CSV (séparateur : ;)"). A byte none of them reads, or a NUL
    character (a UTF-16 file without its BOM), is refused with its line and column."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FileError(
                "Le fichier est en UTF-16 mais illisible : enregistrez-le en « CSV UTF-8 »."
            ) from exc
    elif content.startswith(b"\xef\xbb\xbf"):
        text = _decoded(content[3:], "utf-8")
    else:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            text = _decoded(content, "cp1252")
    if "\x00" in text:
        line, column = _position(text, text.index("\x00"))
        raise FileError(
            f"Caractère nul ligne {line}, colonne {column} : le fichier est sans doute en UTF-16 "
            "sans marque d'ordre. Enregistrez-le en « CSV UTF-8 » et déposez-le à nouveau."
        )
    return text


def _decoded(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        prefix = content[: exc.start].decode(encoding, errors="replace")
        line, column = _position(prefix + "x", len(prefix))
        raise FileError(
            f"Octet illisible (0x{content[exc.start]:02X}) ligne {line}, colonne {column} : le "
            "fichier n'est ni en UTF-8 ni en Windows-1252. Enregistrez-le en « CSV UTF-8 »."
        ) from exc


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


def _bounded_rows(rows, *, first_line: int = 1) -> list[list]:
    """The rows, refused past ``MAX_ROWS`` rows, ``MAX_COLUMNS`` columns or a cell of
    ``MAX_CELL_CHARS`` characters (read row by row: the limits stop the reading)."""
    kept: list[list] = []
    for number, row in enumerate(rows, start=first_line):
        if number - first_line >= MAX_ROWS + 1:  # the header and MAX_ROWS rows
            raise FileError(
                f"Le fichier compte plus de {_thousands(MAX_ROWS)} lignes : découpez-le en "
                "plusieurs fichiers."
            )
        row = list(row)
        while row and row[-1] in (None, ""):
            row.pop()  # empty cells at the end of a row do not count as columns
        if len(row) > MAX_COLUMNS:
            raise FileError(
                f"Ligne {number} : {len(row)} colonnes, {MAX_COLUMNS} au plus. Vérifiez que "
                "c'est le bon fichier."
            )
        for column, cell in enumerate(row, start=1):
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise FileError(
                    f"Ligne {number}, colonne {column} : une cellule de "
                    f"{_thousands(len(cell))} caractères (« {echo(cell, 30)} »), "
                    f"{_thousands(MAX_CELL_CHARS)} au plus."
                )
        kept.append(row)
    return kept


def read_csv(content: bytes) -> tuple[list, list[list]]:
    _check_size(content)
    text = decode_csv(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = _bounded_rows(reader)
    except csv.Error as exc:  # a field past csv's own limit, a quote left open…
        raise FileError(
            f"Ligne {reader.line_num} : le fichier CSV est mal formé ({echo(exc)})."
        ) from exc
    if not rows:
        raise FileError("Le fichier est vide.")
    return rows[0], rows[1:]


def read_xlsx(content: bytes) -> tuple[list, list[list]]:
    from openpyxl import load_workbook

    _check_size(content)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            uncompressed = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise FileError("Le fichier n'est pas un classeur XLSX lisible.") from exc
    if uncompressed > MAX_XLSX_UNCOMPRESSED:
        raise FileError(
            f"Le classeur décompressé pèserait {uncompressed // 1024 // 1024} Mo : "
            f"{MAX_XLSX_UNCOMPRESSED // 1024 // 1024} Mo au plus."
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not XLSX
        raise FileError("Le fichier n'est pas un classeur XLSX lisible.") from exc
    try:
        sheet = workbook.worksheets[0]
        # The dimension a file declares ("A1:XFD1048576") is not believed: rows are read as
        # they are, cut at the limits (openpyxl would pad each row to the declared width).
        sheet.reset_dimensions()
        rows = _bounded_rows(
            sheet.iter_rows(max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS + 1, values_only=True)
        )
    except FileError:
        raise
    except Exception as exc:
        raise FileError("Le fichier n'est pas un classeur XLSX lisible.") from exc
    finally:
        workbook.close()
    if not rows:
        raise FileError("Le classeur est vide.")
    return rows[0], rows[1:]


# --------------------------------------------------------------------------- writing

#: What a spreadsheet reads as the start of a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """A text cell of a CSV that a spreadsheet will not run: a value starting like a formula
    (« =HYPERLINK(…) », « +33… », « @SUM ») gets a leading apostrophe, which Excel and
    LibreOffice show as text. Numbers are written by the callers, not through this."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def xlsx_texts_as_text(workbook) -> None:
    """Store every text cell of the workbook as text, just before it is saved: openpyxl would
    otherwise write a text starting with « = » as a live formula (a motif typed
    « =HYPERLINK(…) », a reference « =1+1 »). The product writes no formula of its own."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
