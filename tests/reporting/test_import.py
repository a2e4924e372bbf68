"""Spreadsheet import: all or nothing, faulty rows named, French CSV (BOM, ;, decimal comma,
Windows-1252) and XLSX."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from reporting.imports import import_file
from reporting.models import Bilan, BilanStatus
from tests.factories import BilanFactory, OrganisationFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "poste;annee;saisines_femmes;saisines_hommes;saisines_enfants;saisines_total;pct_vif;commentaire;probleme_violences_conjugales"


@pytest.fixture
def org():
    return OrganisationFactory(slug="dept-import")


@pytest.fixture
def user(org):
    return UserFactory(gestionnaire=True, organisation=org)


@pytest.fixture
def posts(org):
    return [PostFactory(organisation=org, slug=slug) for slug in ("isc_a", "isg_b", "iscg_c")]


def csv_bytes(lines, encoding="utf-8", bom=True):
    text = "\r\n".join(lines) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def test_one_bad_row_writes_nothing_and_is_named(org, user, posts):
    content = csv_bytes(
        [
            HEADER,
            "isc_a;2022;427;68;103;598;61,5;Hausse des VIF;300",
            "isg_b;2022;127;91;27;250;38,5 %;;",
            "iscg_c;2022;10;10;10;30;;;",
        ]
    )
    report = import_file(content, "bilans.csv", user=user, organisation=org)
    assert not report.ok
    assert Bilan.objects.count() == 0
    assert [(e.line, e.column) for e in report.errors] == [(3, "saisines_total")]
    assert report.errors[0].message.replace("\u00a0", " ") == (
        "Femmes 127 + hommes 91 + enfants 27 = 245, différent du total 250."
    )


def test_every_faulty_row_is_listed(org, user, posts):
    content = csv_bytes(
        [
            HEADER,
            "inconnu;2022;;;;10;;;",
            "isg_b;2022;;;;10;150;;",
            "iscg_c;deux mille;;;;10;;Mme Durand reçue;",
        ]
    )
    report = import_file(content, "bilans.csv", user=user, organisation=org)
    found = {(e.line, e.column) for e in report.errors}
    assert (2, "poste") in found
    assert (3, "pct_vif") in found
    assert (4, "annee") in found
    assert (4, "commentaire") in found
    assert Bilan.objects.count() == 0


def test_valid_csv_windows_1252_semicolon_decimal_comma(org, user, posts):
    content = csv_bytes(
        [
            HEADER,
            "isc_a;2022;427;68;103;598;61,5;Année marquée par l'été;300",
            "isg_b;2022;127;91;27;245;38,50;;",
        ],
        encoding="cp1252",
        bom=False,
    )
    report = import_file(content, "bilans.csv", user=user, organisation=org)
    assert report.ok, report.errors
    assert report.created == 2
    bilan = Bilan.objects.get(post__slug="isc_a")
    assert str(bilan.vif_pct) == "61.50"
    assert bilan.comment == "Année marquée par l'été"
    assert bilan.problems == {"violences_conjugales": 300}
    assert bilan.status == BilanStatus.DRAFT
    assert bilan.history.first().history_user == user


def test_comma_separated_utf8_without_bom(org, user, posts):
    content = csv_bytes(["poste,annee,saisines_total", "isc_a,2022,1 000"], bom=False)
    report = import_file(content, "bilans.csv", user=user, organisation=org)
    assert report.ok, report.errors
    assert Bilan.objects.get().referrals_total == 1000


def xlsx_bytes(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_import_and_update_of_a_draft(org, user, posts):
    BilanFactory(post=posts[0], year=2022)
    content = xlsx_bytes(
        [
            ["poste", "annee", "saisines_total", "saisines_non_ventilees", "pct_vif"],
            ["isc_a", 2022, 120, "oui", 61.5],
            ["isg_b", 2022, 80, "non", None],
        ]
    )
    report = import_file(content, "bilans.xlsx", user=user, organisation=org)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (1, 1)
    assert Bilan.objects.get(post=posts[0]).referrals_total == 120


def test_submitted_bilans_and_duplicates_are_refused(org, user, posts):
    BilanFactory(post=posts[0], year=2022, submitted=True)
    content = xlsx_bytes(
        [
            ["poste", "annee", "saisines_total"],
            ["isc_a", 2022, 120],
            ["isg_b", 2022, 80],
            ["isg_b", 2022, 81],
        ]
    )
    report = import_file(content, "bilans.xlsx", user=user, organisation=org)
    messages = {(e.line, e.column): e.message for e in report.errors}
    assert "transmis : il ne se modifie plus" in messages[(2, "—")]
    assert messages[(4, "poste")] == "Le poste « isg_b » a déjà une ligne pour 2022 (ligne 3)."
    assert Bilan.objects.count() == 1


def test_posts_of_another_organisation_are_unknown(org, user):
    PostFactory(slug="isc_autre")
    content = csv_bytes(["poste;annee;saisines_total", "isc_autre;2022;3"])
    report = import_file(content, "bilans.csv", user=user, organisation=org)
    assert [(e.line, e.column) for e in report.errors] == [(2, "poste")]


def test_file_level_errors(org, user):
    report = import_file(
        csv_bytes(["annee;couleur", "2022;bleu"]), "b.csv", user=user, organisation=org
    )
    assert {e.message for e in report.errors} == {
        "Colonne « poste » absente.",
        "Colonne « couleur » inconnue.",
    }
    report = import_file(b"PK not really", "b.xlsx", user=user, organisation=org)
    assert report.errors[0].message == "Le fichier n'est pas un classeur XLSX lisible."
    report = import_file(b"x", "b.ods", user=user, organisation=org)
    assert not report.ok


def test_import_page_lists_the_errors(client, org, user, posts):
    client.force_login(user)
    upload = SimpleUploadedFile(
        "bilans.csv",
        csv_bytes([HEADER, "isc_a;2022;1;1;1;3;;;", "isg_b;2022;1;1;1;4;;;"]),
        content_type="text/csv",
    )
    response = client.post("/bilans/import/", {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Aucun bilan n'a été enregistré" in html
    assert "<td>3</td><td>saisines_total</td>" in html
    assert Bilan.objects.count() == 0
    upload = SimpleUploadedFile("bilans.csv", csv_bytes([HEADER, "isc_a;2022;1;1;1;3;;;"]))
    response = client.post("/bilans/import/", {"file": upload})
    assert response.status_code == 302
    assert Bilan.objects.count() == 1


def test_template_is_importable_once_filled(client, org, user):
    PostFactory(organisation=org, slug="isg_ternois")
    client.force_login(user)
    content = client.get("/bilans/import/modele.csv").content
    assert content.startswith(b"\xef\xbb\xbf")
    report = import_file(content, "modele.csv", user=user, organisation=org)
    assert report.ok, report.errors
    assert Bilan.objects.get().vif_pct == 38.5
