"""Open data of the subsidies (SCDL Subventions 2.1.1, issue 17): the 16 columns from the
effective plans, one row per convention and beneficiary, every file checked with frictionless
against the schema shipped with the project (plus « SIRET ou RNA »), the rows held back listed
with what to fix, empty years explained, and who may see it."""

import csv
import io
import json
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from conventions.models import Party
from demo.identifiers import public_identifiers
from demo.users import ADMIN_EMAIL, COORDINATEUR_EMAIL, GESTIONNAIRE_EMAIL, INTERVENANT_EMAIL
from financing import opendata
from financing.models import ShareLine
from iscg.models import Organisation, User

PARTNER_EMAIL = "partenaire.pas-de-calais.epci-cc-ternois@demo.iscg.fr"
DIJON_EMAIL = "gestionnaire.dijon@demo.iscg.fr"


def read_csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


# --------------------------------------------------------------------------- the shipped schema


def test_the_shipped_schema_has_the_16_columns_of_2_1_1_in_order():
    schema = json.loads(opendata.SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["version"] == "2.1.1"
    names = [field["name"] for field in schema["fields"]]
    assert names == opendata.COLUMNS and len(names) == 16
    required = {f["name"] for f in schema["fields"] if f["constraints"].get("required")}
    assert required == {
        "nomAttribuant",
        "idAttribuant",
        "dateConvention",
        "nomBeneficiaire",
        "objet",
        "montant",
        "nature",
        "conditionsVersement",
        "datesPeriodeVersement",
        "notificationUE",
        "pourcentageSubvention",
    }
    by_name = {field["name"]: field for field in schema["fields"]}
    assert by_name["idAttribuant"]["constraints"]["pattern"] == r"^\d{14}$"
    assert by_name["rnaBeneficiaire"]["constraints"]["pattern"] == r"^W\d{9}$"
    assert by_name["objet"]["constraints"]["maxLength"] == 256
    assert by_name["idRAE"]["constraints"]["maxLength"] == 5
    assert by_name["pourcentageSubvention"]["constraints"] == {
        "required": True,
        "minimum": 0.01,
        "maximum": 1,
    }
    assert by_name["notificationUE"]["trueValues"] == ["oui"]


# --------------------------------------------------------------------------- pure rules


def test_percentage_is_the_beneficiary_part_as_the_schema_writes_it():
    assert str(opendata.percentage(Decimal(14333), Decimal(14333))) == "1.00"
    assert str(opendata.percentage(Decimal(1), Decimal(2))) == "0.50"
    assert str(opendata.percentage(Decimal(1), Decimal(3))) == "0.3333"
    assert str(opendata.percentage(Decimal(9639), Decimal(11853))) == "0.8132"
    with pytest.raises(ValueError):
        opendata.percentage(Decimal(1), Decimal(0))


def test_payment_period_is_the_convention_within_the_year():
    assert opendata.payment_period(2023, None, None) == "2023-01-01/2023-12-31"
    assert (
        opendata.payment_period(2023, date(2023, 9, 1), date(2025, 8, 31))
        == "2023-09-01/2023-12-31"
    )
    assert opendata.payment_period(2024, date(2022, 1, 1), date(2024, 6, 30)) == (
        "2024-01-01/2024-06-30"
    )


class FakeParty(SimpleNamespace):
    def __str__(self):
        return self.short


def party(pk, name, *, siret="", rna="", kind="epci", short=""):
    labels = {"epci": "EPCI", "association": "Association", "departement": "Département"}
    return FakeParty(
        pk=pk,
        name=name,
        siret=siret,
        rna=rna,
        kind=kind,
        short=short or name,
        get_kind_display=lambda: labels[kind],
    )


DEPARTEMENT = party(
    1,
    "Département du Pas-de-Calais",
    siret="22620001200012",
    kind="departement",
    short="Département",
)
TERNOIS = party(
    2, "Communauté de Communes du Ternois", siret="20006967200018", short="CC du Ternois"
)
ARRAS = party(3, "Communauté Urbaine d'Arras", short="CU d'Arras")
ASSOCIATION = party(4, "France Victimes 62", rna="W622001234", kind="association")


def convention(pk, reference, *, signed=None, start=date(2023, 1, 1), end=date(2023, 12, 31)):
    return SimpleNamespace(
        pk=pk,
        reference=reference,
        signature_date=signed,
        effective_start_date=start,
        computed_end_date=end,
    )


def row(conv, post, employer, *cells):
    return SimpleNamespace(
        convention=conv,
        post=SimpleNamespace(name=post),
        employer=employer,
        cells=[
            SimpleNamespace(party=p, amount=Decimal(a), is_employer=p is employer) for p, a in cells
        ],
    )


def table(*rows, own=DEPARTEMENT, year=2023):
    return SimpleNamespace(year=year, rows=list(rows), organisation=SimpleNamespace(party=own))


def test_one_row_per_convention_and_beneficiary_with_its_part():
    a08 = convention(1, "PDC2023-A08", signed=date(2023, 9, 12))
    shared = convention(2, "PDC2023-X01")
    rows, blocked = opendata.build_rows(
        table(
            row(a08, "Poste ISG Ternois", TERNOIS, (DEPARTEMENT, 14333), (TERNOIS, 14334)),
            # Two posts of one convention with two employers: one row each, parts of the whole.
            row(shared, "Poste A", TERNOIS, (DEPARTEMENT, 6000)),
            row(shared, "Poste B", TERNOIS, (DEPARTEMENT, 3000)),
            row(shared, "Poste C", ASSOCIATION, (DEPARTEMENT, 3000), (ASSOCIATION, 1)),
        ),
        {1: "2023-332"},
    )
    assert blocked == []
    assert [list(r) for r in rows] == [opendata.COLUMNS] * 3
    first = rows[0]
    assert first["nomAttribuant"] == "Département du Pas-de-Calais"
    assert first["idAttribuant"] == "22620001200012"
    assert first["dateConvention"] == "2023-09-12"
    assert first["referenceDecision"] == "2023-332"
    assert first["idBeneficiaire"] == "20006967200018"
    assert first["montant"] == "14333.00"
    assert first["pourcentageSubvention"] == "1.00"
    assert first["notificationUE"] == "non"
    assert first["nature"] == "aide en numéraire"
    assert first["datesPeriodeVersement"] == "2023-01-01/2023-12-31"
    assert "Poste ISG Ternois" in first["objet"] and len(first["objet"]) <= 256
    ternois, association = rows[1], rows[2]
    assert ternois["montant"] == association["montant"] == "12000.00"  # before splitting
    assert ternois["pourcentageSubvention"] == "0.75"  # 6 000 + 3 000 of 12 000
    assert "Poste A, Poste B" in ternois["objet"]
    assert association["pourcentageSubvention"] == "0.25"
    assert association["idBeneficiaire"] == "" and association["rnaBeneficiaire"] == "W622001234"
    assert ternois["dateConvention"] == "2023-01-01"  # no signature date: the start date
    # Every row validates against the shipped schema.
    assert opendata.validate_csv(opendata.write_csv(rows).encode()) == []


def test_a_beneficiary_without_siret_is_held_back_and_says_what_to_fix():
    a10 = convention(3, "PDC2023-A10")
    rows, blocked = opendata.build_rows(
        table(
            row(a10, "Poste ISCG Arrageois", ARRAS, (DEPARTEMENT, 12000), (ARRAS, 12000)),
            row(convention(1, "PDC2023-A08"), "Poste ISG Ternois", TERNOIS, (DEPARTEMENT, 14333)),
        )
    )
    assert [r["nomBeneficiaire"] for r in rows] == ["Communauté de Communes du Ternois"]
    assert len(blocked) == 1
    [fix] = blocked[0].fixes
    assert fix.text == "CU d'Arras : SIRET manquant — le renseigner"
    assert fix.url == reverse("conventions:party_edit", args=[3])
    assert blocked[0].text.startswith("PDC2023-A10 (Poste ISCG Arrageois, 12\u00a0000\u00a0€) : ")


def test_an_association_needs_a_siret_or_an_rna_and_each_must_be_valid():
    nothing = party(5, "Association sans numéro", kind="association")
    bad_siret = party(6, "Association au SIRET faux", siret="22620001200013", kind="association")
    bad_rna = party(7, "Association au RNA faux", rna="W12", kind="association")
    for beneficiary, problem, action in [
        (nothing, "SIRET ou numéro RNA manquant", "le renseigner"),
        (bad_siret, "SIRET invalide (la clé de contrôle ne correspond pas)", "le corriger"),
        (bad_rna, "numéro RNA invalide (W suivi de 9 chiffres)", "le corriger"),
    ]:
        rows, blocked = opendata.build_rows(
            table(row(convention(1, "C1"), "Poste", beneficiary, (DEPARTEMENT, 100)))
        )
        assert rows == []
        assert [(f.problem, f.action) for f in blocked[0].fixes] == [(problem, action)]


def test_the_attributor_without_siret_holds_every_row_back():
    no_siret = party(1, "Département du Pas-de-Calais", kind="departement", short="Département")
    rows, blocked = opendata.build_rows(
        table(row(convention(1, "PDC2023-A08"), "Poste", TERNOIS, (no_siret, 14333)), own=no_siret)
    )
    assert rows == []
    # Its full name, not only its kind (« Département »).
    assert (
        blocked[0].fixes[0].text == "Département du Pas-de-Calais : SIRET manquant — le renseigner"
    )


def test_the_employer_own_share_and_a_zero_share_are_not_subsidies():
    rows, blocked = opendata.build_rows(
        table(
            row(convention(1, "A03"), "Poste ISC Artois", DEPARTEMENT, (DEPARTEMENT, 17510)),
            row(convention(2, "A06"), "Poste", TERNOIS, (DEPARTEMENT, 0)),
        )
    )
    assert rows == [] and blocked == []


def test_validation_names_each_problem_in_french():
    good = {
        "nomAttribuant": "Département du Pas-de-Calais",
        "idAttribuant": "22620001200012",
        "dateConvention": "2023-07-03",
        "referenceDecision": "",
        "nomBeneficiaire": "CC du Ternois",
        "idBeneficiaire": "20006967200018",
        "rnaBeneficiaire": "",
        "objet": "Financement",
        "montant": "14333.00",
        "nature": "aide en numéraire",
        "conditionsVersement": "unique",
        "datesPeriodeVersement": "2023-01-01/2023-12-31",
        "idRAE": "",
        "notificationUE": "non",
        "pourcentageSubvention": "1.00",
        "dispositifAide": "",
    }
    assert opendata.validate_csv(opendata.write_csv([good]).encode()) == []
    assert opendata.validate_csv(opendata.write_csv([]).encode()) == []  # the header alone
    bad = good | {
        "idAttribuant": "2262000120001",
        "idBeneficiaire": "",
        "montant": "14 333,00",
        "pourcentageSubvention": "1.5",
        "notificationUE": "peut-être",
        "dateConvention": "2023-02-30",
    }
    errors = opendata.validate_csv(opendata.write_csv([bad]).encode())
    assert (
        "Ligne 2, colonne idAttribuant : valeur refusée par le modèle (format) : « 2262000120001 »"
        in errors
    )
    assert "Ligne 2, colonne montant : valeur du mauvais type : « 14 333,00 »" in errors
    assert (
        "Ligne 2, colonne pourcentageSubvention : valeur refusée par le modèle (maximum) : « 1.5 »"
        in errors
    )
    assert "Ligne 2, colonne dateConvention : valeur du mauvais type : « 2023-02-30 »" in errors
    assert "Ligne 2, colonne notificationUE : valeur du mauvais type : « peut-être »" in errors
    assert "Ligne 2 : ni SIRET ni numéro RNA du bénéficiaire" in errors
    # The 14 columns of 2.0 are not the 16 of 2.1.1.
    old = opendata.write_csv([good]).replace(",rnaBeneficiaire", "").encode()
    assert any("colonne" in error for error in opendata.validate_csv(old))


def test_an_empty_year_says_why():
    reasons = opendata.explain_empty(
        year=2022,
        organisation="Département du Pas-de-Calais",
        own_party="Département du Pas-de-Calais",
        signed=["PDC2023-A03", "PDC2023-A04"],
        forecast=[],
        years_with_rows=[2023],
    )
    assert reasons[0].startswith(
        "En 2022, 2\u00a0conventions signées en vigueur (PDC2023-A03, PDC2023-A04) ne prévoient "
        "aucune participation de la partie « Département du Pas-de-Calais » à un autre employeur"
    )
    assert reasons[-1] == "Années qui ont des lignes : 2023."
    none = opendata.explain_empty(
        year=2024,
        organisation="Département du Pas-de-Calais",
        own_party="Département du Pas-de-Calais",
        signed=[],
        forecast=["PDC2024-A10"],
        years_with_rows=[2023],
    )
    assert none[0] == "Aucune convention signée n'est en vigueur en 2024."
    assert none[1] == "1\u00a0acte en brouillon ou à signer (PDC2024-A10) : publié une fois signé."
    orphan = opendata.explain_empty(
        year=2023,
        organisation="Département du Finistère",
        own_party=None,
        signed=[],
        forecast=[],
        years_with_rows=[],
    )
    assert orphan[0].startswith("L'organisation « Département du Finistère » n'est rattachée")


# --------------------------------------------------------------------------- on the demo

demo = pytest.mark.usefixtures("demo_data")


def login(client, email):
    client.force_login(User.objects.get(email=email))
    return client


def demo_years() -> list[tuple[str, int]]:
    found = []
    for organisation in Organisation.objects.filter(
        slug__in=("pas-de-calais", "finistere", "dijon", "aubervilliers")
    ):
        years = set(
            ShareLine.objects.filter(organisation=organisation).values_list("year", flat=True)
        )
        found += [(organisation.slug, year) for year in sorted(years | {2023})]
    return found


@pytest.mark.django_db
@demo
def test_every_demo_export_validates_against_the_shipped_schema(client):
    """Each organisation of the demo, each year with figures and 2023: the file offered for
    download passes frictionless with the shipped 2.1.1 schema and the SIRET-or-RNA rule."""
    login(client, ADMIN_EMAIL)
    exports = demo_years()
    assert ("pas-de-calais", 2023) in exports and len(exports) >= 8
    published = {}
    for slug, year in exports:
        url = reverse("financing:opendata_csv", args=[year]) + f"?organisation={slug}"
        response = client.get(url)
        assert response.status_code == 200, (slug, year)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert opendata.validate_csv(response.content) == [], (slug, year)
        rows = read_csv(response.content)
        assert response.content.decode().splitlines()[0] == ",".join(opendata.COLUMNS)
        published[(slug, year)] = rows
    # The 2023 file has rows: the Département's participation to the CC du Ternois.
    [ternois] = published[("pas-de-calais", 2023)]
    assert ternois["nomAttribuant"] == "Département du Pas-de-Calais"
    assert ternois["idAttribuant"] == "22620001200012"
    assert ternois["nomBeneficiaire"] == "Communauté de Communes du Ternois"
    assert ternois["idBeneficiaire"] == "20006967200018"
    assert ternois["montant"] == "14333.00"
    assert ternois["pourcentageSubvention"] == "1.00"
    assert ternois["referenceDecision"] == "2023-332"
    assert ternois["dateConvention"] == "2023-01-01"


@pytest.mark.django_db
@demo
def test_demo_identifiers_are_valid_and_cite_a_source():
    from stdnum.fr import siret

    for row in public_identifiers():
        assert siret.is_valid(row["siret"]), row
        assert len(row["source"]) > 40
        stored = Party.objects.get(organisation__slug=row["organisation"], slug=row["party"])
        assert stored.siret == row["siret"]


@pytest.mark.django_db
@demo
def test_the_page_lists_each_row_held_back_with_a_link_to_fix_it(client):
    login(client, GESTIONNAIRE_EMAIL)
    response = client.get(reverse("financing:opendata", args=[2023]))
    assert response.status_code == 200
    export = response.context["export"]
    assert [line.beneficiary.slug for line in export.lines] == ["epci_cc_ternois"]
    assert len(export.blocked) == 8  # 9 participations in signed acts, 1 published
    html = response.content.decode()
    arras = Party.objects.get(organisation__slug="pas-de-calais", slug="epci_cu_arras")
    edit = reverse("conventions:party_edit", args=[arras.pk])
    assert f'CU d&#x27;Arras : SIRET manquant — <a href="{edit}">le renseigner</a>' in html
    assert "France Victimes 62 : SIRET ou numéro RNA manquant" in html
    assert "PDC2023-A17" in html  # each convention held back is named
    assert "Vérifié : le fichier est conforme au modèle « Subventions » 2.1.1." in html
    assert "1\u00a0ligne publiée" in html and "8\u00a0lignes non publiées" in html
    # What is held back is not in the file.
    rows = read_csv(client.get(reverse("financing:opendata_csv", args=[2023])).content)
    assert [r["nomBeneficiaire"] for r in rows] == ["Communauté de Communes du Ternois"]
    # The coordinator reads the same list, without links to pages it may not change.
    html = login(client, COORDINATEUR_EMAIL).get(reverse("financing:opendata", args=[2023]))
    text = html.content.decode()
    assert "CU d&#x27;Arras : SIRET manquant — le renseigner (par un gestionnaire)" in text
    assert "/modifier/" not in text


@pytest.mark.django_db
@demo
def test_a_party_without_siret_nor_rna_is_listed_and_excluded(client):
    ternois = Party.objects.get(organisation__slug="pas-de-calais", slug="epci_cc_ternois")
    ternois.siret = ""
    ternois.save()
    login(client, GESTIONNAIRE_EMAIL)
    page = client.get(reverse("financing:opendata", args=[2023]))
    assert page.context["export"].lines == []
    assert any(
        fix.text == "CC du Ternois : SIRET manquant — le renseigner"
        for fix in page.context["export"].fixes
    )
    response = client.get(reverse("financing:opendata_csv", args=[2023]))
    assert response.status_code == 200
    assert read_csv(response.content) == []
    assert opendata.validate_csv(response.content) == []
    # Once an RNA is given to an association, it is published without a SIRET.
    victims = Party.objects.get(organisation__slug="pas-de-calais", slug="assoc_france_victimes_62")
    victims.rna = "W622000001"
    victims.full_clean()
    victims.save()
    rows = read_csv(client.get(reverse("financing:opendata_csv", args=[2023])).content)
    assert [(r["nomBeneficiaire"], r["rnaBeneficiaire"], r["idBeneficiaire"]) for r in rows] == [
        ("France Victimes 62 – Pas-de-Calais", "W622000001", "")
    ] * 4
    assert (
        opendata.validate_csv(client.get(reverse("financing:opendata_csv", args=[2023])).content)
        == []
    )


@pytest.mark.django_db
@demo
def test_empty_years_are_explained(client):
    login(client, GESTIONNAIRE_EMAIL)
    text = client.get(reverse("financing:opendata", args=[2022])).content.decode()
    assert "Le fichier de 2022 ne contient aucune ligne" in text
    assert "PDC2023-A03, PDC2023-A04" in text
    assert "Années qui ont des lignes : 2023." in text
    text = client.get(reverse("financing:opendata", args=[2024])).content.decode()
    assert "Aucune convention signée n&#x27;est en vigueur en 2024." in text
    assert "PDC2024-A10" in text
    login(client, DIJON_EMAIL)
    text = client.get(reverse("financing:opendata", args=[2023])).content.decode()
    assert "DIJON2022" in text and "à un autre employeur" in text


@pytest.mark.django_db
@demo
def test_a_file_that_fails_the_check_is_not_offered(client, monkeypatch):
    monkeypatch.setattr(
        opendata,
        "validate_csv",
        lambda content: ["Ligne 2, colonne montant : valeur du mauvais type"],
    )
    login(client, GESTIONNAIRE_EMAIL)
    response = client.get(reverse("financing:opendata_csv", args=[2023]))
    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "Fichier refusé par la vérification" in text
    assert "Ligne 2, colonne montant : valeur du mauvais type" in text
    assert "Télécharger pour data.gouv.fr" not in text


@pytest.mark.django_db
@demo
def test_the_former_check_address_leads_to_the_page(client):
    login(client, ADMIN_EMAIL)
    response = client.get(
        reverse("financing:opendata_csv", args=[2023]) + "?organisation=pas-de-calais&verifier=1"
    )
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("financing:opendata", args=[2023]) + "?organisation=pas-de-calais"
    )


@pytest.mark.django_db
@demo
@pytest.mark.parametrize("name", ["financing:opendata", "financing:opendata_csv"])
def test_only_the_organisation_staff_see_it(client, name):
    url = reverse(name, args=[2023])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for email in (PARTNER_EMAIL, INTERVENANT_EMAIL):
        assert login(client, email).get(url).status_code == 403, email
    assert login(client, COORDINATEUR_EMAIL).get(url).status_code == 200
    # Another organisation's gestionnaire reads its own organisation's file, whatever it asks.
    response = login(client, DIJON_EMAIL).get(url + "?organisation=pas-de-calais")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Pas-de-Calais" not in body and "Ternois" not in body
    # Whoever sees every organisation chooses one, and an unknown one is not found.
    admin = login(client, ADMIN_EMAIL)
    assert admin.get(url + "?organisation=pas-de-calais").status_code == 200
    assert admin.get(url + "?organisation=inconnue").status_code == 404


@pytest.mark.django_db
@demo
def test_the_command_writes_the_checked_file_and_checks_any_file(tmp_path):
    from django.core.management import CommandError, call_command

    out, err = io.StringIO(), io.StringIO()
    call_command(
        "financing", "opendata", "2023", "--organisation", "pas-de-calais", stdout=out, stderr=err
    )
    assert [r["nomBeneficiaire"] for r in csv.DictReader(io.StringIO(out.getvalue()))] == [
        "Communauté de Communes du Ternois"
    ]
    assert "Non publiée : PDC2023-A10" in err.getvalue()
    good = tmp_path / "subventions-2023.csv"
    good.write_text(out.getvalue(), encoding="utf-8")
    checked = io.StringIO()
    call_command("financing", "check-opendata", str(good), stdout=checked)
    assert "est conforme au modèle « Subventions » 2.1.1" in checked.getvalue()
    bad = tmp_path / "ancien.csv"
    bad.write_text(out.getvalue().replace(",rnaBeneficiaire", ""), encoding="utf-8")
    with pytest.raises(CommandError, match="n'est pas conforme"):
        call_command("financing", "check-opendata", str(bad))
    with pytest.raises(CommandError, match="impossible"):
        call_command("financing", "check-opendata", str(tmp_path / "absent.csv"))
