"""Spreadsheet import: all or nothing, faulty rows named, French CSV (BOM, ;, decimal comma,
Windows-1252) and XLSX."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from reporting import services
from reporting.models import Bilan, BilanStatus
from tests.factories import BilanFactory, OrganisationFactory, PostFactory, UserFactory
from tests.queue import import_through_page

pytestmark = pytest.mark.django_db

HEADER = "poste;annee;saisines_femmes;saisines_hommes;saisines_enfants;saisines_total;pct_vif;commentaire;probleme_violences_conjugales"


def import_file(content: bytes, filename: str, *, user, organisation):
    """The import as the page calls it: through the service."""
    return services.bilans_import(
        user=user, organisation=organisation, content=content, filename=filename
    )


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
    response = import_through_page(client, "/bilans/import/", {"file": upload})
    html = response.content.decode()
    assert "Rien n'a été enregistré : 1\u00a0erreur." in html
    assert "Ligne 3, colonne « saisines_total » : " in html
    assert Bilan.objects.count() == 0
    upload = SimpleUploadedFile("bilans.csv", csv_bytes([HEADER, "isc_a;2022;1;1;1;3;;;"]))
    response = import_through_page(client, "/bilans/import/", {"file": upload})
    assert "Import terminé : 1\u00a0bilan créé, 0\u00a0mis à jour (brouillons)." in (
        response.content.decode()
    )
    assert Bilan.objects.count() == 1


def test_template_is_importable_once_filled(client, org, user):
    PostFactory(organisation=org, slug="isg_ternois")
    client.force_login(user)
    content = client.get("/bilans/import/modele.csv").content
    assert content.startswith(b"\xef\xbb\xbf")
    report = import_file(content, "modele.csv", user=user, organisation=org)
    assert report.ok, report.errors
    assert Bilan.objects.get().vif_pct == 38.5


# --------------------------------------------------------------------------- one pass, in bulk


def many_rows(posts, years, *, total=17):
    return [f"{post.slug};{year};10;5;2;{total}" for post in posts for year in years]


@pytest.fixture
def many_posts(org):
    return [PostFactory(organisation=org, slug=f"poste-{i}") for i in range(30)]


def test_duplicated_post_and_year_at_the_end_writes_nothing(org, user, many_posts):
    draft = BilanFactory(post=many_posts[0], year=2017)
    history_before = Bilan.history.count()
    lines = many_rows(many_posts, range(2017, 2027))  # 300 valid rows, one of them an update
    lines.append("poste-7;2019;1;1;1;3")  # the same post and year as line 2 + 7 × 10 + 2 = 74
    header = "poste;annee;saisines_femmes;saisines_hommes;saisines_enfants;saisines_total"
    report = import_file(csv_bytes([header, *lines]), "b.csv", user=user, organisation=org)
    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (302, "poste", "Le poste « poste-7 » a déjà une ligne pour 2019 (ligne 74).")
    ]
    assert (report.created, report.updated) == (0, 0)
    assert Bilan.objects.count() == 1
    assert Bilan.history.count() == history_before
    draft.refresh_from_db()
    assert draft.referrals_total == 100


def test_one_bad_row_among_many_writes_nothing(org, user, many_posts):
    lines = many_rows(many_posts, range(2017, 2027))
    lines[149] = "poste-14;2026;10;5;2;18"  # line 151: the parts add up to 17
    header = "poste;annee;saisines_femmes;saisines_hommes;saisines_enfants;saisines_total"
    report = import_file(csv_bytes([header, *lines]), "b.csv", user=user, organisation=org)
    assert [(e.line, e.column) for e in report.errors] == [(151, "saisines_total")]
    assert not Bilan.objects.exists()
    assert not Bilan.history.exists()


def test_duplicate_written_differently_in_xlsx_is_refused(org, user, posts):
    content = xlsx_bytes(
        [
            ["poste", "annee", "saisines_total"],
            ["isc_a", 2022, 10],
            [" isc_a ", "2022", 11],
        ]
    )
    report = import_file(content, "bilans.xlsx", user=user, organisation=org)
    assert [(e.line, e.column) for e in report.errors] == [(3, "poste")]
    assert not Bilan.objects.exists()


def test_bulk_import_keeps_history_of_creations_and_updates(org, user, many_posts):
    draft = BilanFactory(post=many_posts[0], year=2017)
    returned = BilanFactory(post=many_posts[1], year=2017, status=BilanStatus.RETURNED)
    header = "poste;annee;saisines_femmes;saisines_hommes;saisines_enfants;saisines_total"
    lines = many_rows(many_posts, range(2017, 2020), total=17)
    report = import_file(csv_bytes([header, *lines]), "b.csv", user=user, organisation=org)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (88, 2)
    assert Bilan.objects.filter(referrals_total=17).count() == 90
    for bilan in (draft, returned):
        bilan.refresh_from_db()
        assert bilan.referrals_total == 17
        assert bilan.interviews_total == 150  # a column absent from the file is kept
        latest = bilan.history.first()
        assert (latest.history_type, latest.history_user) == ("~", user)
        assert latest.referrals_total == 17
    assert returned.status == BilanStatus.RETURNED
    created = Bilan.objects.get(post=many_posts[2], year=2018)
    assert created.communes_count == many_posts[2].communes_count
    assert [(h.history_type, h.history_user) for h in created.history.all()] == [("+", user)]


def test_import_query_count_does_not_grow_with_rows(org, user, many_posts):
    """2 rows or 300, the same queries (the database's savepoints differ: compare the runs)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    header = "poste;annee;saisines_femmes;saisines_hommes;saisines_enfants;saisines_total"
    few = csv_bytes([header, *many_rows(many_posts[:2], [2020])])
    with CaptureQueriesContext(connection) as small:
        assert import_file(few, "b.csv", user=user, organisation=org).ok
    lots = csv_bytes([header, *many_rows(many_posts, range(2010, 2020))])
    with CaptureQueriesContext(connection) as large:
        report = import_file(lots, "b.csv", user=user, organisation=org)
    assert report.ok, report.errors
    assert Bilan.objects.count() == 302

    def statements(captured) -> list[str]:
        # Savepoints (one per atomic block) and PostgreSQL's sequence reset are bookkeeping.
        skipped = ("SAVEPOINT", "RELEASE SAVEPOINT", "SELECT setval(")
        return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(skipped)]

    # Posts, their EPCIs, existing bilans; one bulk insert of bilans and one of their history.
    assert len(statements(small)) <= 6, statements(small)
    assert len(statements(large)) <= len(statements(small))


def test_table_constraints_are_checked_in_memory(org, user, posts):
    """What the table's check constraint refuses (a reason, even blank, and figures) is refused
    by the bilan's rules on its row instead of failing the bulk insert."""
    header = "poste;annee;saisines_total;motif_absence_bilan"
    report = import_file(
        csv_bytes([header, "isc_a;2022;5;", "isg_b;2022;5;  ", "iscg_c;2022;5;Poste vacant"]),
        "bilans.csv",
        user=user,
        organisation=org,
    )
    message = "Une année sans bilan ne porte aucun chiffre : videz les chiffres ou le motif."
    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (3, "motif_absence_bilan", message),  # a reason of blanks is still a reason
        (4, "motif_absence_bilan", message),
    ]
    assert not Bilan.objects.exists()


def test_an_out_of_range_percentage_is_one_french_error(org, user, posts):
    content = csv_bytes([HEADER, "isc_a;2022;1;1;1;3;150,5;;"])
    report = import_file(content, "bilans.csv", user=user, organisation=org)
    assert not report.ok
    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (2, "pct_vif", "La part de VIF doit être comprise entre 0 et 100 % (saisi : 150,50 %).")
    ]
    assert Bilan.objects.count() == 0


def test_import_page_shows_the_post_codes_and_what_each_column_holds(client, org, user, posts):
    client.force_login(user)
    html = client.get("/bilans/import/").content.decode()
    for post in posts:
        assert f"<td><code>{post.slug}</code></td>" in html
    assert "<td><code>pct_vif</code></td><td>Part des violences intrafamiliales (%)</td>" in html
    other = PostFactory(organisation=OrganisationFactory(), slug="poste_d_ailleurs")
    assert other.slug not in html


def test_an_imported_bilan_starts_as_an_entered_one(org, user):
    """New bilans get the post's EPCI and communes counts, as ``bilan_create`` gives them."""
    from conventions.models import PartyKind
    from reporting.services import bilan_create
    from tests.factories import PartyFactory

    post = PostFactory(organisation=org, slug="isc_a", communes_count=12)
    post.epcis.add(*(PartyFactory(organisation=org, kind=PartyKind.EPCI) for _ in range(2)))
    header = "poste;annee;saisines_total;nombre_communes"
    report = import_file(
        csv_bytes([header, "isc_a;2022;5;", "isc_a;2021;5;3"]), "b.csv", user=user, organisation=org
    )
    assert report.ok, report.errors
    imported = Bilan.objects.get(post=post, year=2022)
    entered = bilan_create(user=user, post=post, year=2020)
    assert (imported.epci_count, imported.communes_count) == (2, 12)
    assert (entered.epci_count, entered.communes_count) == (2, 12)
    assert Bilan.objects.get(post=post, year=2021).communes_count == 3  # the file's value wins


def test_only_a_gestionnaire_of_the_organisation_imports(org, posts):
    from django.core.exceptions import PermissionDenied

    content = csv_bytes([HEADER, "isc_a;2022;1;1;1;3;;;"])
    for user in (
        UserFactory(coordinateur=True, organisation=org),
        UserFactory(gestionnaire=True),
    ):
        with pytest.raises(PermissionDenied):
            import_file(content, "b.csv", user=user, organisation=org)
    assert not Bilan.objects.exists()
