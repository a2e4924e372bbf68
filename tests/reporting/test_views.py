"""Bilans pages: dashboard (query count, filters, charts), exports, entry and workflow pages,
comité de suivi pack."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader

from conventions.models import PartyKind, PostKind
from reporting.models import Bilan, BilanStatus
from tests.conflicts import post_loaded
from tests.factories import (
    BilanFactory,
    ConventionFactory,
    FinancingPlanFactory,
    OrganisationFactory,
    PartyFactory,
    PaymentFactory,
    PostFactory,
    ShareLineFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


@pytest.fixture
def organisation():
    """This module's organisation, whose slug the national view's tests read; the shared
    ``coordinator`` and ``gestionnaire`` (tests/conftest.py) belong to it."""
    return OrganisationFactory(slug="dept-test")


def build(organisation, posts: int, years: int) -> list:
    """``posts`` posts (half employed by the Département, half by EPCIs, each covering one or two
    EPCIs), each with a validated bilan every year from 2022 back."""
    departement = PartyFactory(
        organisation=organisation, kind=PartyKind.DEPARTEMENT, name="Département"
    )
    epcis = [PartyFactory(organisation=organisation, kind=PartyKind.EPCI) for _ in range(3)]
    created = []
    for index in range(posts):
        employer = departement if index % 2 else epcis[index % 3]
        post = PostFactory(
            organisation=organisation,
            employer=employer,
            kind=PostKind.ISC if index % 2 else PostKind.ISG,
            first_year=2022 - years + 1,
        )
        post.epcis.set(epcis[: 1 + index % 2])
        for year in range(2022 - years + 1, 2023):
            BilanFactory(post=post, year=year, validated=True)
        created.append(post)
    return created


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(("posts", "years"), [(2, 1), (30, 8)])
def test_dashboard_query_count_does_not_grow(
    client, organisation, coordinator, posts, years, django_assert_max_num_queries
):
    build(organisation, posts, years)
    client.force_login(coordinator)
    with django_assert_max_num_queries(16):
        response = client.get("/bilans/2022/")
    assert response.status_code == 200
    with django_assert_max_num_queries(16):
        client.get("/bilans/2022/tableau.csv")


def test_dashboard_same_query_count_small_and_large(client, coordinator):
    client.force_login(coordinator)
    small_org = coordinator.organisation
    build(small_org, 2, 1)
    small = count_queries(client, "/bilans/2022/")
    build(small_org, 25, 6)
    assert count_queries(client, "/bilans/2022/") == small


def test_dashboard_totals_filters_and_charts(client, organisation, coordinator):
    posts = build(organisation, 4, 2)
    client.force_login(coordinator)
    html = client.get("/bilans/2022/").content.decode()
    # French plurals, the number held to its noun (no line break between them).
    assert f"Totaux : 4{NBSP}bilans transmis ou validés." in html
    assert f"Total (4{NBSP}bilans transmis ou validés)" in html
    assert f"4{NBSP}postes attendus pour 2022" in html
    assert "(s)" not in html
    assert "400" in html  # 4 × 100 saisines
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in html
    assert '<title id="graphique-public-titre">Saisines par public</title>' in html
    assert "<caption>Saisines par public — chiffres du graphique</caption>" in html
    isc = client.get("/bilans/2022/?type=ISC").context["board"]
    assert isc.totals.referrals == 200
    assert {row.post.kind for row in isc.rows} == {"ISC"}
    employer = posts[0].employer
    by_employer = client.get(f"/bilans/2022/?employeur={employer.pk}").context["board"]
    assert {row.post.employer for row in by_employer.rows} == {employer}
    epci = posts[1].epcis.order_by("pk").last()
    by_epci = client.get(f"/bilans/2022/?territoire={epci.pk}").context["board"]
    assert all(epci in row.post.epcis.all() for row in by_epci.rows)
    assert [row.year for row in client.get("/bilans/2022/").context["board"].by_year] == [
        2021,
        2022,
    ]


def test_dashboard_shows_late_and_missing_posts(client, organisation, coordinator):
    post = PostFactory(organisation=organisation, name="Poste sans bilan", first_year=2020)
    BilanFactory(post=PostFactory(organisation=organisation, name="Poste en brouillon"), year=2022)
    client.force_login(coordinator)
    board = client.get("/bilans/2022/").context["board"]
    late = {row.post.name for row in board.late}
    assert late == {"Poste sans bilan", "Poste en brouillon"}
    assert post.name in client.get("/bilans/2022/").content.decode()


def test_deadline_set_by_convention(client, organisation, coordinator):
    from datetime import date

    from reporting import selectors
    from reporting.models import ReportDeadline

    post = PostFactory(organisation=organisation, first_year=2020)
    convention = ConventionFactory(
        organisation=organisation, start_date=date(2022, 1, 1), end_date=date(2022, 12, 31)
    )
    convention.posts.add(post)
    ReportDeadline.objects.create(convention=convention, month=3, day=31)
    board = selectors.dashboard(coordinator, 2022, selectors.Filters(), today=date(2023, 2, 15))
    (row,) = board.rows
    assert row.due == date(2023, 3, 31) and not row.late
    board = selectors.dashboard(coordinator, 2022, selectors.Filters(), today=date(2023, 4, 1))
    assert board.rows[0].late


def test_csv_export_is_french(client, organisation, coordinator):
    post = PostFactory(organisation=organisation, name="Poste ISC Béthune")
    BilanFactory(post=post, validated=True, vif_pct=Decimal("61.5"))
    client.force_login(coordinator)
    response = client.get("/bilans/2022/tableau.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    header, first = text.split("\r\n")[:2]
    assert header.split(";")[:3] == ["Organisation", "Porté par", "Poste"]
    cells = first.split(";")
    assert cells[2] == "Poste ISC Béthune"
    assert "61,50" in cells
    assert "31/01/2023" in cells


def test_xlsx_and_pdf_exports(client, fetch, organisation, coordinator):
    BilanFactory(post=PostFactory(organisation=organisation), validated=True)
    client.force_login(coordinator)
    workbook = load_workbook(io.BytesIO(client.get("/bilans/2022/tableau.xlsx").content))
    assert workbook.sheetnames == ["Postes 2022", "Synthèse"]
    values = [row[:2] for row in workbook["Synthèse"].iter_rows(values_only=True)]
    assert ("Saisines", 100) in values
    pdf = fetch(client, "/bilans/2022/tableau.pdf").content
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Bilans d'activité 2022" in text


def test_committee_pack_has_bilan_financing_and_dates(client, fetch, organisation, coordinator):
    from datetime import date

    post = PostFactory(organisation=organisation, name="Poste ISG Ternois")
    BilanFactory(post=post, year=2023, validated=True)
    convention = ConventionFactory(
        organisation=organisation,
        reference="PACK-1",
        start_date=date(2023, 1, 1),
        end_date=date(2023, 12, 31),
    )
    line = ShareLineFactory(
        plan=FinancingPlanFactory(convention=convention, post=post), employer=True
    )
    PaymentFactory(share_line=line, amount_received=Decimal("10000"))
    client.force_login(coordinator)
    response = fetch(client, f"/bilans/poste/{post.pk}/2023/comite.pdf")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Poste ISG Ternois" in text
    assert "PACK-1" in text
    assert "15 553" in text.replace(NBSP, " ").replace("\u202f", " ")
    assert "10 000" in text.replace(NBSP, " ").replace("\u202f", " ")
    assert "31 décembre 2023" in text


# --------------------------------------------------------------------------- entry pages


def post_data(**overrides):
    data = {
        "referrals_women": "60",
        "referrals_men": "25",
        "referrals_children": "15",
        "referrals_total": "100",
        "interviews_total": "150",
        "vif_pct": "61,5",
        "probleme_violences_conjugales": "40",
        "comment": "Hausse des saisines.",
        "parts-TOTAL_FORMS": "0",
        "parts-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_intervenant_enters_submits_and_coordinator_returns(client, organisation, coordinator):
    post = PostFactory(organisation=organisation)
    intervenant = UserFactory(intervenant=True, post=post, organisation=organisation)
    client.force_login(intervenant)
    # A sum that does not add up: the draft is kept, the inconsistency listed, sending refused.
    response = client.post(
        f"/bilans/poste/{post.pk}/2023/saisir/", post_data(referrals_total="101")
    )
    bilan = Bilan.objects.get()
    assert response.url == f"/bilans/bilan/{bilan.pk}/"
    assert (bilan.status, bilan.referrals_total) == ("brouillon", 101)
    message = "Femmes 60 + hommes 25 + enfants 15 = 100, différent du total 101."
    page = client.get(response.url).content.decode().replace("\u00a0", " ")
    assert "Il reste 1 point à corriger avant de le transmettre au coordinateur" in page
    assert "Avant de le transmettre au coordinateur, corrigez" in page
    assert f'href="/bilans/bilan/{bilan.pk}/modifier/#id_referrals_total">' in page
    assert message in page
    edit = client.get(f"/bilans/bilan/{bilan.pk}/modifier/").content.decode()
    assert edit.count(message) == 2  # above the form, and beside the total
    assert 'href="#id_referrals_total"' in edit
    response = client.post(f"/bilans/bilan/{bilan.pk}/transmettre/")
    assert response.status_code == 302
    bilan.refresh_from_db()
    assert bilan.status == BilanStatus.DRAFT and bilan.submitted_at is None
    assert message in client.get(response.url).content.decode()
    response = post_loaded(client, f"/bilans/bilan/{bilan.pk}/modifier/", post_data())
    assert response.url == f"/bilans/bilan/{bilan.pk}/"
    bilan.refresh_from_db()
    assert bilan.referrals_total == 100
    page = client.get(response.url).content.decode()
    assert "Avant de le transmettre" not in page
    assert "Bilan enregistré (brouillon)." in page and "Il reste" not in page
    assert bilan.vif_pct == Decimal("61.5")
    assert bilan.problems == {"violences_conjugales": 40}

    response = post_loaded(
        client, f"/bilans/bilan/{bilan.pk}/modifier/", post_data(comment="Suivi de Mme Dupont.")
    )
    assert response.status_code == 400
    assert "donnée nominative" in response.content.decode()

    client.post(f"/bilans/bilan/{bilan.pk}/transmettre/")
    bilan.refresh_from_db()
    assert bilan.status == BilanStatus.SUBMITTED

    client.force_login(coordinator)
    response = client.post(
        f"/bilans/bilan/{bilan.pk}/examiner/", {"action": "renvoyer", "comment": ""}
    )
    assert response.status_code == 400
    client.post(
        f"/bilans/bilan/{bilan.pk}/examiner/",
        {"action": "renvoyer", "comment": "Le % de VIF semble élevé."},
    )
    bilan.refresh_from_db()
    assert bilan.status == BilanStatus.RETURNED

    client.force_login(intervenant)
    page = client.get(f"/bilans/bilan/{bilan.pk}/").content.decode()
    assert "Le % de VIF semble élevé." in page
    assert "Historique des modifications" in page


def test_edit_with_monthly_parts(client, organisation):
    post = PostFactory(organisation=organisation)
    gestionnaire = UserFactory(gestionnaire=True, organisation=organisation)
    bilan = BilanFactory(
        post=post,
        referrals_total=120,
        referrals_women=None,
        referrals_men=None,
        referrals_children=None,
    )
    client.force_login(gestionnaire)
    page = client.get(f"/bilans/bilan/{bilan.pk}/modifier/?ventilation=mois")
    assert page.context["formset"].total_form_count() == 12
    data = post_data(
        referrals_women="", referrals_men="", referrals_children="", referrals_total="120"
    )
    data.update({"parts-TOTAL_FORMS": "12", "parts-INITIAL_FORMS": "0"})
    for index in range(12):
        data[f"parts-{index}-kind"] = "mois"
        data[f"parts-{index}-number"] = str(index + 1)
        data[f"parts-{index}-referrals_total"] = "10"
    data["parts-0-referrals_total"] = "11"
    response = post_loaded(client, f"/bilans/bilan/{bilan.pk}/modifier/", data)
    assert response.status_code == 302  # kept as a draft, listed on its page
    assert bilan.parts.get(number=1).referrals_total == 11
    assert "La somme des mois (saisines : 121) diffère du chiffre de l&#x27;année (120)." in (
        client.get(response.url).content.decode()
    )
    data["parts-0-referrals_total"] = "10"
    response = post_loaded(client, f"/bilans/bilan/{bilan.pk}/modifier/", data)
    assert response.status_code == 302
    assert bilan.parts.count() == 12
    assert "Avant de le transmettre" not in client.get(response.url).content.decode()
    # Two rows for the same month: the table cannot hold them, nothing is changed.
    data["parts-1-number"] = "1"
    response = post_loaded(client, f"/bilans/bilan/{bilan.pk}/modifier/", data)
    assert response.status_code == 400
    assert "« janvier » figure deux fois." in response.content.decode()
    assert sorted(bilan.parts.values_list("number", flat=True)) == list(range(1, 13))


def test_list_shows_late_drafts(client, organisation):
    post = PostFactory(organisation=organisation)
    intervenant = UserFactory(intervenant=True, post=post, organisation=organisation)
    BilanFactory(post=post, year=2022)
    client.force_login(intervenant)
    html = client.get("/bilans/liste/").content.decode()
    assert "en retard" in html
    assert "31 janvier 2023" in html


# --------------------------------------------------------------------------- national view


@pytest.fixture
def national(organisation):
    return UserFactory(coordinateur=True, organisation=organisation, is_national=True)


def test_national_view_is_per_organisation_with_drill_down(client, organisation, national):
    from iscg.models import Organisation

    other = OrganisationFactory(slug="dept-autre", name="Autre département")
    build(organisation, 4, 2)
    PostFactory(organisation=other, name="Poste sans bilan", first_year=2020)
    reason = PostFactory(organisation=other, name="Poste vacant", first_year=2020)
    BilanFactory(post=reason, year=2022, no_report=True, validated=True)
    client.force_login(national)
    response = client.get("/bilans/2022/?type=ISC")
    board = response.context["board"]
    assert board.groups == []
    (row,) = [row for row in board.organisations.rows if row.slug == "dept-test"]
    assert (row.expected, row.received, row.totals.referrals) == (2, 2, 200)
    html = response.content.decode()
    assert 'href="/bilans/2022/?organisation=dept-test&amp;type=ISC"' in html

    board = client.get("/bilans/2022/").context["board"]
    rows = {row.slug: row for row in board.organisations.rows}
    assert [row.slug for row in board.organisations.rows] == ["dept-autre", "dept-test"]
    assert (rows["dept-test"].expected, rows["dept-test"].received) == (4, 4)
    assert (rows["dept-test"].totals.referrals, rows["dept-test"].totals.bilans) == (400, 4)
    autre = rows["dept-autre"]
    assert (autre.expected, autre.received, autre.with_reason, autre.not_received) == (2, 0, 1, 1)
    assert autre.late == 1 and autre.totals.referrals == 0
    assert board.totals.referrals == 400
    html = client.get("/bilans/2022/").content.decode()
    assert "Poste sans bilan" not in html  # the posts are one click away
    assert "Bilans par organisation" in html

    # Each organisation's row says what its own table of posts says.
    for each in Organisation.objects.all():
        response = client.get(f"/bilans/2022/?organisation={each.slug}")
        detail = response.context["board"]
        assert detail.organisations is None
        row = rows[each.slug]
        assert row.expected == len(detail.rows)
        assert row.with_reason == len(detail.with_reason)
        assert row.not_received == len(detail.not_received)
        assert row.late == len(detail.late)
        assert row.totals == detail.totals
    assert (
        "Poste sans bilan" in client.get("/bilans/2022/?organisation=dept-autre").content.decode()
    )
    # The exports keep every post.
    assert "Poste sans bilan" in client.get("/bilans/2022/tableau.csv").content.decode("utf-8-sig")


def test_national_view_query_count_does_not_grow_with_organisations(client, organisation, national):
    client.force_login(national)
    build(organisation, 2, 1)
    small = count_queries(client, "/bilans/2022/")
    for index in range(5):
        build(OrganisationFactory(slug=f"dept-grand-{index}"), 6, 3)
    assert count_queries(client, "/bilans/2022/") == small
    chosen = count_queries(client, "/bilans/2022/?organisation=dept-grand-0")
    assert chosen == small + 1  # the chosen organisation is looked up


def test_every_error_of_the_bilan_form_is_summed_up_at_once(client, organisation):
    """A negative count, a 150 % VIF and a subset above its total: all listed on the first
    submit, once each (the subset as an inconsistency a draft may keep); the sum involving the
    negative count waits for it to be fixed."""
    post = PostFactory(organisation=organisation)
    client.force_login(UserFactory(intervenant=True, post=post, organisation=organisation))
    response = client.post(
        f"/bilans/poste/{post.pk}/2023/saisir/",
        post_data(referrals_men="-1", vif_pct="150", known_to_social_services="500"),
    )
    assert response.status_code == 400
    html = response.content.decode().replace("&#x27;", "'").replace("\u00a0", " ")
    assert "Le bilan n'a pas été enregistré : à corriger (2 rubriques)" in html
    assert "À corriger avant de transmettre le bilan (le brouillon s'enregistre tel quel)" in html
    # Each message twice: in the summary at the top and next to its field.
    assert html.count("supérieure ou égale à 0") == 2
    assert html.count("doit être comprise entre 0 et 100 % (saisi : 150 %)") == 2
    assert html.count("déjà connues d'un service social 500, plus que le total des saisines") == 2
    assert "inférieure ou égale à 100" not in html
    assert "différent du total" not in html
    assert not Bilan.objects.exists()


# --------------------------------------------------------------------------- years offered


def test_every_year_the_posts_conventions_cover_is_offered(client, organisation):
    """A convention for 2019, a renewal for 2021 still a draft, nothing in between: the
    intervenant is offered every year from 2019 to this one but the one it has entered; an
    abandoned draft counts for nothing."""
    from datetime import date

    from conventions.models import ConventionStatus

    today = date.today()
    post = PostFactory(organisation=organisation, first_year=2010)
    ConventionFactory(
        organisation=organisation, start_date=date(2019, 1, 1), end_date=date(2019, 12, 31)
    ).posts.add(post)
    ConventionFactory(
        organisation=organisation,
        draft=True,
        start_date=date(2021, 1, 1),
        end_date=date(2021, 12, 31),
    ).posts.add(post)
    ConventionFactory(
        organisation=organisation,
        status=ConventionStatus.ABANDONED,
        start_date=date(2015, 1, 1),
        end_date=date(2015, 12, 31),
    ).posts.add(post)
    BilanFactory(post=post, year=2020)
    intervenant = UserFactory(intervenant=True, post=post, organisation=organisation)
    client.force_login(intervenant)
    response = client.get("/bilans/liste/")
    expected = [2019, *range(2021, today.year + 1)]
    assert response.context["to_enter"] == expected
    html = response.content.decode()
    for year in expected:
        assert f'href="/bilans/poste/{post.pk}/{year}/saisir/"' in html
    assert f"/bilans/poste/{post.pk}/2020/saisir/" not in html
    assert f"/bilans/poste/{post.pk}/2015/saisir/" not in html
    assert client.get(f"/bilans/poste/{post.pk}/2021/saisir/").status_code == 200
    # Another post's intervenant is offered nothing of this post, and may not enter it.
    other = UserFactory(
        intervenant=True, post=PostFactory(organisation=organisation), organisation=organisation
    )
    client.force_login(other)
    assert f"/bilans/poste/{post.pk}/" not in client.get("/bilans/liste/").content.decode()
    assert client.get(f"/bilans/poste/{post.pk}/2021/saisir/").status_code == 404
