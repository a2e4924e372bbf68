"""A new territory's plan typed in the guided editor only (no JSON): a State schedule by the
post's year of service and a share split between two communes by population."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from conventions.models import ConventionStatus
from financing.forms import SPLIT
from financing.models import FinancingPlan
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    PartyFactory,
    PostFactory,
    UserFactory,
)
from tests.financing.test_guided_plan import post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    convention = ConventionFactory(
        status=ConventionStatus.DRAFT,
        text_frozen_at=None,
        start_date=date(2027, 1, 1),
        end_date=date(2029, 12, 31),
    )
    organisation = convention.organisation
    parties = {
        slug: PartyFactory(organisation=organisation, slug=slug, name=name)
        for slug, name in (
            ("etat", "État"),
            ("commune_a", "Commune d'Amont"),
            ("commune_b", "Commune d'Aval"),
            ("cias", "CIAS du Val"),
        )
    }
    for slug in ("etat", "commune_a", "commune_b"):
        ConventionPartyFactory(convention=convention, party=parties[slug])
    ConventionPartyFactory(
        convention=convention, party=parties["cias"], is_employer=True, is_funder=False
    )
    post = PostFactory(
        organisation=organisation, employer=parties["cias"], start_date=date(2026, 9, 1)
    )
    convention.posts.add(post)
    user = UserFactory(gestionnaire=True, organisation=organisation)
    return convention, user


def test_a_new_plan_typed_in_the_guided_editor_only(client, world):
    convention, user = world
    client.force_login(user)
    url = reverse("conventions:plan", args=[convention.reference])
    page = client.get(url)
    guided = page.context["guided"]
    # The convention's funders in fixed amounts to type (no 0), the employer as remainder.
    assert [f.initial["rule"] for f in guided.shares.initial_forms] == [
        "fixed",
        "fixed",
        "fixed",
        "remainder",
    ]
    assert {f.initial["amount"] for f in guided.shares.initial_forms} == {None}
    visible = [
        tag
        for tag in page.content.decode().split("<input")
        if 'type="hidden"' not in tag.split(">")[0]
    ]
    assert not [tag for tag in visible if 'value="0"' in tag.split(">")[0]]
    # A row per year of the convention's period (2027 to 2029), the costs left to type.
    assert [f.initial["year"] for f in guided.years.initial_forms] == [2027, 2028, 2029]
    data = post_data(
        guided,
        version=page.context["version"],
        **{
            "annee-0-annual_cost": "45000",
            "annee-1-annual_cost": "45000",
            "annee-2-annual_cost": "45000",
            "part-0-rule": "percent_of_cost",
            "part-0-by_rank": "80 ; 50 ; 30",
            "part-1-party": SPLIT,
            "part-1-amount": "10000",
            "part-1-split_by": "population",
            "part-1-cle-0-party": "commune_a",
            "part-1-cle-0-key": "12 840",
            "part-1-cle-1-party": "commune_b",
            "part-1-cle-1-key": "2 950",
            "part-2-DELETE": "on",
        },
    )
    # An incomplete save first: refused, nothing written.
    incomplete = client.post(url, {**data, "part-1-cle-1-key": ""})
    assert incomplete.status_code == 400
    assert not FinancingPlan.objects.filter(convention=convention).exists()
    response = client.post(url, data)
    assert response.status_code == 302, response.context["guided"].errors()
    plan = FinancingPlan.objects.get(convention=convention)
    amounts = {
        (line.year, line.party.slug): line.amount for line in plan.lines.select_related("party")
    }
    # In service since 1 September 2026: 2027 is service months 5 to 16, 8 at 80 % and 4 at
    # 50 % = 70 % of 45 000 €; 2028, 8 at 50 % and 4 at 30 %: 43,33 %.
    assert amounts[(2027, "etat")] == D("31500")
    assert amounts[(2028, "etat")] == D("19500")
    # 10 000 € by population: 12 840 / 15 790 → 8 132 €, 2 950 / 15 790 → 1 868 €.
    assert amounts[(2027, "commune_a")] == D("8132")
    assert amounts[(2027, "commune_b")] == D("1868")
    assert amounts[(2027, "cias")] == D("3500")
    assert "first_year" not in plan.data
    # The page and the document state the rules in words.
    html = client.get(url).content.decode()
    assert "80\u00a0% du coût la 1re année de service, 50\u00a0% la 2e, 30\u00a0% ensuite" in html
    assert "au prorata de la population (81,32\u00a0% / 18,68\u00a0%)" in html


@pytest.mark.parametrize(
    ("start", "end", "years"),
    [
        (date(2027, 1, 1), date(2027, 12, 31), [2027]),
        (date(2027, 9, 1), date(2029, 8, 31), [2027, 2028, 2029]),
        (date(2027, 1, 1), None, [2027]),  # no end: the first year alone
        (date(2027, 1, 1), date(2060, 12, 31), [2027]),  # implausibly long: the first year
    ],
)
def test_a_new_plan_offers_a_row_per_year_of_the_period(client, start, end, years):
    convention = ConventionFactory(
        status=ConventionStatus.DRAFT, text_frozen_at=None, start_date=start, end_date=end
    )
    client.force_login(UserFactory(gestionnaire=True, organisation=convention.organisation))
    page = client.get(reverse("conventions:plan", args=[convention.reference]))
    guided = page.context["guided"]
    assert [f.initial["year"] for f in guided.years.initial_forms] == years
    assert {f.initial["annual_cost"] for f in guided.years.initial_forms} <= {None, D(0)}
