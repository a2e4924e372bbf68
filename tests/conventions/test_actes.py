"""The @ctes package of an act, without the database: numbering, names, XML against the shipped
XSD, refusals in French."""

import io
import tarfile
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conventions import actes

PDF = b"%PDF-1.7\n% act\n"
DATA = actes.ActeData(
    number="PDC2023_A08",
    decision_date=date(2023, 7, 3),
    subject="Convention PDC2023-A08 : financement du poste d'intervenant social — Béthune",
    classification="7.5",
    siren="226200012",
    department="062",
    pdf=PDF,
    annexes=(actes.Annex("deliberation.pdf", b"%PDF-1.4 annex"),),
    referent_name="Camille Durand",
    referent_email="c.durand@pasdecalais.fr",
    return_emails=("c.durand@pasdecalais.fr", "c.durand@pasdecalais.fr"),
)
TODAY = date(2023, 8, 1)


@pytest.mark.parametrize(
    ("reference", "number"),
    [
        ("PDC2023-A08", "PDC2023_A08"),
        ("pdc 2023/é08", "PDC_2023_E08"),
        ("CONVENTION-ISCG-2023-0001-AV2", "G_2023_0001_AV2"),
        ("---", "ACTE"),
    ],
)
def test_act_number_from_a_reference(reference, number):
    assert actes.acte_number(reference) == number


@given(st.text(max_size=60))
def test_every_reference_gives_a_number_the_format_takes(reference):
    assert actes.NUMBER_PATTERN.match(actes.acte_number(reference))


def test_file_names_as_s2low_expects():
    xml_name, act, annexes = actes.file_names(DATA)
    assert xml_name == "062-226200012-20230703-PDC2023_A08-DC-1-1_0.xml"
    assert act == "99_DC-062-226200012-20230703-PDC2023_A08-DC-1-1_1.pdf"
    assert annexes == ["99_CO-062-226200012-20230703-PDC2023_A08-DC-1-1_2.pdf"]
    assert actes.envelope_name(DATA, today=TODAY) == "EACT--226200012--20230801-1.xml"


def test_both_messages_validate_against_the_shipped_xsd():
    assert actes.validate(actes.acte_xml(DATA)) == []
    assert actes.validate(actes.envelope_xml(DATA)) == []


def test_act_message_carries_the_act():
    xml = actes.acte_xml(DATA).decode("iso-8859-1")
    assert xml.startswith('<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert 'actes:CodeNatureActe="4"' in xml
    assert 'actes:NumeroInterne="PDC2023_A08"' in xml
    assert 'actes:Date="2023-07-03"' in xml
    assert '<actes:CodeMatiere1 actes:CodeMatiere="7" />' in xml
    assert '<actes:CodeMatiere2 actes:CodeMatiere="5" />' in xml
    # Outside ISO-8859-1 (the dash) as a character reference, accents as they are.
    assert "intervenant social &#8212; Béthune" in xml
    assert 'actes:Nombre="1"' in xml
    assert "<actes:DocumentPapier>N</actes:DocumentPapier>" in xml


def test_envelope_names_the_sender_and_the_message_once_per_address():
    xml = actes.envelope_xml(DATA).decode("iso-8859-1")
    assert 'insee:SIREN="226200012"' in xml
    assert 'actes:Departement="062"' in xml
    assert xml.count("<actes:Email>c.durand@pasdecalais.fr</actes:Email>") == 2  # referent, return
    assert "062-226200012-20230703-PDC2023_A08-DC-1-1_0.xml" in xml


def test_the_xsd_refuses_what_the_format_refuses():
    bad_number = actes.acte_xml(replace(DATA, number="pdc-2023"))
    assert actes.validate(bad_number)
    bad_department = actes.envelope_xml(replace(DATA, department="62"))
    assert actes.validate(bad_department)
    six_levels = actes.acte_xml(replace(DATA, classification="7.5.1.1.1.1"))
    assert actes.validate(six_levels)


def test_package_holds_envelope_message_act_and_annexes():
    name, blob = actes.package(DATA, today=TODAY)
    assert name == "EACT--226200012--20230801-1.tar.gz"
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as archive:
        names = archive.getnames()
        act = archive.extractfile("99_DC-062-226200012-20230703-PDC2023_A08-DC-1-1_1.pdf")
        assert act is not None and act.read() == PDF
    assert names == [
        "EACT--226200012--20230801-1.xml",
        "062-226200012-20230703-PDC2023_A08-DC-1-1_0.xml",
        "99_DC-062-226200012-20230703-PDC2023_A08-DC-1-1_1.pdf",
        "99_CO-062-226200012-20230703-PDC2023_A08-DC-1-1_2.pdf",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"decision_date": date(2023, 9, 1)}, "ne peut pas être dans le futur"),
        ({"number": "TROP_LONG_NUMERO_1"}, "15 caractères au plus"),
        ({"subject": "  "}, "Indiquez l'objet"),
        ({"subject": "deux\nlignes"}, "tient en une ligne"),
        ({"classification": "7,5"}, "Classification « 7,5 »"),
        ({"siren": ""}, "SIREN de la collectivité inconnu"),
        ({"department": ""}, "Code du département"),
        ({"pdf": b"<html>"}, "n'est pas un PDF"),
    ],
)
def test_refusals_say_what_to_fix(change, message):
    problems = actes.check(replace(DATA, **change), today=TODAY)
    assert any(message in problem for problem in problems), problems
    with pytest.raises(actes.ActeError, match=message):
        actes.package(replace(DATA, **change), today=TODAY)


def test_a_transmissible_act_has_no_problem():
    assert actes.check(DATA, today=TODAY) == []
