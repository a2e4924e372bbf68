"""A convention covering several posts (issue 14): one plan per post, through the services, the
plan page, the convention page and its PDF, the annual table and the partner pages, drafting
(avenant, renewal) and ending; and the convention's totals, exact to the euro."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from conventions import documents, drafting
from conventions import services as convention_services
from conventions.models import Convention, ConventionKind
from financing import selectors, services
from financing.engine import read_plan
from financing.models import FinancingPlan, ShareLine
from tests.conflicts import post_loaded
from tests.factories import ConventionFactory, PostFactory, UserFactory
from tests.lifecycle import _members, send_and_sign, territory

pytestmark = pytest.mark.django_db

D = Decimal


def plan_data(cost: str, etat: str, commune: str, years=(2026,)) -> dict:
    """Fixed État and commune shares, the employer (« cc ») takes the remainder."""
    return {
        "rounding": "down",
        "first_year": min(years),
        "years": [{"year": y, "annual_cost": cost, "months": 12} for y in years],
        "shares": [
            {"party": "etat", "rule": "fixed", "amount": etat},
            {"party": "commune", "rule": "fixed", "amount": commune},
            {"party": "cc", "rule": "remainder"},
        ],
    }


def amounts(convention, post=None, year=2026) -> dict[str, Decimal]:
    lines = ShareLine.objects.filter(convention=convention, year=year)
    if post is not None:
        lines = lines.filter(post=post)
    total: dict[str, Decimal] = {}
    for slug, amount in lines.values_list("party__slug", "amount"):
        total[slug] = total.get(slug, D(0)) + amount
    return total


def _text(response) -> str:
    return response.content.decode().replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def world():
    """A territory with three posts (names in order), a draft convention covering all three
    (2026), parties État, commune, the CC (employer)."""
    world = territory(posts=3)
    for index, post in enumerate(world.posts, start=1):
        post.name = f"Poste ISG n° {index} du Val"
        post.slug = f"poste-val-{index}"
        post.start_date = None
        post.save()
    convention = drafting.convention_draft_start(
        organisation=world.organisation,
        mode="nouvelle",
        reference="VAL2026-01",
        title="Convention de financement de trois postes d'intervenant social",
        kind=ConventionKind.FINANCEMENT,
        start_date=date(2026, 1, 1),
        end_date=date(2028, 12, 31),
        signature_place="Arras",
        original_copies=3,
        posts=world.posts,
    ).convention
    _members(convention, world)
    world.convention = convention
    return world


def _three_plans(world):
    p1, p2, p3 = world.posts
    c = world.convention
    services.plan_save(convention=c, post=p1, plan=read_plan(plan_data("45000", "15000", "10000")))
    services.plan_save(convention=c, post=p2, plan=read_plan(plan_data("30000", "12000", "6000")))
    services.plan_save(convention=c, post=p3, plan=read_plan(plan_data("40000", "20000", "0")))


# --------------------------------------------------------------------------- services


def test_each_post_has_its_own_plan_and_the_convention_sums_them(world):
    _three_plans(world)
    c, (p1, p2, p3) = world.convention, world.posts
    assert c.financing_plans.count() == 3
    assert amounts(c, p1) == {"etat": 15000, "commune": 10000, "cc": 20000}
    assert amounts(c, p2) == {"etat": 12000, "commune": 6000, "cc": 12000}
    assert amounts(c, p3) == {"etat": 20000, "commune": 0, "cc": 20000}
    assert amounts(c) == {"etat": 47000, "commune": 16000, "cc": 52000}
    assert sum(amounts(c).values()) == 45000 + 30000 + 40000


def test_saving_one_post_s_plan_leaves_the_others_alone(world):
    _three_plans(world)
    c, (p1, p2, _p3) = world.convention, world.posts
    before = sorted(ShareLine.objects.filter(post=p1).values_list("party__slug", "amount"))
    services.plan_save(convention=c, post=p2, plan=read_plan(plan_data("30000", "15000", "0")))
    assert amounts(c, p2) == {"etat": 15000, "commune": 0, "cc": 15000}
    assert sorted(ShareLine.objects.filter(post=p1).values_list("party__slug", "amount")) == before
    assert c.financing_plans.count() == 3


def test_a_plan_for_a_post_the_convention_does_not_cover_is_refused(world):
    stranger = PostFactory(organisation=world.organisation, employer=world.employer)
    data = read_plan(plan_data("30000", "10000", "10000"))
    for service in (services.plan_save, services.plan_set_as_signed):
        with pytest.raises(ValidationError, match="n'est pas couvert par la convention"):
            service(convention=world.convention, post=stranger, plan=data)
    with pytest.raises(ValidationError, match="n'est pas couvert par la convention"):
        services.plan_preview(convention=world.convention, plan=data, post=stranger)
    assert not FinancingPlan.objects.filter(post=stranger).exists()


def test_the_preview_uses_the_given_post_s_months(world):
    p2 = world.posts[1]
    p2.start_date = date(2026, 9, 1)
    p2.save()
    result = services.plan_preview(
        convention=world.convention, plan=read_plan(plan_data("42000", "14000", "14000")), post=p2
    )
    assert result.year(2026).months == 4
    assert dict(result.year(2026).shares) == {"etat": 4666, "commune": 4666, "cc": D("4668")}


def test_apply_one_plan_to_the_posts_without_one_with_each_post_s_months(world):
    c, (p1, p2, p3) = world.convention, world.posts
    p3.start_date = date(2026, 9, 1)  # 4 months funded in 2026
    p3.save()
    services.plan_save(convention=c, post=p1, plan=read_plan(plan_data("42000", "14000", "14000")))
    saved = services.plan_apply_to_posts(convention=c, post=p1, posts=[p2, p3])
    assert [fp.post for fp in saved] == [p2, p3]
    assert amounts(c, p2) == {"etat": 14000, "commune": 14000, "cc": 14000}
    assert amounts(c, p3) == {"etat": 4666, "commune": 4666, "cc": 4668}
    assert amounts(c) == {"etat": 32666, "commune": 32666, "cc": 32668}


def test_applying_a_plan_over_a_signed_plan_is_refused_and_writes_nothing(world):
    c, (p1, p2, _p3) = world.convention, world.posts
    services.plan_save(convention=c, post=p1, plan=read_plan(plan_data("30000", "10000", "10000")))
    services.plan_save(convention=c, post=p2, plan=read_plan(plan_data("20000", "5000", "5000")))
    send_and_sign(c, world.manager)
    with pytest.raises(ValidationError, match="est signée"):
        services.plan_apply_to_posts(convention=c, post=p1, posts=[p2])
    assert amounts(c, p2) == {"etat": 5000, "commune": 5000, "cc": 10000}


def test_a_schedule_by_year_of_service_saved_in_the_product_is_dated_by_the_convention(world):
    """Issue 14's reading through the services: a convention from 1 September 2026 to 31 August
    2029, its post starting on 1 September 2026, the État at 80/50/30 % by year of service on a
    45 000 € post. The plan states neither dates nor months: plan_save dates it by the
    convention's period and the post's first day of service."""
    c, post = world.convention, world.posts[0]
    c.start_date, c.end_date = date(2026, 9, 1), date(2029, 8, 31)
    c.save()
    post.start_date = date(2026, 9, 1)
    post.save()
    data = {
        "rounding": "down",
        "years": [{"year": y, "annual_cost": "45000"} for y in (2026, 2027, 2028, 2029)],
        "shares": [
            {"party": "etat", "rule": "percent_of_cost", "percent_by_rank": ["80", "50", "30"]},
            {"party": "cc", "rule": "remainder"},
        ],
    }
    services.plan_save(convention=c, post=post, plan=read_plan(data))
    etat = {y: amounts(c, post, y).get("etat") for y in (2026, 2027, 2028, 2029)}
    # 2026: 4 months at 80 %; 2027: 8 at 80 % and 4 at 50 % (70 %); 2028: 8 at 50 % and 4 at
    # 30 %; 2029: 8 months (the convention ends on 31 August) at 30 %.
    assert etat == {2026: 12000, 2027: 31500, 2028: 19500, 2029: 9000}
    cost = {y: sum(amounts(c, post, y).values()) for y in (2026, 2027, 2028, 2029)}
    assert cost == {2026: 15000, 2027: 45000, 2028: 45000, 2029: 30000}


# --------------------------------------------------------------------------- plan page


@pytest.fixture
def manager(client, world):
    client.force_login(world.manager)
    return client


def test_the_plan_page_lists_each_post_and_shows_the_chosen_one(manager, world):
    _three_plans(world)
    url = reverse("conventions:plan", args=[world.convention.reference])
    page = manager.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Postes de la convention" in html
    for post in world.posts:
        assert post.name in html
    assert "?poste=poste-val-2" in html and "?poste=poste-val-3" in html
    assert page.context["plan"].post == world.posts[0]  # the first post by default
    second = manager.get(url + "?poste=poste-val-2")
    assert second.context["plan"].post == world.posts[1]
    assert "Appliquer ce plan aux autres postes" in second.content.decode()
    assert manager.get(url + "?poste=inconnu").status_code == 404


def test_saving_from_the_plan_page_writes_the_chosen_post_s_plan(manager, world):
    import json

    _three_plans(world)
    url = reverse("conventions:plan", args=[world.convention.reference]) + "?poste=poste-val-3"
    data = json.dumps(plan_data("40000", "25000", "5000"))
    response = post_loaded(manager, url, {"mode": "json", "plan": data})
    assert response.status_code == 302 and response["Location"] == url
    assert amounts(world.convention, world.posts[2]) == {
        "etat": 25000,
        "commune": 5000,
        "cc": 10000,
    }
    assert amounts(world.convention, world.posts[0]) == {
        "etat": 15000,
        "commune": 10000,
        "cc": 20000,
    }


def test_the_preview_of_a_post_computes_with_its_months(manager, world):
    import json

    world.posts[1].start_date = date(2026, 9, 1)
    world.posts[1].save()
    url = reverse("conventions:plan_preview", args=[world.convention.reference])
    data = json.dumps(plan_data("42000", "14000", "14000"))
    first = manager.post(url, {"mode": "json", "plan": data})
    second = manager.post(url + "?poste=poste-val-2", {"mode": "json", "plan": data})
    assert first.context["result"].year(2026).months == 12
    assert second.context["result"].year(2026).months == 4


def test_apply_asks_for_a_confirmation_then_copies(manager, world):
    c, (p1, p2, p3) = world.convention, world.posts
    services.plan_save(convention=c, post=p1, plan=read_plan(plan_data("30000", "10000", "5000")))
    services.plan_save(convention=c, post=p3, plan=read_plan(plan_data("40000", "20000", "0")))
    url = reverse("conventions:plan_apply", args=[c.reference]) + "?poste=poste-val-1"
    page = manager.get(url)
    assert page.status_code == 200
    assert [p.pk for p in page.context["targets"]] == [p2.pk]  # posts without a plan
    assert "Je confirme" in page.content.decode()
    refused = manager.post(url, {"cible": "sans_plan"})
    assert refused.status_code == 400
    assert "Cochez la confirmation" in refused.content.decode()
    assert not FinancingPlan.objects.filter(convention=c, post=p2).exists()
    done = manager.post(url, {"cible": "sans_plan", "confirmer": "1"})
    assert done.status_code == 302
    assert amounts(c, p2) == {"etat": 10000, "commune": 5000, "cc": 15000}
    assert amounts(c, p3) == {"etat": 20000, "commune": 0, "cc": 20000}  # kept
    # "tous": the other plans are replaced.
    everyone = manager.get(url + "&cible=tous")
    assert [p.pk for p in everyone.context["replaced"]] == [p2.pk, p3.pk]
    manager.post(url, {"cible": "tous", "confirmer": "1"})
    assert amounts(c, p3) == {"etat": 10000, "commune": 5000, "cc": 15000}


@pytest.mark.parametrize("who", ["partner", "intervenant", "other_organisation", "coordinator"])
def test_plan_pages_of_a_post_are_refused_outside_the_gestionnaire(client, world, who):
    c, (p1, p2, _p3) = world.convention, world.posts
    services.plan_save(convention=c, post=p1, plan=read_plan(plan_data("30000", "10000", "5000")))
    send_and_sign(c, world.manager)  # a partner sees signed conventions only
    users = {
        "partner": UserFactory(
            partenaire=True, party=world.commune, organisation=world.organisation
        ),
        "intervenant": UserFactory(intervenant=True, post=p1, organisation=world.organisation),
        "other_organisation": UserFactory(gestionnaire=True),
        "coordinator": UserFactory(coordinateur=True, organisation=world.organisation),
    }
    expected_get = {
        "partner": 403,
        "intervenant": 403,
        "other_organisation": 404,
        "coordinator": 200,
    }
    client.force_login(users[who])
    plan_url = reverse("conventions:plan", args=[c.reference]) + "?poste=poste-val-2"
    apply_url = reverse("conventions:plan_apply", args=[c.reference]) + "?poste=poste-val-1"
    assert client.get(plan_url).status_code == expected_get[who]
    denied = 404 if who == "other_organisation" else 403
    assert client.get(apply_url).status_code == denied
    before = ShareLine.objects.count()
    assert client.post(apply_url, {"cible": "tous", "confirmer": "1"}).status_code == denied
    assert ShareLine.objects.count() == before
    assert not FinancingPlan.objects.filter(convention=c, post=p2).exists()


# --------------------------------------------------------------------------- pages and PDF


def _signed_two_posts(world):
    c, (p1, p2, p3) = world.convention, world.posts
    c.posts.remove(p3)
    services.plan_save(convention=c, post=p1, plan=read_plan(plan_data("45000", "15000", "10000")))
    services.plan_save(convention=c, post=p2, plan=read_plan(plan_data("30000", "12000", "6000")))
    return send_and_sign(c, world.manager)


def test_the_convention_page_shows_each_post_and_the_total(manager, world):
    c = _signed_two_posts(world)
    response = manager.get(c.get_absolute_url())
    years = response.context["years_by_post"]
    (year,) = years
    assert year.year == 2026
    assert [(g.post.name, g.total) for g in year.posts] == [
        ("Poste ISG n° 1 du Val", 45000),
        ("Poste ISG n° 2 du Val", 30000),
    ]
    assert [(str(p), a) for p, a in year.totals] == [
        ("État", 27000),
        ("Commune de Ville", 16000),
        ("Communauté de communes du Val", 32000),
    ]
    assert year.total == 75000
    html = _text(response)
    assert "Total de la convention" in html and "75 000 €" in html


def _pdf_text(convention) -> str:
    content, _pages = documents.render_pdf(documents.render_html(convention).html)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def test_the_pdf_lists_each_post_and_the_convention_s_total(world):
    c = _signed_two_posts(world)
    table = documents.financing_table(documents._financing(c), [])
    assert [post.name for post in table.posts] == ["Poste ISG n° 1 du Val", "Poste ISG n° 2 du Val"]
    assert [post.totals for post in table.posts] == [(D(45000),), (D(30000),)]
    assert table.totals == (D(75000),)
    assert [row.cells[0].amount for row in table.rows] == [D(27000), D(16000), D(32000)]
    text = _pdf_text(c)
    assert "Poste ISG n° 1 du Val" in text and "Poste : Poste" not in text
    assert "Poste ISG n° 2 du Val" in text
    assert "Total de la convention (2 postes)" in text
    assert "Total 75 000 €" in text
    assert "Coût des postes sur la période 75 000 €" in text
    assert "Total du poste 45 000 €" in text and "Total du poste 30 000 €" in text


def test_a_one_post_convention_s_table_has_no_post_blocks(world):
    c, p1 = world.convention, world.posts[0]
    c.posts.set([p1])
    services.plan_save(convention=c, post=p1, plan=read_plan(plan_data("45000", "15000", "10000")))
    table = documents.financing_table(documents._financing(c), [])
    assert table.posts == () and table.totals == (D(45000),)
    html = documents._financing_table(documents._financing(c), [])
    assert "Poste :" not in html and "Coût du poste sur la période" in html


def test_annual_table_and_partner_pages_list_each_post(client, world):
    c = _signed_two_posts(world)
    table = selectors.annual_table(world.organisation, 2026)
    rows = {row.post.name: row for row in table.rows}
    assert set(rows) == {"Poste ISG n° 1 du Val", "Poste ISG n° 2 du Val"}
    assert rows["Poste ISG n° 1 du Val"].total == 45000
    assert rows["Poste ISG n° 2 du Val"].total == 30000
    assert table.total == 75000
    assert {party.slug: amount for party, amount in table.by_party} == {
        "etat": 27000,
        "commune": 16000,
        "cc": 32000,
    }
    partner = UserFactory(partenaire=True, party=world.commune, organisation=world.organisation)
    client.force_login(partner)
    response = client.get(reverse("financing:my_financing"))
    assert response.status_code == 200
    (year,) = response.context["years"]
    assert sorted((line.post.name, line.amount) for line in year.lines) == [
        ("Poste ISG n° 1 du Val", 10000),
        ("Poste ISG n° 2 du Val", 6000),
    ]
    assert year.due == 16000
    html = _text(response)
    assert "16 000 €" in html and "Poste ISG n° 2 du Val" in html
    # The same convention twice, once per post.
    assert html.count(c.reference) >= 2


# --------------------------------------------------------------------------- drafting, ending


def test_an_avenant_copies_every_post_s_plan_and_changing_one_leaves_the_other(world):
    c = _signed_two_posts(world)
    p1, p2 = world.posts[:2]
    draft = drafting.convention_draft_start(
        organisation=world.organisation, mode="avenant", source=c, reference="VAL2026-AV1"
    ).convention
    assert draft.financing_plans.count() == 2
    assert amounts(draft, p1) == amounts(c, p1) and amounts(draft, p2) == amounts(c, p2)
    services.plan_save(
        convention=draft, post=p2, plan=read_plan(plan_data("30000", "18000", "6000"))
    )
    send_and_sign(draft, world.manager)
    effective = ShareLine.objects.filter(post__in=[p1, p2], year=2026).effective()
    by_post = {
        (line.post_id, line.party.slug): (line.convention.reference, line.amount)
        for line in effective.select_related("party", "convention")
    }
    # Post 2 from the avenant; post 1 keeps its figures (from the avenant's unchanged copy).
    assert by_post[(p2.pk, "etat")] == ("VAL2026-AV1", 18000)
    assert by_post[(p2.pk, "cc")] == ("VAL2026-AV1", 6000)
    assert by_post[(p1.pk, "etat")][1] == 15000 and by_post[(p1.pk, "cc")][1] == 20000
    assert len(by_post) == 6  # each post once


def test_an_avenant_of_one_post_leaves_the_other_post_s_effective_lines(world):
    """An avenant covering only post 2 (post 1 withdrawn from it): post 1's lines stay those
    of the convention."""
    c = _signed_two_posts(world)
    p1, p2 = world.posts[:2]
    draft = drafting.convention_draft_start(
        organisation=world.organisation,
        mode="avenant",
        source=c,
        reference="VAL2026-AV2",
        posts=[p2],
    ).convention
    assert list(draft.financing_plans.values_list("post", flat=True)) == [p2.pk]
    services.plan_save(convention=draft, post=p2, plan=read_plan(plan_data("30000", "20000", "0")))
    send_and_sign(draft, world.manager)
    effective = ShareLine.objects.filter(post__in=[p1, p2], year=2026).effective()
    refs = {
        (line.post_id, line.convention.reference) for line in effective.select_related("convention")
    }
    assert refs == {(p1.pk, "VAL2026-01"), (p2.pk, "VAL2026-AV2")}
    assert amounts(c, p1) == {"etat": 15000, "commune": 10000, "cc": 20000}


def test_a_renewal_copies_every_post_s_plan_moved_to_its_years(world):
    p1, p2 = world.posts[:2]
    # A signed convention of two posts over 2023–2025, then renewed.
    c2 = ConventionFactory(
        organisation=world.organisation,
        reference="VAL2023-01",
        start_date=date(2023, 1, 1),
        end_date=date(2025, 12, 31),
    )
    c2.posts.set([p1, p2])
    _members(c2, world)
    years = (2023, 2024, 2025)
    services.plan_set_as_signed(
        convention=c2, post=p1, plan=read_plan(plan_data("45000", "15000", "10000", years))
    )
    services.plan_set_as_signed(
        convention=c2, post=p2, plan=read_plan(plan_data("30000", "12000", "6000", years))
    )
    started = drafting.convention_draft_start(
        organisation=world.organisation, mode="renouvellement", source=c2, reference="VAL2026-R1"
    )
    assert started.plan_not_copied == ""
    renewal = started.convention
    assert renewal.financing_plans.count() == 2
    for post, figures in ((p1, (15000, 10000, 20000)), (p2, (12000, 6000, 12000))):
        plan = renewal.financing_plans.get(post=post)
        assert sorted(plan.years.values_list("year", flat=True)) == [2026, 2027, 2028]
        assert amounts(renewal, post, 2028) == dict(
            zip(("etat", "commune", "cc"), figures, strict=True)
        )


def test_ending_a_two_post_convention_truncates_every_plan(world, monkeypatch):
    c, (p1, p2, p3) = world.convention, world.posts
    c.posts.remove(p3)
    years = (2026, 2027, 2028)
    services.plan_save(
        convention=c, post=p1, plan=read_plan(plan_data("36000", "12000", "12000", years))
    )
    services.plan_save(
        convention=c, post=p2, plan=read_plan(plan_data("24000", "12000", "0", years))
    )
    c = send_and_sign(c, world.manager)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 1))
    convention_services.convention_terminate(
        convention=c, effective_date=date(2027, 4, 1), reason="Fin du dispositif", by=world.manager
    )
    # 2027: January to March (3 months) of each post's shares; 2028 gone, for both posts.
    assert amounts(c, p1, 2027) == {"etat": 3000, "commune": 3000, "cc": 3000}
    assert amounts(c, p2, 2027) == {"etat": 3000, "commune": 0, "cc": 3000}
    assert amounts(c, None, 2028) == {}
    assert amounts(c, None, 2026) == {"etat": 24000, "commune": 12000, "cc": 24000}


# --------------------------------------------------------------------------- wizard


def test_the_wizard_creates_a_convention_of_three_posts(client, world):
    client.force_login(world.manager)
    page = client.get(reverse("wizard_start") + "?mode=nouvelle")
    html = page.content.decode()
    assert 'type="checkbox" name="post"' in html and "<legend>Postes couverts</legend>" in html
    response = client.post(
        reverse("wizard_start"),
        {
            "mode": "nouvelle",
            "post": [p.pk for p in world.posts],
            "kind": "financement",
            "reference": "VAL2027-03",
            "title": "Convention de trois postes",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "notice_months": 3,
        },
    )
    assert response.status_code == 302
    convention = Convention.objects.get(reference="VAL2027-03")
    assert sorted(convention.posts.values_list("pk", flat=True)) == sorted(
        p.pk for p in world.posts
    )
    plan_page = client.get(reverse("conventions:plan", args=["VAL2027-03"]))
    assert [s["post"] for s in plan_page.context["post_sections"]] == world.posts
    refused = client.post(
        reverse("wizard_start"),
        {
            "mode": "nouvelle",
            "kind": "financement",
            "reference": "VAL2027-04",
            "title": "Sans poste",
            "notice_months": 3,
        },
    )
    assert refused.status_code == 400
    assert "Choisissez le ou les postes couverts" in refused.content.decode()


# --------------------------------------------------------------------------- property


money = st.integers(min_value=0, max_value=200_000).map(D)


@settings(max_examples=60, deadline=None)
@given(
    posts=st.lists(
        st.dictionaries(
            st.sampled_from([1, 2, 3, 4]),
            st.dictionaries(st.sampled_from([2026, 2027, 2028]), money, min_size=1),
            min_size=1,
        ),
        min_size=2,
        max_size=4,
    )
)
def test_the_convention_s_totals_are_the_sum_of_its_posts(posts):
    """Whatever each post's lines (party → year → amount), the table's total rows and columns
    are the sums of the posts' blocks, to the cent."""
    parts = []
    for index, by_party in enumerate(posts):
        financing = documents.Financing()
        for party, by_year in by_party.items():
            financing.names[party] = f"Partie {party}"
            for year, amount in by_year.items():
                financing.amounts[(year, party)] = amount
                if year not in financing.years:
                    financing.years.append(year)
        financing.years.sort()
        parts.append(documents.PostFinancing(f"Poste {index}", financing))
    total = documents._summed([p.financing for p in parts])
    total.posts = parts
    table = documents.financing_table(total, [])
    for column, year in enumerate(table.years):
        assert table.totals[column] == sum(post.totals[column] for post in table.posts)
        for row in table.rows:
            party = next(pk for pk, name in total.names.items() if name == row.name)
            expected = sum((by.get(party, {}).get(year, D(0)) for by in posts), D(0))
            assert (row.cells[column].amount or D(0)) == expected
