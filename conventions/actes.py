"""The act as the préfecture's @ctes exchange takes it: number, file names, XML and package.

Pure functions over plain values (``ActeData``), tested without the database. The format is the
one S²LOW and Pastell write (public sources: S²LOW's ``ActesTransaction::generateActeXMLFile`` and
``ActesEnveloppeXML``, Pastell's ``actes-generique`` flow; see ../shared/INTEROP.md):

- one ``Acte`` XML per act (namespace ``http://www.interieur.gouv.fr/ACTES#v1.1-20040216``,
  ISO-8859-1): its date, internal number, nature code, up to five classification levels,
  subject, the act's file name and its annexes';
- an ``EnveloppeCLMISILL`` naming the sender (SIREN, département) and the act XML;
- the files named ``<typology>-<dept>-<SIREN>-<AAAAMMJJ>-<number>-<nature letters>-1-1_<n>``,
  the act as number 1 and its annexes from 2, packed with both XML files in a ``.tar.gz``.

The XSD shipped beside this module (``conventions/schemas/actes_v1_1.xsd``) is written from that
format; ``validate`` checks both XML files against it.
"""

from __future__ import annotations

import functools
import io
import re
import tarfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

NAMESPACE = "http://www.interieur.gouv.fr/ACTES#v1.1-20040216"
INSEE = "http://xml.insee.fr/schema"
XSD_PATH = Path(__file__).resolve().parent / "schemas" / "actes_v1_1.xsd"

#: @ctes nature codes (``acte_nature`` in Pastell): 4 is "contrats, conventions et avenants".
NATURES: dict[int, tuple[str, str]] = {
    1: ("DE", "Délibérations"),
    2: ("AR", "Actes réglementaires"),
    3: ("AI", "Actes individuels"),
    4: ("DC", "Contrats, conventions et avenants"),
    5: ("BF", "Documents budgétaires et financiers"),
    6: ("AU", "Autres"),
}
CONVENTION_NATURE = 4
#: The typology of the act's main file for nature 4, and of a convention annex.
CONVENTION_TYPOLOGY = "99_DC"
ANNEX_TYPOLOGY = "99_CO"
DEFAULT_CLASSIFICATION = "7.5"

NUMBER_PATTERN = re.compile(r"^[0-9A-Z_]{1,15}$")
CLASSIFICATION_PATTERN = re.compile(r"^[1-9]\d*(\.[1-9]\d*){0,4}$")
SUBJECT_MAX = 499


class ActeError(ValueError):
    """An act that cannot be transmitted as it is; the message says what to fix, in French."""


@dataclass(frozen=True)
class Annex:
    name: str
    content: bytes


@dataclass(frozen=True)
class ActeData:
    """What the package says of one act, gathered by the caller from the convention."""

    number: str
    decision_date: date
    subject: str
    classification: str
    siren: str
    department: str
    pdf: bytes
    nature: int = CONVENTION_NATURE
    annexes: tuple[Annex, ...] = ()
    classification_date: date | None = None
    authority_nature: str = ""
    referent_name: str = ""
    referent_email: str = ""
    return_emails: tuple[str, ...] = field(default=())


def acte_number(reference: str) -> str:
    """The @ctes number of a convention reference: digits, capitals and "_" only, at most 15.

    "PDC2023-A08" → "PDC2023_A08"; accents dropped, other characters become "_"; a longer
    reference keeps its last 15 characters (the end tells acts of one series apart)."""
    ascii_text = unicodedata.normalize("NFKD", reference).encode("ascii", "ignore").decode()
    number = re.sub(r"[^0-9A-Z]+", "_", ascii_text.upper()).strip("_")
    return number[-15:].lstrip("_") or "ACTE"


def check(data: ActeData, *, today: date) -> list[str]:
    """Why this act cannot be transmitted (French, one line each); empty when it can."""
    problems = []
    if not NUMBER_PATTERN.match(data.number):
        problems.append(
            f"Numéro de l'acte « {data.number} » : 15 caractères au plus, chiffres, lettres "
            "majuscules ou « _ »."
        )
    if data.decision_date > today:
        problems.append("La date de la décision ne peut pas être dans le futur.")
    subject = data.subject.strip()
    if not subject:
        problems.append("Indiquez l'objet de l'acte.")
    elif len(subject) > SUBJECT_MAX or "\n" in subject or "\r" in subject:
        problems.append(
            f"L'objet de l'acte tient en une ligne de {SUBJECT_MAX} caractères au plus "
            f"({len(subject)} aujourd'hui)."
        )
    if not CLASSIFICATION_PATTERN.match(data.classification):
        problems.append(
            f"Classification « {data.classification} » : des niveaux séparés par des points, "
            "cinq au plus (ex. 7.5)."
        )
    if not re.fullmatch(r"\d{9}", data.siren):
        problems.append(
            "SIREN de la collectivité inconnu : renseignez le SIRET de la partie qui représente "
            "l'organisation."
        )
    if not re.fullmatch(r"\d{3}|2[AB]\d", data.department):
        problems.append(
            "Code du département sur trois caractères (ex. 062) : renseignez-le dans les "
            "paramètres de transmission."
        )
    if data.nature not in NATURES:
        problems.append(f"Nature d'acte inconnue : {data.nature}.")
    if not data.pdf.startswith(b"%PDF"):
        problems.append("Le document de l'acte n'est pas un PDF.")
    for annex in data.annexes:
        if not annex.content.startswith(b"%PDF"):
            problems.append(f"L'annexe « {annex.name} » n'est pas un PDF.")
    return problems


def base_name(data: ActeData) -> str:
    """``<dept>-<SIREN>-<AAAAMMJJ>-<number>-<nature letters>-1-1`` (S²LOW's file names)."""
    letters = NATURES[data.nature][0]
    return f"{data.department}-{data.siren}-{data.decision_date:%Y%m%d}-{data.number}-{letters}-1-1"


def file_names(data: ActeData) -> tuple[str, str, list[str]]:
    """(act XML, act PDF, annexes) as named in the package."""
    base = base_name(data)
    act = f"{CONVENTION_TYPOLOGY}-{base}_1.pdf"
    annexes = [f"{ANNEX_TYPOLOGY}-{base}_{n}.pdf" for n, _ in enumerate(data.annexes, start=2)]
    return f"{base}_0.xml", act, annexes


def envelope_name(data: ActeData, *, today: date, serial: int = 1) -> str:
    return f"EACT--{data.siren}--{today:%Y%m%d}-{serial}.xml"


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _xml(root: ET.Element) -> bytes:
    ET.register_namespace("actes", NAMESPACE)
    ET.register_namespace("insee", INSEE)
    body = ET.tostring(root, encoding="unicode")
    # ISO-8859-1 as the format says; characters outside it become character references.
    return b'<?xml version="1.0" encoding="ISO-8859-1"?>\n' + body.encode(
        "iso-8859-1", "xmlcharrefreplace"
    )


def acte_xml(data: ActeData) -> bytes:
    """The ``Acte`` message of one act."""
    xml_name, act_name, annex_names = file_names(data)
    root = ET.Element(
        _q("Acte"),
        {
            _q("Date"): data.decision_date.isoformat(),
            _q("NumeroInterne"): data.number,
            _q("CodeNatureActe"): str(data.nature),
        },
    )
    for level, code in enumerate(data.classification.split("."), start=1):
        ET.SubElement(root, _q(f"CodeMatiere{level}"), {_q("CodeMatiere"): code})
    ET.SubElement(root, _q("Objet")).text = data.subject.strip()
    ET.SubElement(root, _q("ClassificationDateVersion")).text = (
        data.classification_date or data.decision_date
    ).isoformat()
    document = ET.SubElement(root, _q("Document"))
    ET.SubElement(document, _q("NomFichier")).text = act_name
    annexes = ET.SubElement(root, _q("Annexes"), {_q("Nombre"): str(len(annex_names))})
    for name in annex_names:
        annex = ET.SubElement(annexes, _q("Annexe"))
        ET.SubElement(annex, _q("NomFichier")).text = name
    ET.SubElement(root, _q("DocumentPapier")).text = "N"
    return _xml(root)


def envelope_xml(data: ActeData) -> bytes:
    """The ``EnveloppeCLMISILL`` that sends the act's message."""
    xml_name, _, _ = file_names(data)
    root = ET.Element(_q("EnveloppeCLMISILL"))
    sender = ET.SubElement(root, _q("Emetteur"))
    idcl = {f"{{{INSEE}}}SIREN": data.siren, _q("Departement"): data.department}
    if data.authority_nature:
        idcl[_q("Nature")] = data.authority_nature
    ET.SubElement(sender, _q("IDCL"), idcl)
    if data.referent_name or data.referent_email:
        referent = ET.SubElement(sender, _q("Referent"))
        if data.referent_name:
            ET.SubElement(referent, _q("Nom")).text = data.referent_name
        if data.referent_email:
            ET.SubElement(referent, _q("Email")).text = data.referent_email
    emails = [e for e in dict.fromkeys(data.return_emails) if e]
    if emails:
        returns = ET.SubElement(root, _q("AdressesRetour"))
        for email in emails:
            ET.SubElement(returns, _q("Email")).text = email
    sent = ET.SubElement(root, _q("FormulairesEnvoyes"))
    form = ET.SubElement(sent, _q("Formulaire"))
    ET.SubElement(form, _q("NomFichier")).text = xml_name
    return _xml(root)


@functools.cache
def _schema() -> Any:
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


def validate(xml: bytes) -> list[str]:
    """The XSD's complaints about one of our XML files (empty when it validates)."""
    from lxml import etree

    schema = _schema()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    document = etree.fromstring(xml, parser)
    if schema.validate(document):
        return []
    return [f"ligne {error.line} : {error.message}" for error in schema.error_log]


def package(data: ActeData, *, today: date, serial: int = 1) -> tuple[str, bytes]:
    """(file name, bytes) of the ``.tar.gz`` holding the envelope, the act XML, the act's PDF
    and its annexes. Refused (``ActeError``) when the act or its XML is not transmissible."""
    problems = check(data, today=today)
    envelope, message = envelope_xml(data), acte_xml(data)
    problems += validate(envelope) + validate(message)
    if problems:
        raise ActeError("\n".join(problems))
    xml_name, act_name, annex_names = file_names(data)
    envelope_file = envelope_name(data, today=today, serial=serial)
    members = [(envelope_file, envelope), (xml_name, message), (act_name, data.pdf)]
    members += [
        (name, annex.content) for name, annex in zip(annex_names, data.annexes, strict=True)
    ]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = 0
            archive.addfile(info, io.BytesIO(content))
    return envelope_file.removesuffix(".xml") + ".tar.gz", buffer.getvalue()
