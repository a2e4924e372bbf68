"""A convention's document as a word processor file (ODT with odfdo, DOCX with python-docx),
and the text a partner sends back in one of them, read article by article.

Nothing here knows the wording of a convention: ``structure`` walks the very HTML the PDF is
rendered from (``documents.render_html``, or a stored version's ``html``) into a short list of
blocks (paragraphs of runs, article headings, tables, signatures), which ``to_odt`` and
``to_docx`` write out. Each part of the document gets a named paragraph style (« ISCG Corps »,
« ISCG Formule finale »…), which word processors keep; ``read_upload`` reads a file back into
the same blocks, after checking it (``check_upload``: size, uncompressed size, no macro, no
embedded object, no DTD), and ``plain_text`` turns blocks into a text dictionary (title, parties
block, preamble, articles, closing) that ``textdiff.compare_texts`` compares part by part.

``merge_part`` takes one part of a returned text into the draft's own text, keeping the
draft's placeholders (``{{ etat.representant_nom }}``) wherever the partner left their value as
it was. Pure functions, no database.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from conventions import templating

# --------------------------------------------------------------------------- the blocks

Role = Literal["title", "mention", "parties", "preamble", "body", "closing", "signature"]

#: Named paragraph styles, one per part of the document: (style name, what it holds).
STYLES: dict[str, str] = {
    "title": "ISCG Intitulé",
    "mention": "ISCG Mention",
    "parties": "ISCG Parties",
    "preamble": "ISCG Préambule",
    "body": "ISCG Corps",
    "closing": "ISCG Formule finale",
    "signature": "ISCG Signature",
}
ROLE_OF_STYLE = {name: role for role, name in STYLES.items()}
HEADING_STYLE = "ISCG Article"
_ARTICLE = re.compile(r"^\s*Article\s+(\d{1,3})\s*[:\u202f\u00a0 ]*[:.\-–]?\s*(.*)$", re.S)
BULLET = "•"


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Paragraph:
    role: Role
    runs: list[Run] = field(default_factory=list)
    #: A list item: its marker written at the start of the line (« • », « 2. »).
    marker: str = ""
    centered: bool = False

    @property
    def text(self) -> str:
        return self.marker + "".join(run.text for run in self.runs)


@dataclass
class Heading:
    """An article's heading: « Article 3 : Financement »."""

    number: int
    title: str

    @property
    def text(self) -> str:
        return f"Article {self.number}{templating.NNBSP}: {self.title}"


@dataclass
class Cell:
    lines: list[str]
    header: bool = False
    numeric: bool = False

    @property
    def text(self) -> str:
        return " ".join(line.strip() for line in self.lines if line.strip())


@dataclass
class Table:
    rows: list[list[Cell]]
    #: Rows printed in bold (column headings, totals).
    bold_rows: frozenset[int] = frozenset()

    @property
    def text(self) -> str:
        lines = []
        for row in self.rows:
            cells = [cell.text for cell in row]
            while cells and not cells[-1]:
                cells.pop()
            lines.append(" | ".join(cells))
        return "\n".join(line for line in lines if line)


Block = Paragraph | Heading | Table


@dataclass
class Structure:
    """What a convention's document holds, in reading order."""

    reference: str = ""
    kind: str = ""
    title: str = ""
    projet: bool = False
    blocks: list[Block] = field(default_factory=list)

    @property
    def header(self) -> str:
        head = f"{self.reference} — {self.kind}" if self.kind else self.reference
        return f"PROJET — {head}" if self.projet else head


# --------------------------------------------------------------------------- HTML → blocks


def _runs(element, bold: bool = False, italic: bool = False) -> list[Run]:
    """The text of an inline element as runs (line breaks kept as "\\n")."""
    runs: list[Run] = []

    def add(text: str | None, b: bool, i: bool) -> None:
        if not text:
            return
        text = re.sub(r"[ \t\r\n]+", " ", text)
        if runs and runs[-1].bold == b and runs[-1].italic == i:
            runs[-1].text += text
        else:
            runs.append(Run(text, b, i))

    def walk(node, b: bool, i: bool) -> None:
        add(node.text, b, i)
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "br":
                add("\n", b, i)
                runs[-1].text = runs[-1].text.replace(" \n", "\n")
            else:
                walk(child, b or tag in ("strong", "b"), i or tag in ("em", "i"))
            add(child.tail, b, i)

    walk(element, bold, italic)
    if runs:
        runs[0].text = runs[0].text.lstrip()
        runs[-1].text = runs[-1].text.rstrip()
        for run in runs:
            run.text = run.text.replace("\n ", "\n")
    return [run for run in runs if run.text]


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _cell(element) -> Cell:
    lines = [line.strip() for line in "".join(r.text for r in _runs(element)).split("\n")]
    return Cell(
        [line for line in lines if line],
        header=element.tag == "th",
        numeric="num" in _classes(element),
    )


def _table(element) -> Table:
    rows: list[list[Cell]] = []
    bold: set[int] = set()
    for tr in element.iter("tr"):
        parent = tr.getparent()
        classes = _classes(tr)
        cells = []
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            cells.append(_cell(cell))
            # A heading across the columns: the first cell holds it, the others stay empty.
            cells.extend(Cell([]) for _ in range(int(cell.get("colspan") or 1) - 1))
        if (
            parent is not None
            and parent.tag in ("thead", "tfoot")
            or classes
            & {
                "total",
                "subtotal",
                "post-title",
            }
        ):
            bold.add(len(rows))
        rows.append(cells)
    width = max((len(row) for row in rows), default=0)
    rows = [row + [Cell([]) for _ in range(width - len(row))] for row in rows]
    return Table(rows, frozenset(bold))


def _flow(element, role: Role, out: list[Block]) -> None:
    """Block-level content of ``element``: paragraphs, lists, tables, in order."""
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "p":
            runs = _runs(child)
            if runs or "space" not in _classes(child):
                out.append(Paragraph(role, runs, centered="and" in _classes(child)))
        elif tag in ("ul", "ol"):
            number = int(child.get("start") or 1)
            for li in child.iter("li"):
                marker = f"{BULLET} " if tag == "ul" else f"{number}. "
                out.append(Paragraph(role, _runs(li), marker=marker))
                number += 1
        elif tag == "table":
            out.append(_table(child))
        elif tag == "h2":
            match = _ARTICLE.match("".join(r.text for r in _runs(child)))
            if match:
                out.append(Heading(int(match[1]), match[2].strip()))
        elif tag in ("div", "section", "header"):
            _flow(child, role, out)
        elif tag:
            runs = _runs(child)
            if runs:
                out.append(Paragraph(role, runs))


_SECTION_ROLES: dict[str, Role] = {
    "doc-title": "title",
    "parties": "parties",
    "preamble": "preamble",
    "article": "body",
    "closing": "closing",
    "signatures": "signature",
}


def structure(html: str) -> Structure:
    """The blocks of a convention's whole document HTML (``conventions/pdf/document.html``)."""
    import lxml.html

    root = lxml.html.document_fromstring(html)
    result = Structure()
    title = root.find(".//title")
    result.title = (title.text or "").strip() if title is not None else ""
    body = root.find("body")
    if body is None:
        return result

    def walk(element) -> None:
        for child in element:
            if not isinstance(child.tag, str):
                continue
            classes = _classes(child)
            if "projet" in classes:
                result.projet = True
            elif "running-reference" in classes:
                result.reference = "".join(r.text for r in _runs(child))
            elif "running-kind" in classes:
                result.kind = "".join(r.text for r in _runs(child))
            elif "signing" in classes:
                walk(child)
            elif role := next((_SECTION_ROLES[c] for c in classes if c in _SECTION_ROLES), None):
                start = len(result.blocks)
                _flow(child, role, result.blocks)
                if role == "title":
                    for block in result.blocks[start:]:
                        if isinstance(block, Paragraph) and "amends" in _p_classes(child, block):
                            block.role = "mention"
            else:
                _flow(child, "body", result.blocks)

    walk(body)
    return result


def _p_classes(section, block: Paragraph) -> set[str]:
    for p in section.iter("p"):
        if "amends" in _classes(p) and "".join(r.text for r in _runs(p)) == block.text:
            return {"amends"}
    return set()


def fragment_blocks(html: str, role: Role = "body") -> list[Block]:
    """The blocks of a piece of rendered text (one paragraph of a part, ``merge_part``)."""
    import lxml.html

    if not html.strip():
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    out: list[Block] = []
    _flow(root, role, out)
    return out


# --------------------------------------------------------------------------- blocks → text


def block_text(block: Block) -> str:
    """A block as one line of plain text (a table: one line per row, cells joined by « | »),
    the form both sides of a comparison are read in."""
    text = block.text
    text = text.replace("\r", "")
    return re.sub(r"\n{2,}", "\n", text).strip()


def plain_text(blocks: list[Block]) -> dict[str, Any]:
    """The parts of a document as a text dictionary (plain text, paragraphs separated by a
    blank line): what ``textdiff.compare_texts`` reads."""
    parts: dict[str, list[str]] = {"title": [], "parties": [], "preamble": [], "closing": []}
    articles: list[dict[str, Any]] = []
    for block in blocks:
        if isinstance(block, Heading):
            articles.append({"title": block.title, "body": []})
            continue
        role = block.role if isinstance(block, Paragraph) else "body"
        line = block_text(block)
        if not line or role in ("mention", "signature"):
            continue
        if role == "body":
            if articles:
                articles[-1]["body"].append(line)
            else:
                parts["preamble"].append(line)
        else:
            parts[role].append(line)
    return {
        "title": "\n\n".join(parts["title"]),
        "parties_block": "\n\n".join(parts["parties"]),
        "preamble": "\n\n".join(parts["preamble"]),
        "articles": [{"title": a["title"], "body": "\n\n".join(a["body"])} for a in articles],
        "closing": "\n\n".join(parts["closing"]),
    }


# --------------------------------------------------------------------------- ODT

_ODT_NAMES = {name: re.sub(r"\W", "_", name) for name in [*STYLES.values(), HEADING_STYLE]}


def _odt_style(
    family: str,
    name: str,
    *,
    display: str | None = None,
    parent: str | None = None,
    paragraph: dict | None = None,
    text: dict | None = None,
    cell: dict | None = None,
):
    from odfdo import Style

    style = Style(family, name=name, display_name=display, parent_style=parent)
    if paragraph:
        style.set_properties(area="paragraph", properties=paragraph)
    if text:
        style.set_properties(area="text", properties=text)
    if cell:
        style.set_properties(area="table-cell", properties=cell)
    return style


def _odt_styles(document) -> None:
    serif = {"style:font-name": "DejaVu Serif", "fo:font-size": "10pt"}
    sans_bold = {"style:font-name": "DejaVu Sans", "fo:font-size": "10pt", "fo:font-weight": "bold"}
    for role, name in STYLES.items():
        align = {"title": "center", "mention": "center", "signature": "start"}.get(role, "justify")
        text = sans_bold if role == "title" else serif
        style = _odt_style(
            "paragraph",
            _ODT_NAMES[name],
            display=name,
            parent="Standard",
            paragraph={"fo:text-align": align, "fo:margin-bottom": "0.15cm"},
            text=text,
        )
        document.insert_style(style, automatic=False)
    document.insert_style(
        _odt_style(
            "paragraph",
            _ODT_NAMES[HEADING_STYLE],
            display=HEADING_STYLE,
            parent="Heading_20_2",
            paragraph={
                "fo:margin-top": "0.35cm",
                "fo:margin-bottom": "0.15cm",
                "fo:keep-with-next": "always",
            },
            text={**sans_bold, "fo:font-style": "normal", "fo:color": "#000000"},
        ),
        automatic=False,
    )
    for name, text in (
        ("ISCG_Gras", {"fo:font-weight": "bold"}),
        ("ISCG_Italique", {"fo:font-style": "italic"}),
        ("ISCG_Gras_Italique", {"fo:font-weight": "bold", "fo:font-style": "italic"}),
    ):
        document.insert_style(_odt_style("text", name, text=text), automatic=False)
    document.insert_style(
        _odt_style(
            "paragraph",
            "ISCG_Centre",
            parent=_ODT_NAMES[STYLES["parties"]],
            paragraph={"fo:text-align": "center"},
            text={"fo:font-weight": "bold"},
        ),
        automatic=True,
    )
    document.insert_style(
        _odt_style(
            "table-cell",
            "ISCG_Case",
            cell={"fo:border": "0.02cm solid #555555", "fo:padding": "0.08cm"},
        ),
        automatic=True,
    )
    for name, align, bold in (
        ("ISCG_Case_Texte", "start", False),
        ("ISCG_Case_Nombre", "end", False),
        ("ISCG_Case_Texte_Gras", "start", True),
        ("ISCG_Case_Nombre_Gras", "end", True),
    ):
        text = {"style:font-name": "DejaVu Serif", "fo:font-size": "9pt"}
        if bold:
            text["fo:font-weight"] = "bold"
        document.insert_style(
            _odt_style(
                "paragraph", name, parent="Standard", paragraph={"fo:text-align": align}, text=text
            ),
            automatic=True,
        )


def _odt_runs(paragraph, runs: list[Run]) -> None:
    from odfdo import LineBreak, Span

    for run in runs:
        style = {
            (True, False): "ISCG_Gras",
            (False, True): "ISCG_Italique",
            (True, True): "ISCG_Gras_Italique",
        }.get((run.bold, run.italic))
        pieces = run.text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                paragraph.append(LineBreak())
            if not piece:
                continue
            if style:
                paragraph.append(Span(piece, style=style))
            else:
                paragraph.append(piece)


def to_odt(doc: Structure) -> bytes:
    """The document as an OpenDocument text (ODT)."""
    from odfdo import Cell as OdfCell
    from odfdo import Document, Header, Row
    from odfdo import Paragraph as OdfParagraph
    from odfdo import Table as OdfTable

    document = Document("text")
    body = document.body
    body.clear()
    _odt_styles(document)
    meta = document.meta
    meta.set_title(doc.title)
    meta.set_subject(f"{doc.kind} {doc.reference}".strip())
    master = document.get_style("master-page", "Standard")
    if master is not None:
        master.set_page_header(doc.header)
    tables = 0
    for block in doc.blocks:
        if isinstance(block, Heading):
            heading = Header(2, block.text, suppress_numbering=True)
            heading.style = _ODT_NAMES[HEADING_STYLE]  # odfdo's Header ignores style=
            body.append(heading)
        elif isinstance(block, Table):
            tables += 1
            table = OdfTable(f"Tableau{tables}")
            for index, row in enumerate(block.rows):
                odf_row = Row()
                for cell in row:
                    odf_cell = OdfCell(style="ISCG_Case")
                    name = "ISCG_Case_Nombre" if cell.numeric else "ISCG_Case_Texte"
                    if index in block.bold_rows:
                        name += "_Gras"
                    for line in cell.lines or [""]:
                        odf_cell.append(OdfParagraph(line, style=name))
                    odf_row.append(odf_cell)
                table.append_row(odf_row)
            body.append(table)
        else:
            style = "ISCG_Centre" if block.centered else _ODT_NAMES[STYLES[block.role]]
            paragraph = OdfParagraph("", style=style)
            if block.marker:
                paragraph.append(block.marker)
            _odt_runs(paragraph, block.runs)
            body.append(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- DOCX


def to_docx(doc: Structure) -> bytes:
    """The document as an Office Open XML text (DOCX)."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2)
    section.left_margin, section.right_margin = Cm(2.2), Cm(2)
    section.header.paragraphs[0].text = doc.header
    normal = document.styles["Normal"]
    normal.font.name = "DejaVu Serif"
    normal.font.size = Pt(10)
    props = document.core_properties
    props.title, props.subject = doc.title, f"{doc.kind} {doc.reference}".strip()
    props.author = "ISCG conventions"
    for role, name in STYLES.items():
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.paragraph_format.space_after = Pt(4)
        if role in ("title", "mention"):
            style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            style.font.name = "DejaVu Sans"
            style.font.bold = role == "title"
        elif role != "signature":
            style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    heading = document.styles.add_style(HEADING_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    heading.base_style = document.styles["Heading 2"]
    heading.font.name, heading.font.size, heading.font.bold = "DejaVu Sans", Pt(10), True
    heading.font.color.rgb = None
    for block in doc.blocks:
        if isinstance(block, Heading):
            document.add_paragraph(block.text, style=HEADING_STYLE)
        elif isinstance(block, Table):
            if not block.rows:
                continue
            table = document.add_table(rows=0, cols=len(block.rows[0]))
            table.style = document.styles["Table Grid"]
            table.alignment = WD_TABLE_ALIGNMENT.LEFT
            for index, row in enumerate(block.rows):
                cells = table.add_row().cells
                for cell, source in zip(cells, row, strict=True):
                    paragraph = cell.paragraphs[0]
                    paragraph.style = document.styles[STYLES["body"]]
                    if source.numeric:
                        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                    else:
                        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
                    for n, line in enumerate(source.lines):
                        run = paragraph.add_run(line)
                        run.font.size = Pt(9)
                        run.bold = index in block.bold_rows or None
                        if n < len(source.lines) - 1:
                            run.add_break()
        else:
            paragraph = document.add_paragraph(style=STYLES[block.role])
            if block.centered:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if block.marker:
                paragraph.paragraph_format.left_indent = Cm(0.6)
                paragraph.paragraph_format.first_line_indent = Cm(-0.4)
                paragraph.add_run(block.marker)
            for run in block.runs:
                for n, piece in enumerate(run.text.split("\n")):
                    added = paragraph.add_run()
                    if n:
                        added.add_break()
                    if piece:
                        added.add_text(piece)
                    added.bold = run.bold or block.centered or None
                    added.italic = run.italic or None
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- uploads

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
#: A returned text is a few hundred kilobytes; more is refused before it is opened.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: What its parts may weigh once uncompressed (a zip bomb is refused before it is parsed).
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024
MAX_MEMBERS = 1000
#: A part that inflates more than this is a zip bomb (text XML compresses about 10:1).
MAX_RATIO = 200
MAX_ARTICLES = 300
MAX_TEXT_CHARS = 400_000

Format = Literal["odt", "docx"]


class OfficeFileError(ValueError):
    """A returned file that cannot be read: the message says why, in French."""


_MACRO_PARTS = re.compile(
    r"(^|/)(vbaProject\.bin|vbaData\.xml|activeX[^/]*|embeddings/.*|oleObject[^/]*)$"
    r"|^(Basic|Scripts)/.+|^Object[ _]\d+(/|$)|^ObjectReplacements/",
    re.I,
)
_ODT_REFUSED = re.compile(rb"<(draw:object|draw:object-ole|draw:plugin|draw:applet|script:)\b")
_ODT_EVENTS = re.compile(rb"<office:event-listeners\b|<office:script\b")


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """A member's bytes, read in chunks: never more than ``budget`` bytes are inflated."""
    chunks, total = [], 0
    with archive.open(info) as member:
        while chunk := member.read(65536):
            total += len(chunk)
            if total > budget:
                raise OfficeFileError(
                    "Le fichier est refusé : une fois décompressé, son contenu dépasse "
                    f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} Mo (archive piégée ?)."
                )
            chunks.append(chunk)
    return b"".join(chunks)


def check_upload(content: bytes) -> tuple[Format, dict[str, bytes]]:
    """The format of a returned file and its XML parts, checked before any parser sees it:
    a ZIP of an ODT or a DOCX text, no bigger than ``MAX_UPLOAD_BYTES``, whose parts inflate to
    no more than ``MAX_UNCOMPRESSED_BYTES`` (each read is bounded), without macros, embedded
    objects, scripts nor DTD (entities). ``OfficeFileError`` says, in French, what is wrong."""
    if not content:
        raise OfficeFileError("Le fichier est vide.")
    if len(content) > MAX_UPLOAD_BYTES:
        raise OfficeFileError(
            f"Le fichier dépasse la taille permise ({MAX_UPLOAD_BYTES // (1024 * 1024)} Mo au plus)."
        )
    if not content.startswith(b"PK\x03\x04"):
        raise OfficeFileError(
            "Le fichier n'est pas un document ODT ou DOCX : enregistrez le texte au format "
            "OpenDocument (.odt) ou Word (.docx), puis déposez-le à nouveau."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise OfficeFileError(
            "Le fichier est endommagé : il ne s'ouvre pas comme un document ODT ou DOCX."
        ) from exc
    with archive:
        if len(infos) > MAX_MEMBERS:
            raise OfficeFileError("Le fichier est refusé : il contient trop de parties.")
        declared = sum(info.file_size for info in infos)
        if declared > MAX_UNCOMPRESSED_BYTES:
            raise OfficeFileError(
                "Le fichier est refusé : une fois décompressé, son contenu dépasse "
                f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} Mo (archive piégée ?)."
            )
        names = {info.filename for info in infos}
        for info in infos:
            if info.flag_bits & 0x1:
                raise OfficeFileError("Le fichier est chiffré : déposez-le sans mot de passe.")
            if _MACRO_PARTS.search(info.filename):
                raise OfficeFileError(
                    "Le fichier est refusé : il contient des macros ou des objets incorporés "
                    f"(« {info.filename[:60]} »). Enregistrez le texte seul, sans macro ni objet."
                )
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise OfficeFileError(
                    "Le fichier est refusé : une de ses parties se décompresse bien au-delà de "
                    "ce qu'un texte occupe (archive piégée ?)."
                )
        parts: dict[str, bytes] = {}
        budget = MAX_UNCOMPRESSED_BYTES
        try:
            for info in infos:
                if info.is_dir():
                    continue
                data = _inflate(archive, info, budget)
                budget -= len(data)
                if info.filename.endswith((".xml", ".rels")) or info.filename == "mimetype":
                    parts[info.filename] = data
        except OfficeFileError:
            raise
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise OfficeFileError(
                "Le fichier est endommagé : une de ses parties ne se lit pas."
            ) from exc
    for name, data in parts.items():
        if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
            raise OfficeFileError(
                f"Le fichier est refusé : sa partie « {name[:60]} » déclare des entités XML."
            )
    if parts.get("mimetype", b"").strip() == ODT_MIMETYPE or "content.xml" in names:
        if parts.get("mimetype", b"").strip() != ODT_MIMETYPE:
            raise OfficeFileError(
                "Le fichier n'est pas un texte OpenDocument (.odt) : un tableur ou une "
                "présentation ne peuvent pas être comparés à la convention."
            )
        content_xml = parts.get("content.xml", b"")
        if _ODT_REFUSED.search(content_xml):
            raise OfficeFileError(
                "Le fichier est refusé : il contient des objets incorporés ou des scripts. "
                "Enregistrez le texte seul."
            )
        if _ODT_EVENTS.search(content_xml) or _ODT_EVENTS.search(parts.get("styles.xml", b"")):
            raise OfficeFileError("Le fichier est refusé : il contient des macros.")
        return "odt", parts
    types = parts.get("[Content_Types].xml", b"")
    if "word/document.xml" in names and types:
        if b"macroEnabled" in types:
            raise OfficeFileError(
                "Le fichier est refusé : c'est un document Word avec macros (.docm). "
                "Enregistrez-le au format .docx, sans macro."
            )
        return "docx", parts
    raise OfficeFileError(
        "Le fichier n'est pas un document ODT ou DOCX : enregistrez le texte au format "
        "OpenDocument (.odt) ou Word (.docx), puis déposez-le à nouveau."
    )


def _role_of(style_name: str | None, current: Role) -> Role | None:
    """The part a paragraph belongs to, from its style; None: the style says nothing."""
    if not style_name:
        return None
    return ROLE_OF_STYLE.get(style_name) or ROLE_OF_STYLE.get(style_name.replace("_", " "))


def _heading_of(text: str, style: str | None, expected: int) -> Heading | None:
    match = _ARTICLE.match(text)
    if not match:
        return None
    name = (style or "").replace("_20_", " ").replace("_", " ")
    styled = name == HEADING_STYLE or name.lower().startswith(("heading", "titre"))
    if styled or (int(match[1]) == expected and len(text) < 200):
        return Heading(int(match[1]), match[2].strip())
    return None


class _Reader:
    """Paragraphs read back in order, each put in its part: by its style when it has one of
    ours (a paragraph typed after it keeps it), else in the part being read."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.role: Role = "title"
        self.articles = 0

    def paragraph(self, text: str, style: str | None) -> None:
        text = text.replace("\r", "").replace("\t", " ")
        heading = _heading_of(text, style, self.articles + 1)
        if heading is not None:
            self.articles += 1
            self.role = "body"
            self.blocks.append(heading)
            return
        role = _role_of(style, self.role)
        if role is not None:
            if role == "body" and self.articles == 0:
                role = "preamble"
            self.role = role
        if text.strip():
            self.blocks.append(Paragraph(self.role, [Run(text.strip())]))

    def table(self, rows: list[list[str]]) -> None:
        self.blocks.append(Table([[Cell([text]) for text in row] for row in rows]))


def _docx_blocks(content: bytes) -> list[Block]:
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph

    document = docx.Document(io.BytesIO(content))
    reader = _Reader()
    for item in document.iter_inner_content():
        if isinstance(item, DocxParagraph):
            reader.paragraph(_docx_text(item), item.style.name if item.style else None)
        elif isinstance(item, DocxTable):
            rows = []
            for row in item.rows:
                seen, cells = set(), []
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(_docx_text(p) for p in cell.paragraphs).strip())
                rows.append(cells)
            reader.table(rows)
    return reader.blocks


def _docx_text(paragraph) -> str:
    """A paragraph's text with its line breaks (python-docx gives "\\n" for ``<w:br/>``)."""
    return paragraph.text


def _odt_blocks(content: bytes) -> list[Block]:
    from odfdo import Document

    document = Document(io.BytesIO(content))
    parents: dict[str, str] = {}
    for style in document.get_styles("paragraph"):
        if style.name and style.parent_style:
            parents[style.name] = style.parent_style

    def named(style: str | None) -> str | None:
        seen = 0
        while style and seen < 10:
            display = style.replace("_20_", " ")
            candidates = {display, style.replace("_", " ")}
            for candidate in candidates:
                if candidate in ROLE_OF_STYLE or candidate == HEADING_STYLE:
                    return candidate
            if style.startswith("Heading"):
                return style
            style = parents.get(style)
            seen += 1
        return None

    reader = _Reader()
    for element in document.body.children:
        tag = element.tag
        if tag in ("text:p", "text:h"):
            style = element.get_attribute("text:style-name")
            name = named(str(style) if style else None)
            if tag == "text:h" and name is None:
                name = "Heading"
            reader.paragraph(_odt_text(element), name)
        elif tag == "table:table":
            rows = []
            for row in element.get_elements("table:table-row"):
                cells = []
                for cell in row.children:
                    if cell.tag == "table:table-cell":
                        texts = [_odt_text(p) for p in cell.get_elements("text:p")]
                        cells.append(" ".join(t.strip() for t in texts).strip())
                rows.append(cells)
            reader.table(rows)
        elif tag in ("text:list", "text:section"):
            for paragraph in element.get_elements("descendant::text:p"):
                style = paragraph.get_attribute("text:style-name")
                reader.paragraph(_odt_text(paragraph), named(str(style) if style else None))
    return reader.blocks


def _odt_text(element) -> str:
    """A paragraph's text: its spaces (``text:s``), tabs and line breaks in place, tracked
    deletions and notes left out."""
    out: list[str] = []

    def walk(node) -> None:
        from lxml import etree

        for part in node.xpath("node()"):
            if isinstance(part, str):
                out.append(str(part))
                continue
            if not isinstance(part.tag, str):
                continue
            local = etree.QName(part).localname
            if local == "s":
                out.append(" " * int(part.get(f"{{{_TEXT_NS}}}c") or 1))
            elif local == "tab":
                out.append("\t")
            elif local == "line-break":
                out.append("\n")
            elif local in ("note", "annotation", "tracked-changes", "bookmark-ref"):
                continue
            else:
                walk(part)

    walk(element._Element__element if hasattr(element, "_Element__element") else element)
    return "".join(out)


_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


@dataclass
class ReturnedFile:
    format: Format
    blocks: list[Block]
    text: dict[str, Any]


def read_upload(content: bytes) -> ReturnedFile:
    """A returned text, checked (``check_upload``) then read into blocks and its text."""
    file_format, _ = check_upload(content)
    try:
        blocks = _docx_blocks(content) if file_format == "docx" else _odt_blocks(content)
    except OfficeFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is a damaged file to the user
        raise OfficeFileError(
            "Le fichier est endommagé : son texte ne peut pas être lu. Enregistrez-le à "
            "nouveau depuis le traitement de texte."
        ) from exc
    text = plain_text(blocks)
    if not text["articles"]:
        raise OfficeFileError(
            "Aucun article n'a été trouvé dans le fichier : ses titres doivent commencer par "
            "« Article 1 : », « Article 2 : »… comme dans le document téléchargé."
        )
    if len(text["articles"]) > MAX_ARTICLES:
        raise OfficeFileError(f"Le fichier compte plus de {MAX_ARTICLES} articles.")
    size = sum(len(str(v)) for v in text.values() if isinstance(v, str)) + sum(
        len(a["title"]) + len(a["body"]) for a in text["articles"]
    )
    if size > MAX_TEXT_CHARS:
        raise OfficeFileError("Le texte du fichier est trop long pour être comparé.")
    return ReturnedFile(file_format, blocks, text)


# --------------------------------------------------------------------------- taking a change


@dataclass
class Merged:
    """One part of the draft's text with a returned version taken in."""

    title: str | None
    body: str
    #: What could not be taken (a table or a list of parties, which come from the data).
    notes: list[str] = field(default_factory=list)


def _source_lines(paragraph: str, context: Mapping[str, templating.Value], where: str) -> list[str]:
    rendered = templating.render_text(where, paragraph, context)
    return [block_text(b) for b in fragment_blocks(rendered.html) if block_text(b)]


def _values(paragraph: str, context: Mapping[str, templating.Value]) -> list[tuple[str, str]]:
    """(rendered value, placeholder) of the names of a paragraph, longest value first."""
    pairs = []
    try:
        names = templating.names_in(paragraph)
    except templating.TemplateSyntaxError:
        return []
    for name in dict.fromkeys(names):
        value = context.get(name)
        if not isinstance(value, str) or len(value.strip()) < 3:
            continue
        for variant in dict.fromkeys(
            [
                value,
                value[:1].upper() + value[1:],
                templating.french_typography(value),
                templating.french_typography(value[:1].upper() + value[1:]),
            ]
        ):
            pairs.append((variant, "{{ " + name + " }}"))
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def _blanks(paragraph: str, context: Mapping[str, templating.Value]) -> list[str]:
    """The placeholders of a paragraph that print a blank « ………… », in reading order."""
    try:
        names = templating.names_in(paragraph)
    except templating.TemplateSyntaxError:
        return []
    return [
        "{{ " + name + " }}"
        for name in names
        if name not in templating.BLOCK_NAMES
        and (context.get(name) is None or not str(context.get(name)).strip())
    ]


def _as_source(line: str, values: list[tuple[str, str]], blanks: list[str] | None = None) -> str:
    """A line of the returned text as template text: the draft's values put back as their
    placeholders, and its blanks « ………… » (values still missing) as theirs, in order; « • »
    and « 2. » stay list items; nothing that could read as a tag."""
    line = line.replace("{{", "{ {").replace("}}", "} }").replace("{%", "{ %").replace("%}", "% }")
    used: set[str] = set()
    for value, placeholder in values:
        if placeholder in used or value not in line:
            continue
        line = line.replace(value, placeholder, 1)
        used.add(placeholder)
    for placeholder in blanks or []:
        if templating.BLANK not in line:
            break
        line = line.replace(templating.BLANK, placeholder, 1)
    return line


def _join(lines: list[str]) -> str:
    """Lines of one source paragraph: list items stay in the paragraph they follow."""
    out = ""
    for line in lines:
        if not out:
            out = line
        elif re.match(r"^\s*(•|-|\d+[.)])\s", line):
            out += "\n" + line
        else:
            out += "\n\n" + line
    return out


def _norm(line: str) -> str:
    """A line as compared: spaces of every kind (no-break, narrow) alike."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", line).strip()


def merge_part(
    source: str,
    returned: str,
    context: Mapping[str, templating.Value],
    *,
    where: str = "",
) -> tuple[str, list[str]]:
    """``source`` (the draft's template text of a part) changed as ``returned`` (the same part
    read back from a file, plain text, paragraphs separated by a blank line) says: its
    paragraphs the partner did not touch are kept as they are (placeholders, bold and blocks
    included); those changed become the returned text, with the draft's values that are still
    in it put back as placeholders; a block (financing table, parties) is always kept, and a
    change made in it is reported in ``notes`` (it comes from the convention's data)."""
    paragraphs = templating._paragraphs(source)
    groups = [_source_lines(p, context, where) for p in paragraphs]
    flat = [(index, line) for index, lines in enumerate(groups) for line in lines]
    new_lines = [line.strip() for line in returned.split("\n\n") if line.strip()]
    matcher = difflib.SequenceMatcher(
        None, [_norm(line) for _, line in flat], [_norm(line) for line in new_lines], autojunk=False
    )
    # Events in reading order: (kind, value, owner group). A line typed in place of a draft's
    # line, or between two lines of the same paragraph, belongs to that paragraph; one typed
    # between two paragraphs is a paragraph of its own (owner None).
    events: list[tuple[str, Any, int | None]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            events.extend(("keep", i, flat[i][0]) for i in range(i1, i2))
            continue
        if tag == "replace":
            owner: int | None = flat[i1][0]
        else:
            before = flat[i1 - 1][0] if 0 < i1 <= len(flat) else None
            after = flat[i2][0] if i2 < len(flat) else None
            owner = before if before is not None and before == after else None
        events.extend(("drop", i, flat[i][0]) for i in range(i1, i2))
        events.extend(("new", new_lines[j], owner) for j in range(j1, j2))
    owned: dict[int, list[tuple[str, Any]]] = {}
    for kind, value, group in events:
        if group is not None:
            owned.setdefault(group, []).append((kind, value))
    out: list[str] = []
    notes: list[str] = []
    done: set[int] = set()
    for _kind, value, group in events:
        if group is None:  # a paragraph added between the draft's paragraphs
            out.append(_as_source(value, []))
            continue
        if group in done:
            continue
        done.add(group)
        inside = owned[group]
        unchanged = all(k == "keep" for k, _ in inside)
        if unchanged or templating._is_block_paragraph(paragraphs[group]):
            out.append(paragraphs[group])
            if not unchanged:
                notes.append(
                    "Un tableau ou une liste tirée des données de la convention a été modifié "
                    "dans le fichier : il n'est pas repris (modifiez le plan de financement ou "
                    "les parties de la convention)."
                )
            continue
        values = _values(paragraphs[group], context)
        blanks = _blanks(paragraphs[group], context)
        kept = [flat[v][1] if k == "keep" else v for k, v in inside if k != "drop"]
        converted = []
        for line in kept:
            count = line.count(templating.BLANK)
            converted.append(_as_source(line, values, blanks[:count]))
            blanks = blanks[count:]
        if converted:
            out.append(_join(converted))
    # Paragraphs that rendered to nothing (an empty value) stay where they were.
    for index, group_lines in enumerate(groups):
        if not group_lines:
            out.insert(min(index, len(out)), paragraphs[index])
    return "\n\n".join(out), notes


def merge_title(source: str, returned: str, context: Mapping[str, templating.Value]) -> str:
    """An article's title as returned, the draft's own title kept when it reads the same."""
    rendered = templating.render_text("", source, context, inline=True).html
    blocks = fragment_blocks(f"<p>{rendered}</p>")
    if blocks and block_text(blocks[0]) == returned.strip():
        return source
    return _as_source(returned.strip(), _values(source, context))
