"""The effective plan: each post once per year, from its latest signed act; drafts apart."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from conventions import drafting
from conventions.models import Convention, ConventionStatus
from financing import selectors
from financing.effective import Act, pick_effective
from financing.engine import read_plan
from financing.models import ShareLine
from tests.factories import UserFactory
from tests.lifecycle import D, avenant, new_convention, renewal, send_and_sign, territory

# --------------------------------------------------------------------------- the rule, pure


def act(plan, years, *, family, rank=0, signed=True, start=date(2028, 1, 1), subsidy=False):
    return Act(
        plan_id=plan,
        post_id=1,
        years=frozenset(years),
        convention_id=plan,
        family_id=family,
        family_start=start,
        rank=rank,
        signed=signed,
        subsidy=subsidy,
    )


def test_a_signed_avenant_replaces_its_convention_for_the_years_it_covers():
    chosen = pick_effective(
        [
            act(1, {2028, 2029}, family=1),
            act(2, {2029}, family=1, rank=1),
        ]
    )
    assert chosen == {(1, 2028, False): 1, (1, 2029, False): 2}


def test_avenants_count_in_their_order_and_drafts_never():
    chosen = pick_effective(
        [
            act(1, {2028}, family=1),
            act(3, {2028}, family=1, rank=2),
            act(2, {2028}, family=1, rank=1),
            act(4, {2028}, family=1, rank=3, signed=False),
        ]
    )
    assert chosen == {(1, 2028, False): 3}


def test_a_renewal_takes_over_from_its_start_and_an_unsigned_one_does_not():
    old = act(1, {2028, 2029, 2030}, family=1, start=date(2028, 1, 1))
    renewed = act(2, {2030, 2031}, family=2, start=date(2030, 1, 1))
    assert pick_effective([old, renewed]) == {
        (1, 2028, False): 1,
        (1, 2029, False): 1,
        (1, 2030, False): 2,
        (1, 2031, False): 2,
    }
    draft = act(2, {2030, 2031}, family=2, start=date(2030, 1, 1), signed=False)
    assert pick_effective([old, draft]) == {(1, y, False): 1 for y in (2028, 2029, 2030)}


def test_an_avenant_of_the_old_convention_does_not_beat_the_renewal():
    old = act(1, {2030}, family=1, start=date(2028, 1, 1))
    late_avenant = act(3, {2030}, family=1, rank=1, start=date(2028, 1, 1))
    renewed = act(2, {2030}, family=2, start=date(2030, 1, 1))
    assert pick_effective([old, renewed, late_avenant]) == {(1, 2030, False): 2}


def test_a_subsidy_is_its_own_track():
    main = act(1, {2023}, family=1)
    subsidy = act(2, {2023}, family=2, start=date(2023, 6, 1), subsidy=True)
    assert pick_effective([main, subsidy]) == {(1, 2023, False): 1, (1, 2023, True): 2}


# --------------------------------------------------------------------------- through the services


YEAR = 2028
FIRST = {YEAR: ("56100", "28050", "10000")}
AMENDED = {YEAR: ("56100", "28050", "12000")}


@pytest.fixture
def world(db):
    return territory()


@pytest.fixture
def signed(world):
    convention = new_convention(world, world.posts[0], FIRST)
    return send_and_sign(convention, world.manager)


def table(world, year=YEAR):
    return selectors.annual_table(world.organisation, year)


def shares(row) -> dict:
    return {cell.party.slug: cell.amount for cell in row.cells}


@pytest.mark.django_db
def test_the_issue_case_a_signed_avenant_counts_once(world, signed, client):
    """New convention (2028: 56 100 €, État 28 050 €, commune 10 000 €), then a signed avenant
    raising the commune to 12 000 €: the post once, 56 100 €, the commune 12 000 €."""
    draft = avenant(world, signed, AMENDED)
    before = table(world)
    assert len(before.rows) == 1 and shares(before.rows[0])["commune"] == D(10000)
    assert [row.convention for row in before.forecast] == [draft]
    assert shares(before.forecast[0])["commune"] == D(12000)
    assert before.total == D(56100)

    send_and_sign(draft, world.manager)
    after = table(world)
    assert [row.convention for row in after.rows] == [draft]
    assert after.total == after.total_cost == D(56100)
    assert shares(after.rows[0]) == {"etat": D(28050), "commune": D(12000), "cc": D(16050)}
    assert after.forecast == []
    by_party = {party.slug: amount for party, amount in after.by_party}
    assert by_party == {"etat": D(28050), "commune": D(12000), "cc": D(16050)}

    # The commune's partner: owes 12 000 € in 2028, once (not 22 000 €).
    partner = UserFactory(partenaire=True, party=world.commune)
    client.force_login(partner)
    home = client.get("/")
    assert home.status_code == 200
    (year,) = [y for y in home.context["party_years"] if y.year == YEAR]
    assert year.due == D(12000)
    mine = client.get(reverse("financing:my_financing"))
    (year,) = [y for y in mine.context["years"] if y.year == YEAR]
    assert year.due == D(12000)
    assert [line.convention for line in year.lines] == [draft]


@pytest.mark.django_db
def test_drafts_stay_out_of_every_total_due(world, signed, client):
    draft = avenant(world, signed, AMENDED)
    # The partner sees neither the draft nor its figures; staff see it labelled.
    client.force_login(world.manager)
    page = client.get(reverse("financing:annual", args=[YEAR]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "1\u00a0poste financé" in html
    assert f"Prévisionnel {YEAR}" in html and draft.reference in html
    summary = client.get(reverse("financing:party_summary", args=[world.commune.pk]))
    (year,) = [y for y in summary.context["years"] if y.year == YEAR]
    assert year.due == D(10000)
    assert [line.convention for line in summary.context["forecast"]] == [draft]
    employer = client.get(reverse("financing:party_summary", args=[world.employer.pk]))
    (year,) = [y for y in employer.context["years"] if y.year == YEAR]
    assert year.receivable_total == D(28050 + 10000)


@pytest.mark.django_db
def test_an_abandoned_draft_leaves_every_figure(world, signed, client):
    draft = avenant(world, signed, AMENDED)
    with pytest.raises(ValidationError):
        drafting.convention_abandon(convention=draft, reason="  ", by=world.manager)
    drafting.convention_abandon(convention=draft, reason="Accord retiré", by=world.manager)
    draft.refresh_from_db()
    assert draft.status == ConventionStatus.ABANDONED
    assert draft.history.first().history_change_reason == "Abandon : Accord retiré"
    after = table(world)
    assert after.forecast == [] and shares(after.rows[0])["commune"] == D(10000)
    with pytest.raises(ValidationError, match="dénonce ou se résilie"):
        drafting.convention_abandon(convention=signed, reason="x", by=world.manager)
    # The abandon page: confirmation, reason required, refused to others.
    other = avenant(world, signed, AMENDED)
    client.force_login(world.manager)
    url = reverse("conventions:abandon", args=[other.reference])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 400
    assert Convention.objects.get(pk=other.pk).status == ConventionStatus.DRAFT
    assert client.post(url, {"reason": "Doublon"}).status_code == 302
    assert Convention.objects.get(pk=other.pk).status == ConventionStatus.ABANDONED
    coordinator = UserFactory(coordinateur=True, organisation=world.organisation)
    client.force_login(coordinator)
    third = avenant(world, signed, AMENDED)
    response = client.post(reverse("conventions:abandon", args=[third.reference]), {"reason": "x"})
    assert response.status_code == 403
    assert Convention.objects.get(pk=third.pk).status == ConventionStatus.DRAFT


@pytest.mark.django_db
def test_a_signed_renewal_takes_over_from_its_start(world):
    first = new_convention(
        world, world.posts[0], {2028: ("50000", "25000", "5000"), 2029: ("50000", "25000", "5000")}
    )
    send_and_sign(first, world.manager)
    draft = renewal(world, first, {2029: ("52000", "26000", "6000")})
    assert shares(table(world, 2029).rows[0])["commune"] == D(5000)
    send_and_sign(draft, world.manager)
    (row,) = table(world, 2029).rows
    assert row.convention == draft and shares(row)["commune"] == D(6000)
    (row,) = table(world, 2028).rows
    assert row.convention == first


@pytest.mark.django_db
def test_a_partner_removed_by_an_avenant_no_longer_owes_the_year(world, signed):
    """The rule is computed on every act, not on what the asker can see: an avenant that drops
    the commune's share leaves the commune owing nothing that year."""
    draft = avenant(world, signed, {YEAR: ("56100", "28050", "0")})
    send_and_sign(draft, world.manager)
    lines = ShareLine.objects.filter(party=world.commune).effective()
    assert sum(line.amount for line in lines) == 0


def table_json(world) -> dict:
    out = StringIO()
    call_command(
        "financing",
        "table",
        str(YEAR),
        "--organisation",
        world.organisation.slug,
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_financing_table_command_prints_each_post_once(world, signed):
    draft = avenant(world, signed, AMENDED)
    data = table_json(world)
    assert data["year"] == YEAR
    assert data["rows"] == [
        {
            "post": world.posts[0].slug,
            "convention": signed.reference,
            "status": signed.current_status,
            "cost": "56100.00",
            "shares": {"etat": "28050.00", "commune": "10000.00", "cc": "18050.00"},
        }
    ]
    assert [row["convention"] for row in data["forecast"]] == [draft.reference]
    assert data["total"] == "56100.00"
    send_and_sign(draft, world.manager)
    data = table_json(world)
    assert [row["convention"] for row in data["rows"]] == [draft.reference]
    assert data["rows"][0]["shares"]["commune"] == "12000.00"
    assert data["total"] == "56100.00" and data["forecast"] == []


@pytest.mark.django_db
def test_a_titre_is_refused_on_a_share_that_is_not_due(world, signed):
    from financing.services import payment_record

    draft = avenant(world, signed, AMENDED)
    line = draft.share_lines.get(party=world.commune, year=YEAR)
    with pytest.raises(ValidationError, match="n'est pas due : l'acte n'est pas signé"):
        payment_record(share_line=line, by=world.manager, amount_issued=D(12000))
    send_and_sign(draft, world.manager)
    old = signed.share_lines.get(party=world.commune, year=YEAR)
    with pytest.raises(ValidationError, match="un acte signé plus récent"):
        payment_record(share_line=old, by=world.manager, amount_issued=D(10000))
    line.refresh_from_db()
    payment = payment_record(share_line=line, by=world.manager, amount_issued=D(12000))
    assert payment.share_line == line and line.payments.count() == 1
    assert old.payments.count() == 0


@pytest.mark.django_db
def test_the_budget_forecast_counts_what_a_draft_changes_not_its_whole_share():
    """A draft avenant that leaves the Département's share alone changes nothing in the budget
    check; one that raises it adds only the difference."""
    world = territory()
    world.organisation.party = world.commune  # the commune is the managing organisation here
    world.organisation.save()
    convention = send_and_sign(new_convention(world, world.posts[0], FIRST), world.manager)
    unchanged = avenant(world, convention, {YEAR: ("56100", "30000", "10000")})
    check = table(world).budget
    assert (check.proposed, check.forecast, check.proposed_with_forecast) == (
        D(10000),
        D(0),
        D(10000),
    )
    drafting.convention_abandon(convention=unchanged, reason="remplacé", by=world.manager)
    avenant(world, convention, AMENDED)
    check = table(world).budget
    assert (check.proposed, check.forecast, check.proposed_with_forecast) == (
        D(10000),
        D(2000),
        D(12000),
    )


@pytest.mark.django_db
def test_an_avenant_keeps_only_the_written_amounts_that_show_a_gap(world, signed):
    """The parent's act wrote État 28 050 € (no gap) and the commune 9 000 € (computed
    10 000 €: a gap). The avenant that changes the État share is not flagged against 28 050 €;
    the commune's gap, unchanged, stays shown."""
    from financing.services import plan_save

    plan = signed.financing_plans.get()
    data = dict(plan.data)
    data["years"] = [{**data["years"][0], "as_written": {"etat": "28050", "commune": "9000"}}]
    type(plan).objects.filter(pk=plan.pk).update(data=data)
    from financing.services import plan_recompute

    plan.refresh_from_db()
    plan_recompute(plan)
    draft = drafting.convention_draft_start(
        organisation=world.organisation,
        mode="avenant",
        source=signed,
        reference=drafting.next_reference(world.organisation, YEAR),
        by=world.manager,
    ).convention
    copied = draft.financing_plans.get().data["years"][0]["as_written"]
    assert copied == {"commune": "9000"}
    changed = dict(draft.financing_plans.get().data)
    changed["shares"] = [
        {**share, "amount_by_year": {str(YEAR): "30000"}} if share["party"] == "etat" else share
        for share in changed["shares"]
    ]
    plan_save(convention=draft, post=world.posts[0], plan=read_plan(changed))
    gaps = {line.party.slug: line.gap for line in draft.share_lines.select_related("party")}
    assert gaps["etat"] is None and gaps["commune"] == D(-1000)


@pytest.mark.django_db
def test_a_convention_that_marks_the_wrong_employer_is_flagged(world):
    convention = new_convention(world, world.posts[0], FIRST)
    assert drafting.employer_warnings(convention) == []
    convention.memberships.filter(party=world.employer).update(is_employer=False)
    convention.memberships.filter(party=world.commune).update(is_employer=True)
    (warning,) = drafting.employer_warnings(convention)
    assert "a pour employeur Communauté de communes du Val" in warning
    assert "employeur marqué : Commune de Ville" in warning


@pytest.mark.django_db
def test_the_annual_page_costs_the_same_queries_for_one_post_or_four(client):
    """The effective-plan lookup is one query, whatever the number of posts and drafts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def page_queries(posts: int) -> int:
        world = territory(posts=posts)
        for post in world.posts:
            signed = send_and_sign(new_convention(world, post, FIRST), world.manager)
            avenant(world, signed, AMENDED)
        client.force_login(world.manager)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("financing:annual", args=[YEAR]))
        assert response.status_code == 200
        assert len(response.context["table"].rows) == len(response.context["table"].forecast)
        return len(queries)

    assert page_queries(4) == page_queries(1)
