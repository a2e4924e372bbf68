"""Writes on financing (no demo data: small factories, fast)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from conventions.models import ConventionStatus, PostAbsence
from financing import engine, services
from financing.engine import read_plan
from financing.models import FinancingPlan, PlanYear, ShareLine
from tests.factories import (
    ConventionFactory,
    OrganisationFactory,
    PartyFactory,
    PaymentFactory,
    PostFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    organisation = OrganisationFactory()
    etat = PartyFactory(organisation=organisation, slug="etat", kind="etat", name="État")
    departement = PartyFactory(
        organisation=organisation, slug="departement", kind="departement", name="Département"
    )
    epci = PartyFactory(organisation=organisation, slug="epci", name="CC du Ternois")
    post = PostFactory(organisation=organisation, employer=epci, start_date=None)
    draft = ConventionFactory(organisation=organisation, draft=True)
    draft.posts.set([post])
    signed = ConventionFactory(organisation=organisation, status=ConventionStatus.SIGNED)
    signed.posts.set([post])
    return {
        "organisation": organisation,
        "etat": etat,
        "departement": departement,
        "epci": epci,
        "post": post,
        "draft": draft,
        "signed": signed,
    }


def plan_data(cost="43000", etat="14333", departement="14333", **year_extra) -> dict:
    return {
        "rounding": "down",
        "years": [{"year": 2023, "annual_cost": cost, **year_extra}],
        "shares": [
            {"party": "etat", "rule": "fixed", "amount": etat},
            {"party": "departement", "rule": "fixed", "amount": departement},
            {"party": "epci", "rule": "remainder"},
        ],
    }


def amounts(plan: FinancingPlan, year: int = 2023) -> dict[str, Decimal]:
    return {
        line.party.slug: line.amount
        for line in plan.lines.filter(year=year).select_related("party")
    }


def snapshot(plan: FinancingPlan) -> tuple:
    plan.refresh_from_db()
    return (
        plan.data,
        sorted(plan.lines.values_list("year", "party__slug", "amount", "as_written")),
        sorted(plan.years.values_list("year", "months", "cost")),
        plan.history.count(),
        ShareLine.history.count(),
    )


def test_plan_save_on_a_draft_stores_the_computed_lines(world):
    plan = services.plan_save(
        convention=world["draft"], post=world["post"], plan=read_plan(plan_data())
    )
    assert amounts(plan) == {"etat": 14333, "departement": 14333, "epci": 14334}
    line = plan.lines.get(party__slug="epci")
    assert line.is_remainder and line.is_employer
    assert not plan.lines.get(party__slug="etat").is_employer
    assert plan.years.get().cost == 43000
    assert plan.computed_at is not None


def test_saving_a_draft_again_recomputes_and_history_records_the_change(world):
    plan = services.plan_save(
        convention=world["draft"], post=world["post"], plan=read_plan(plan_data())
    )
    plan_history = plan.history.count()
    etat_line = plan.lines.get(party__slug="etat")
    line_history = etat_line.history.count()

    services.plan_save(
        convention=world["draft"],
        post=world["post"],
        plan=read_plan(plan_data(cost="45000", etat="15000")),
    )

    plan.refresh_from_db()
    assert amounts(plan) == {"etat": 15000, "departement": 14333, "epci": 15667}
    assert plan.years.get().cost == 45000
    assert plan.history.count() > plan_history
    assert plan.history.first().data["years"][0]["annual_cost"] == "45000"
    etat_line.refresh_from_db()
    assert etat_line.pk == plan.lines.get(party__slug="etat").pk  # updated, not replaced
    assert etat_line.history.count() == line_history + 1
    assert etat_line.history.first().amount == 15000
    assert etat_line.history.all()[1].amount == 14333


def test_saving_an_unchanged_plan_writes_nothing(world):
    plan = services.plan_save(
        convention=world["draft"], post=world["post"], plan=read_plan(plan_data())
    )
    before = snapshot(plan)
    services.plan_save(convention=world["draft"], post=world["post"], plan=read_plan(plan_data()))
    assert snapshot(plan) == before


def test_plan_save_on_a_signed_convention_is_refused_and_changes_nothing(world):
    plan = services.plan_set_as_signed(
        convention=world["signed"], post=world["post"], plan=read_plan(plan_data())
    )
    before = snapshot(plan)
    with pytest.raises(services.PlanLocked) as error:
        services.plan_save(
            convention=world["signed"], post=world["post"], plan=read_plan(plan_data(etat="20000"))
        )
    assert error.value.messages == [
        f"La convention {world['signed'].reference} est signée : son plan de financement ne "
        "peut plus changer. Rédigez un avenant."
    ]
    assert snapshot(plan) == before


def test_plan_set_as_signed_records_a_signed_act_and_is_idempotent(world):
    plan = services.plan_set_as_signed(
        convention=world["signed"],
        post=world["post"],
        plan=read_plan(plan_data()),
        notes="Remarque.",
    )
    assert plan.is_locked
    assert plan.notes == "Remarque."
    before = snapshot(plan)
    services.plan_set_as_signed(
        convention=world["signed"],
        post=world["post"],
        plan=read_plan(plan_data()),
        notes="Remarque.",
    )
    assert snapshot(plan) == before
    services.plan_set_as_signed(
        convention=world["signed"], post=world["post"], plan=read_plan(plan_data(etat="15000"))
    )
    assert amounts(plan)["etat"] == 15000


def test_an_invalid_plan_is_refused_with_the_engine_message_and_writes_nothing(world):
    plan = services.plan_save(
        convention=world["draft"], post=world["post"], plan=read_plan(plan_data())
    )
    before = snapshot(plan)
    with pytest.raises(ValidationError) as error:
        services.plan_save(
            convention=world["draft"], post=world["post"], plan=read_plan(plan_data(etat="40000"))
        )
    assert "le reste à charge serait négatif" in error.value.messages[0]
    assert snapshot(plan) == before


def test_a_plan_naming_an_unknown_party_is_refused_in_french(world):
    data = {**plan_data(), "shares": [{"party": "inconnue", "rule": "remainder"}]}
    with pytest.raises(ValidationError) as error:
        services.plan_save(convention=world["draft"], post=world["post"], plan=read_plan(data))
    assert "inconnue" in " ".join(error.value.messages)
    assert not FinancingPlan.objects.exists()
    assert not ShareLine.objects.exists()


def test_a_post_outside_the_convention_is_refused(world):
    other = PostFactory(organisation=world["organisation"], employer=world["epci"])
    with pytest.raises(ValidationError, match="n'est pas couvert par la convention"):
        services.plan_save(convention=world["draft"], post=other, plan=read_plan(plan_data()))


def test_months_come_from_the_post_start_and_absences(world):
    post = world["post"]
    post.start_date = date(2023, 9, 1)
    post.save()
    plan = services.plan_save(
        convention=world["draft"],
        post=post,
        plan=read_plan(plan_data(cost="42000", etat="14000", departement="14000")),
    )
    assert plan.years.get().months == 4
    assert amounts(plan) == {"etat": 4666, "departement": 4666, "epci": 4668}

    post.start_date = None
    post.save()
    PostAbsence.objects.create(post=post, start=date(2023, 6, 1), reason="Absence")
    services.plan_recompute(plan)
    assert plan.years.get().months == 5
    # 14 000 × 5/12 = 5 833.33 → 5 833; cost 17 500.
    assert amounts(plan) == {"etat": 5833, "departement": 5833, "epci": 5834}


def test_months_by_hand_keep_the_plan_months(world):
    post = world["post"]
    post.start_date = date(2023, 9, 1)
    post.save()
    plan = services.plan_save(
        convention=world["draft"],
        post=post,
        plan=read_plan(plan_data(months=6)),
        months_by_hand=True,
    )
    assert plan.years.get().months == 6


def test_actual_cost_set_recomputes_and_returns_each_difference(world):
    plan = services.plan_save(
        convention=world["draft"],
        post=world["post"],
        plan=read_plan(
            {
                "years": [{"year": 2023, "annual_cost": "40000"}],
                "shares": [
                    {"party": "etat", "rule": "percent_of_cost", "percent": "50"},
                    {"party": "departement", "rule": "fixed", "amount": "10000"},
                    {"party": "epci", "rule": "remainder"},
                ],
            }
        ),
    )
    plan_year = plan.years.get(year=2023)
    differences = services.actual_cost_set(plan_year=plan_year, actual_cost=Decimal("36000"))
    assert differences == {"etat": 2000, "departement": 0, "epci": 2000}
    plan_year.refresh_from_db()
    assert plan_year.actual_cost == 36000
    actual = dict(plan.lines.values_list("party__slug", "actual_amount"))
    assert actual == {"etat": 18000, "departement": 10000, "epci": 8000}
    # Planned amounts are kept: the difference is what the subsidy is reduced by.
    assert amounts(plan) == {"etat": 20000, "departement": 10000, "epci": 10000}


def test_actual_cost_below_the_fixed_shares_is_refused(world):
    plan = services.plan_save(
        convention=world["draft"], post=world["post"], plan=read_plan(plan_data())
    )
    plan_year = plan.years.get()
    with pytest.raises(ValidationError, match="reste à charge serait négatif"):
        services.actual_cost_set(plan_year=plan_year, actual_cost=Decimal("20000"))
    with pytest.raises(ValidationError, match="négatif"):
        services.actual_cost_set(plan_year=plan_year, actual_cost=Decimal("-1"))
    plan_year.refresh_from_db()
    assert plan_year.actual_cost is None
    assert not plan.lines.filter(actual_amount__isnull=False).exists()


def test_actual_amounts_follow_a_later_change_of_the_plan(world):
    plan = services.plan_save(
        convention=world["draft"], post=world["post"], plan=read_plan(plan_data())
    )
    services.actual_cost_set(plan_year=plan.years.get(), actual_cost=Decimal("40000"))
    services.plan_save(
        convention=world["draft"], post=world["post"], plan=read_plan(plan_data(etat="10000"))
    )
    actual = dict(plan.lines.values_list("party__slug", "actual_amount"))
    assert actual == {"etat": 10000, "departement": 14333, "epci": 15667}


def test_a_line_with_payments_cannot_be_dropped(world):
    plan = services.plan_save(
        convention=world["draft"], post=world["post"], plan=read_plan(plan_data())
    )
    PaymentFactory(share_line=plan.lines.get(party__slug="departement"))
    data = plan_data()
    data["shares"] = [data["shares"][0], data["shares"][2]]
    with pytest.raises(ValidationError, match="titres ou versements"):
        services.plan_save(convention=world["draft"], post=world["post"], plan=read_plan(data))
    assert plan.lines.filter(party__slug="departement").exists()


def test_dropping_a_year_deletes_its_rows(world):
    data = plan_data()
    data["years"].append({"year": 2024, "annual_cost": "43000"})
    plan = services.plan_save(convention=world["draft"], post=world["post"], plan=read_plan(data))
    assert sorted(plan.years.values_list("year", flat=True)) == [2023, 2024]
    services.plan_save(convention=world["draft"], post=world["post"], plan=read_plan(plan_data()))
    assert list(plan.years.values_list("year", flat=True)) == [2023]
    assert set(plan.lines.values_list("year", flat=True)) == {2023}
    assert PlanYear.objects.count() == 1


def test_as_written_is_stored_with_its_gap(world):
    plan = services.plan_save(
        convention=world["draft"],
        post=world["post"],
        plan=read_plan(plan_data(as_written={"epci": "14333", "etat": "14333"})),
    )
    line = plan.lines.get(party__slug="epci")
    assert line.as_written == 14333
    assert line.gap == -1
    assert plan.lines.get(party__slug="etat").gap == 0
    assert plan.lines.get(party__slug="departement").as_written is None


def test_preview_computes_with_the_post_months_and_saves_nothing(world):
    post = world["post"]
    post.start_date = date(2023, 9, 1)
    post.save()
    result = services.plan_preview(
        convention=world["draft"],
        post=post,
        plan=read_plan(plan_data(cost="42000", etat="14000", departement="14000")),
    )
    assert dict(result.year(2023).shares) == {"etat": 4666, "departement": 4666, "epci": 4668}
    assert not FinancingPlan.objects.exists()


def test_the_plan_is_stored_in_its_json_form_and_read_back_typed(world):
    typed = read_plan(plan_data(months=4))
    plan = services.plan_save(
        convention=world["draft"], post=world["post"], plan=typed, months_by_hand=True
    )
    plan.refresh_from_db()
    assert plan.data["years"] == [{"year": 2023, "annual_cost": "43000", "months": 4}]
    assert plan.get_plan() == typed


def test_a_save_computes_the_plan_once(world, monkeypatch):
    calls = []
    real = engine.compute_plan
    monkeypatch.setattr(engine, "compute_plan", lambda plan: calls.append(plan) or real(plan))
    services.plan_save(convention=world["draft"], post=world["post"], plan=read_plan(plan_data()))
    assert len(calls) == 1
