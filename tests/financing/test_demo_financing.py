"""The demo financing: every Annexe 2 figure of the Pas-de-Calais, the budget-line check, and
the plans of Quimper, Dijon and Aubervilliers, as ``load_demo`` records them.

The demo is the shared one (``demo_data``, tests/conftest.py); each test runs in its own
savepoint as usual.
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from conventions.models import Convention
from demo import plans as demo_plans
from financing import selectors
from financing.models import BudgetLine, FinancingPlan, PlanYear, ShareLine
from iscg.models import Organisation

DEMO_DATA = Path(__file__).resolve().parents[2] / "demo" / "data"
PAS_DE_CALAIS = json.loads((DEMO_DATA / "pas_de_calais_2023.json").read_text(encoding="utf-8"))
ANNEXE2 = PAS_DE_CALAIS["financing_2023"]
ANNEXE2_ROWS = {row["post"]: row for group in ANNEXE2["groups"] for row in group["rows"]}
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def D(value) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
def pas_de_calais():
    return Organisation.objects.get(slug="pas-de-calais")


@pytest.fixture
def table_2023(pas_de_calais):
    return selectors.annual_table(pas_de_calais, 2023)


def rows_by_post(table) -> dict:
    """Annexe 2 lists what the deliberation approves: the signed acts (rows, due) and the one it
    authorises to sign (A13, awaiting signature in the demo: prévisionnel)."""
    return {row.post.slug: row for row in table.rows + table.forecast}


def cells_by_party(row) -> dict:
    return {cell.party.slug: cell for cell in row.cells}


def lines(reference: str, year: int) -> dict[str, Decimal]:
    return dict(
        ShareLine.objects.filter(convention__reference=reference, year=year).values_list(
            "party__slug", "amount"
        )
    )


# --------------------------------------------------------------------------- all plans


def test_every_demo_convention_with_financing_has_a_plan():
    references = set(FinancingPlan.objects.values_list("convention__reference", flat=True))
    sources = {f"PDC2023-A{annex:02d}" for annex in range(3, 18)} | {
        "QUIMPER2023",
        "DIJON2022",
        "AUBERVILLIERS2013",
    }
    # Beside the sources' plans: the illustrative avenant and the draft renewal (demo.py).
    assert references == sources | {"DIJON2022-AV1", "PDC2024-A10"}
    # One plan per post: Aubervilliers' convention covers two posts.
    assert len(demo_plans.demo_plans()) == len(sources) + 1


def test_stored_shares_add_up_to_each_year_cost():
    for plan_year in PlanYear.objects.select_related("plan"):
        total = sum(
            plan_year.plan.lines.filter(year=plan_year.year).values_list("amount", flat=True)
        )
        assert total == plan_year.cost, plan_year
    assert not ShareLine.objects.filter(amount__lt=0).exists()


def test_signed_conventions_keep_their_status_and_their_plan_is_locked():
    plan = FinancingPlan.objects.get(convention__reference="PDC2023-A08")
    assert plan.convention.status == "signee"
    assert plan.is_locked
    # "À signer": the plan is frozen with the text sent to signature.
    assert FinancingPlan.objects.get(convention__reference="PDC2023-A13").is_locked


def test_loading_again_changes_nothing():
    models = (FinancingPlan, PlanYear, ShareLine, BudgetLine)
    pks = {model: set(model.objects.values_list("pk", flat=True)) for model in models}
    history = {model: model.history.count() for model in models}
    amounts = sorted(ShareLine.objects.values_list("pk", "amount", "as_written"))

    demo_plans.load_plans()

    assert {model: set(model.objects.values_list("pk", flat=True)) for model in models} == pks
    assert {model: model.history.count() for model in models} == history
    assert sorted(ShareLine.objects.values_list("pk", "amount", "as_written")) == amounts


def test_loading_restores_a_changed_plan():
    line = ShareLine.objects.get(
        convention__reference="PDC2023-A08", year=2023, party__slug="etat_62"
    )
    line.amount = 1
    line.save()
    plan = line.plan
    plan.data = {**plan.data, "rounding": "half_up"}
    plan.save()

    demo_plans.load_plans()

    line.refresh_from_db()
    plan.refresh_from_db()
    assert line.amount == 14333
    assert plan.data["rounding"] == "down"


# --------------------------------------------------------------------------- Pas-de-Calais 2023


def test_budget_line_check_2023(table_2023):
    budget = table_2023.budget
    line = budget.line
    decided = PAS_DE_CALAIS["decision"]["budget_line"]
    assert line.imputation == decided["in_decision_article_27"]["imputation"] == "6568//934213"
    assert line.operation_code == "C02-421K01 EPF"
    assert line.credits == decided["in_rapport"]["cp"] == 172500
    assert line.available == decided["in_rapport"]["disponible"] == 149800
    # The deliberation proposes what is signed and what it authorises to sign (A13, awaiting
    # signature: 4 666 €): only the signed part is due, the rest is prévisionnel.
    assert budget.proposed == 123687 - 4666
    assert budget.forecast == 4666
    assert budget.proposed_with_forecast == decided["in_rapport"]["proposition"] == 123687
    assert budget.balance_with_forecast == decided["in_rapport"]["solde"] == 26113
    assert budget.balance == 26113 + 4666


def test_every_annexe2_amount_row_by_row(table_2023):
    """Each amount Annexe 2 writes is stored as written; it is also the computed amount except
    where the written amounts exceed the known cost (Boulogne +915, Le Portel +1 065: the
    employer's remainder then shows the gap)."""
    rows = rows_by_post(table_2023)
    assert set(rows) == set(ANNEXE2_ROWS)
    assert len(table_2023.rows) == 12
    assert [row.convention.reference for row in table_2023.forecast] == ["PDC2023-A13"]
    for post, source in ANNEXE2_ROWS.items():
        row = rows[post]
        assert row.employer.slug == source["employer"]
        cells = cells_by_party(row)
        for financer in source["financers"]:
            cell = cells[financer["party"]]
            if financer["amount"] == "reste_a_charge":
                assert cell.is_remainder and cell.is_employer, (post, financer)
                continue
            assert cell.as_written == financer["amount"], (post, financer)
            if cell.gap:
                assert cell.is_remainder, (post, financer)
                excess = source["sum_of_amounts"] - source["convention_cost_estimate"]
                assert row.written_gap == excess, post
            else:
                assert cell.amount == financer["amount"], (post, financer)
        assert row.total == row.cost, post
        if source.get("convention_cost_estimate") and not source.get("proration"):
            assert row.cost == source["convention_cost_estimate"], post


def test_the_gaps_are_those_of_the_sources(table_2023):
    rows = rows_by_post(table_2023)
    gaps = {
        (post, cell.party.slug): cell.gap
        for post, row in rows.items()
        for cell in row.cells
        if cell.gap
    }
    assert gaps == {
        ("isc_boulonnais", "departement_62"): 915,
        ("isg_boulonnais", "departement_62"): 1065,
        ("isg_osartis_marquion", "epci_cc_osartis_marquion"): -2,
    }


def test_annexe2_totals(table_2023):
    totals = ANNEXE2["totals_computed"]
    by_party = {party.slug: amount for party, amount in table_2023.by_party}
    # Due: the signed acts only; A13 (awaiting signature) is prévisionnel.
    assert by_party["etat_62"] == totals["etat_fipd"] - 4666 == 182944 - 4666
    written = {}
    for row in table_2023.rows + table_2023.forecast:
        for cell in row.cells:
            amount = cell.as_written if cell.as_written is not None else cell.amount
            written[cell.party.slug] = written.get(cell.party.slug, 0) + amount
    assert written["departement_62"] == totals["departement_all"] == 184935
    departement_own_written = sum(
        cells_by_party(row)["departement_62"].as_written
        for row in table_2023.rows
        if row.employer.slug == "departement_62"
    )
    assert departement_own_written == totals["departement_own_posts"] == 61248
    # Computed, the Département's own posts cost it the written amounts less their gaps.
    assert table_2023.budget.own_posts == 61248 - 915 - 1065


def test_bethune_2023_and_2022():
    assert PlanYear.objects.get(plan__convention__reference="PDC2023-A03", year=2023).cost == 52510
    assert lines("PDC2023-A03", 2023) == {
        "etat_62": 17500,
        "epci_ca_bethune_bruay": 17500,
        "departement_62": 17510,
    }
    assert lines("PDC2023-A03", 2022) == dict.fromkeys(
        ("etat_62", "epci_ca_bethune_bruay", "departement_62"), D(14900)
    )


def test_osartis_marquion_prorated_from_first_of_september():
    plan_year = PlanYear.objects.get(plan__convention__reference="PDC2023-A13", year=2023)
    assert plan_year.months == 4
    assert plan_year.cost == 14000
    assert lines("PDC2023-A13", 2023) == {
        "etat_62": 4666,
        "departement_62": 4666,
        "epci_cc_osartis_marquion": 4668,
    }


def test_boulonnais_2022_prorated_by_the_absence_from_june():
    """The rapport announces titres prorated by the months of absence without a figure; annexe 4
    restates the full amounts, kept as written beside the 5 months computed."""
    plan_year = PlanYear.objects.get(plan__convention__reference="PDC2023-A04", year=2022)
    assert plan_year.months == 5
    written = dict(
        ShareLine.objects.filter(convention__reference="PDC2023-A04", year=2022).values_list(
            "party__slug", "as_written"
        )
    )
    assert written == {"etat_62": 20045, "epci_ca_boulonnais": 20045, "departement_62": 20960}
    assert lines("PDC2023-A04", 2022) == {
        "etat_62": 8352,  # 20 045 × 5/12 = 8 352.08
        "epci_ca_boulonnais": 8352,
        "departement_62": D("8352.25"),  # 60 135 × 5/12 = 25 056.25, less the two shares
    }
    # 2023 (absent all year in the data): the deliberation budgets the full year.
    assert PlanYear.objects.get(plan__convention__reference="PDC2023-A04", year=2023).months == 12


def test_cab_subsidies_are_listed_apart_with_their_gap(table_2023):
    subsidies = {
        s.row.convention.reference: [
            (c.party.slug, c.amount, main, gap) for c, main, gap in s.comparisons
        ]
        for s in table_2023.subsidies
    }
    assert subsidies == {
        "PDC2023-A06": [("epci_ca_boulonnais", 9444, 22409, -12965)],
        "PDC2023-A07": [("epci_ca_boulonnais", 3474, 6449, -2975)],
    }
    by_party = {party.slug: amount for party, amount in table_2023.by_party}
    assert by_party["epci_ca_boulonnais"] == 22409 + 6449  # not counted twice
    assert lines("PDC2023-A06", 2023) == {"epci_ca_boulonnais": 9444, "departement_62": 0}


def test_split_shares_of_the_france_victimes_posts():
    assert lines("PDC2023-A16", 2023) == {
        "etat_62": 11853,
        "departement_62": 11853,
        "epci_ca_pays_saint_omer": 9639,
        "epci_cc_pays_lumbres": 2214,
        "assoc_france_victimes_62": 0,
    }
    # Calais/Saint-Omer: the EPCI third as written is one euro short: the employer bears it.
    assert lines("PDC2023-A15", 2023)["assoc_france_victimes_62"] == 1


# --------------------------------------------------------------------------- the other cases


def test_quimper_state_degressive_by_rank_and_remainder_keys():
    plan = FinancingPlan.objects.get(convention__reference="QUIMPER2023")
    assert plan.data["first_year"] == 2024
    assert plan.is_locked  # "à signer": frozen with its text
    cost = D(45000)
    for year, state_pct in zip(range(2024, 2028), (80, 50, 30, 33), strict=True):
        state = cost * state_pct / 100
        left = cost - state
        assert lines("QUIMPER2023", year) == {
            "etat_29": state,
            "commune_quimper": left * D("0.4"),
            "commune_concarneau": left * D("0.2"),
            "commune_ergue_gaberic": left * D("0.1"),
            "departement_29": left * D("0.3"),
        }, year


def test_dijon_state_percent_by_calendar_year():
    months = dict(
        PlanYear.objects.filter(plan__convention__reference="DIJON2022").values_list(
            "year", "months"
        )
    )
    assert months == {2022: 9, 2023: 12, 2024: 12}  # post created on 31 March 2022
    assert lines("DIJON2022", 2022) == {"etat_21": 24000, "ccas_dijon": 6000}
    assert lines("DIJON2022", 2023) == {"etat_21": 20400, "ccas_dijon": 20400}
    assert lines("DIJON2022", 2024) == {"etat_21": 12484, "ccas_dijon": 29132}
    assert Convention.objects.get(reference="DIJON2022").financing_plans.get().is_locked


def _post_lines(reference: str, post: str, year: int) -> dict[str, Decimal]:
    return dict(
        ShareLine.objects.filter(
            convention__reference=reference, post__slug=post, year=year
        ).values_list("party__slug", "amount")
    )


def test_aubervilliers_half_time_post_prorated_by_months():
    plan = FinancingPlan.objects.get(
        convention__reference="AUBERVILLIERS2013", post__slug="isc_aubervilliers_2"
    )
    plan_year = plan.years.get()
    assert (plan_year.year, plan_year.months, plan_year.cost) == (2013, 3, 6000)
    assert _post_lines("AUBERVILLIERS2013", "isc_aubervilliers_2", 2013) == {
        "etat_93": 4500,
        "commune_aubervilliers": 1500,
    }


def test_aubervilliers_full_time_post_has_its_own_plan():
    """The FIPD's 40 000 € for the full-time post (in office since 2009: 12 months in 2013),
    cost 48 000 € assumed; the commune takes the remainder."""
    plan = FinancingPlan.objects.get(
        convention__reference="AUBERVILLIERS2013", post__slug="isc_aubervilliers_1"
    )
    plan_year = plan.years.get()
    assert (plan_year.year, plan_year.months, plan_year.cost) == (2013, 12, 48000)
    assert _post_lines("AUBERVILLIERS2013", "isc_aubervilliers_1", 2013) == {
        "etat_93": 40000,
        "commune_aubervilliers": 8000,
    }
    assert "48 000 €/an retenus par hypothèse" in plan.notes
    # The convention's total over its two posts.
    assert ShareLine.objects.filter(convention__reference="AUBERVILLIERS2013").count() == 4
    totals = {}
    for party, amount in ShareLine.objects.filter(
        convention__reference="AUBERVILLIERS2013", year=2013
    ).values_list("party__slug", "amount"):
        totals[party] = totals.get(party, 0) + amount
    assert totals == {"etat_93": 44500, "commune_aubervilliers": 9500}
