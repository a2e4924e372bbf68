"""conventions.office without the database: the upload checks (size, zip bombs, macros,
embedded objects, entities, damaged files) and taking a returned part into a template text."""

import io
import zipfile

import pytest

from conventions import office, templating
from conventions.templating import Block

# --------------------------------------------------------------------------- small documents

SMALL_HTML = """<!doctype html><html><head><title>Convention</title></head><body>
<div class="projet">PROJET</div>
<p class="running running-reference">REF-1</p><p class="running running-kind">Convention de financement</p>
<header class="doc-title"><p><strong>Convention de financement</strong></p></header>
<section class="parties"><p>L'État</p><p class="and">ET</p><p>Le Département</p></section>
<section class="article"><h2>Article 1&#8239;: Objet</h2><p>Le poste est financé.</p>
<ul><li>un</li><li>deux</li></ul></section>
<section class="article"><h2>Article 2&#8239;: Financement</h2>
<table class="financing"><thead><tr><th>Financeur</th><th class="num">2024</th></tr></thead>
<tbody><tr><th>État</th><td class="num">12 000 €</td></tr></tbody>
<tfoot><tr class="total"><th>Total</th><td class="num">12 000 €</td></tr></tfoot></table></section>
<div class="signing"><section class="closing"><p>Fait à Arras.</p></section>
<section class="signatures"><div class="signature"><p class="for">Pour l'État,</p>
<p class="space"></p><p class="name">Jacques BILLANT</p></div></section></div>
</body></html>"""


def small_docx() -> bytes:
    return office.to_docx(office.structure(SMALL_HTML))


def small_odt() -> bytes:
    return office.to_odt(office.structure(SMALL_HTML))


def rezipped(content: bytes, extra: dict[str, bytes] | None = None, replace=None) -> bytes:
    """The same archive with parts added or changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if replace and info.filename in replace:
                data = replace[info.filename](data)
            target.writestr(info, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_the_structure_of_a_document_and_its_text():
    structure = office.structure(SMALL_HTML)
    assert structure.projet and structure.reference == "REF-1"
    assert structure.header == "PROJET — REF-1 — Convention de financement"
    text = office.plain_text(structure.blocks)
    assert text == {
        "title": "Convention de financement",
        "parties_block": "L'État\n\nET\n\nLe Département",
        "preamble": "",
        "articles": [
            {"title": "Objet", "body": "Le poste est financé.\n\n• un\n\n• deux"},
            {
                "title": "Financement",
                "body": "Financeur | 2024\nÉtat | 12 000 €\nTotal | 12 000 €",
            },
        ],
        "closing": "Fait à Arras.",
    }


@pytest.mark.parametrize("write", [small_docx, small_odt], ids=["docx", "odt"])
def test_both_files_read_back_as_written(write):
    returned = office.read_upload(write())
    assert returned.text == office.plain_text(office.structure(SMALL_HTML).blocks)


# --------------------------------------------------------------------------- refusals


def refused(content: bytes) -> str:
    with pytest.raises(office.OfficeFileError) as error:
        office.read_upload(content)
    return str(error.value)


def test_empty_too_big_and_not_a_text_are_refused():
    assert refused(b"") == "Le fichier est vide."
    assert "taille permise" in refused(b"PK\x03\x04" + b"0" * office.MAX_UPLOAD_BYTES)
    assert "n'est pas un document ODT ou DOCX" in refused(b"%PDF-1.7")
    assert "n'est pas un document ODT ou DOCX" in refused(b"{\\rtf1 texte}")


def test_a_damaged_archive_is_refused():
    assert "endommagé" in refused(b"PK\x03\x04" + b"\x00garbage" * 50)
    truncated = small_docx()[:-400]
    assert "endommagé" in refused(truncated)


def test_a_zip_bomb_is_refused_before_it_is_parsed():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
        archive.writestr("[Content_Types].xml", b"<Types/>")
    content = out.getvalue()
    assert len(content) < office.MAX_UPLOAD_BYTES
    assert "décompress" in refused(content)


def test_a_part_that_lies_about_its_size_is_stopped_while_inflating():
    """A bomb whose central directory declares a small size: the read itself is bounded."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"x" * 1000)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        info = archive.getinfo("word/document.xml")
        with pytest.raises(office.OfficeFileError):
            office._inflate(archive, info, budget=100)


@pytest.mark.parametrize(
    "part",
    ["word/vbaProject.bin", "word/embeddings/oleObject1.bin", "word/activeX/activeX1.xml"],
)
def test_macros_and_embedded_objects_in_a_docx_are_refused(part):
    assert "macros ou des objets incorporés" in refused(rezipped(small_docx(), {part: b"x"}))


def test_a_docm_is_refused():
    content = rezipped(
        small_docx(),
        replace={
            "[Content_Types].xml": lambda data: data.replace(
                b"document.main+xml", b"document.macroEnabled.main+xml"
            )
        },
    )
    assert ".docm" in refused(content)


def test_basic_macros_scripts_and_objects_in_an_odt_are_refused():
    assert "macros" in refused(rezipped(small_odt(), {"Basic/Standard/Module1.xml": b"<x/>"}))
    assert "macros" in refused(rezipped(small_odt(), {"Object 1/content.xml": b"<x/>"}))
    with_object = rezipped(
        small_odt(),
        replace={
            "content.xml": lambda data: data.replace(
                b"</office:text>",
                b'<text:p><draw:frame><draw:object xlink:href="./Object 2"/></draw:frame>'
                b"</text:p></office:text>",
            )
        },
    )
    assert "objets incorporés" in refused(with_object)


def test_xml_entities_are_refused():
    bomb = rezipped(
        small_docx(),
        replace={
            "word/document.xml": lambda data: data.replace(
                b"?>", b'?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]>', 1
            )
        },
    )
    assert "entités XML" in refused(bomb)


def test_a_spreadsheet_or_a_text_without_articles_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", b"<office:document-content/>")
    assert "tableur" in refused(out.getvalue())
    import docx

    document = docx.Document()
    document.add_paragraph("Une lettre sans article.")
    written = io.BytesIO()
    document.save(written)
    assert "Aucun article" in refused(written.getvalue())


# --------------------------------------------------------------------------- taking a change

CONTEXT = {
    "etat.representant_nom": "Jacques BILLANT",
    "convention.lieu_signature": "Arras",
    "bloc.financement": Block(
        '<table class="financing"><tr><th>État</th><td>12 000 €</td></tr></table>'
    ),
}


def test_an_untouched_paragraph_keeps_its_source_and_a_changed_one_its_values():
    source = (
        "Le préfet **{{ etat.representant_nom }}** signe à {{ convention.lieu_signature }}.\n\n"
        "Le poste est financé."
    )
    returned = "Le préfet Jacques BILLANT signe à Arras.\n\nLe poste est financé par tous."
    body, notes = office.merge_part(source, returned, CONTEXT)
    assert body == (
        "Le préfet **{{ etat.representant_nom }}** signe à {{ convention.lieu_signature }}.\n\n"
        "Le poste est financé par tous."
    )
    assert notes == []
    returned = "Le préfet Jacques BILLANT signera à Arras le jour dit.\n\nLe poste est financé."
    body, _ = office.merge_part(source, returned, CONTEXT)
    assert body == (
        "Le préfet {{ etat.representant_nom }} signera à {{ convention.lieu_signature }} le "
        "jour dit.\n\nLe poste est financé."
    )
    assert not templating.validate_text({"title": "T", "articles": [{"title": "A", "body": body}]})


def test_added_and_removed_paragraphs_and_lists():
    source = "Intro :\n- un\n- deux\n\nFin."
    body, _ = office.merge_part(source, "Intro :\n\n• un\n\n• trois\n\nAjout.\n\nFin.", CONTEXT)
    # The kept lines as they print (the narrow space before « : » included).
    assert body == "Intro\u202f:\n• un\n• trois\n\nAjout.\n\nFin."
    body, _ = office.merge_part(source, "Intro :\n\n• un\n\n• deux", CONTEXT)
    assert body == "Intro :\n- un\n- deux"


def test_a_block_is_kept_and_a_change_in_it_reported():
    source = "Les parts :\n\n{{ bloc.financement }}"
    body, notes = office.merge_part(source, "Les parts :\n\nÉtat | 15 000 €", CONTEXT)
    assert body == source
    assert notes and "plan de financement" in notes[0]


def test_what_the_partner_types_cannot_become_a_placeholder():
    body, _ = office.merge_part("Texte.", "Texte {{ etat.nom }} {% if %}.", CONTEXT)
    assert "{{" not in body and "{%" not in body
    assert not templating.validate_text({"title": "T", "articles": [{"title": "A", "body": body}]})


def test_a_title_keeps_its_source_when_it_reads_the_same():
    assert office.merge_title("**Objet**", "Objet", CONTEXT) == "**Objet**"
    assert office.merge_title("Objet", "Objet et durée", CONTEXT) == "Objet et durée"


def test_a_blank_is_put_back_as_its_placeholder():
    source = "A compter du {{ convention.date_debut }}, le temps est de 38 heures."
    returned = "A compter du ………… , le temps est de 38 heures ouvrées."
    body, _ = office.merge_part(source, returned.replace(" ,", ","), CONTEXT)
    assert body == "A compter du {{ convention.date_debut }}, le temps est de 38 heures ouvrées."
