"""The guided editor covers every rule the engine has: each demo plan and each plan the seeds
state by their rules goes through the forms and comes back the same plan, with the same
figures; splits, schedules by year of service and the residue are entered and refused in
French. No database: the forms and the engine only."""

import json
from pathlib import Path

import pytest

from demo.plans import demo_plans
from financing.engine import compute_plan, plan_parties, plan_to_dict, read_plan, result_to_dict
from financing.forms import SPLIT, GuidedPlan
from tests.financing.test_guided_plan import post_data

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
DEMO_DATA = Path(__file__).resolve().parents[2] / "demo" / "data"


def source(name: str) -> dict:
    """A seed of ../shared/reference (the demo's copy when the worktree has no sibling)."""
    path = REFERENCE / name if (REFERENCE / name).exists() else DEMO_DATA / name
    return json.loads(path.read_text(encoding="utf-8"))


def parties_of(plan) -> list[tuple[str, str]]:
    return [(slug, slug.replace("_", " ")) for slug in plan_parties(plan)]


def round_trip(data: dict, **changes) -> GuidedPlan:
    """The plan shown in the guided editor, posted back (with ``changes``), read again."""
    previous = read_plan(data)
    parties = parties_of(previous)
    by_hand = any(year.months is not None for year in previous.years)
    shown = GuidedPlan(parties=parties, previous=previous, months_by_hand=by_hand)
    return GuidedPlan(parties=parties, previous=previous, data=post_data(shown, **changes))


def seed_plans() -> dict[str, dict]:
    """Plans the seeds state by their rules (not only the amounts they write)."""
    quimper = source("quimper_2023.json")["financing"]
    ranks = [str(step["state_pct"]) for step in quimper["state_schedule_validated_2023"]]
    remainder = [
        {"party": s["party"], "rule": "percent_of_remainder", "percent": str(s["pct_of_remainder"])}
        for s in quimper["remainder_split"]["shares"]
    ]
    dijon = source("dijon_2022.json")["financing"]
    pdc = {c["annex"]: c for c in source("pas_de_calais_2023.json")["conventions"]}
    plans = {
        "Quimper : 80/50/30/33 % selon l'année de service, le reste en pourcentages": {
            "rounding": "down",
            "service_start": "2024-01-01",
            "years": [{"year": y, "annual_cost": "47351"} for y in range(2024, 2028)],
            "shares": [
                {"party": "etat_29", "rule": "percent_of_cost", "percent_by_rank": ranks},
                *remainder,
                {"party": "departement_29", "rule": "remainder"},
            ],
        },
        "Dijon : pourcentage du coût par année": {
            "rounding": "down",
            "years": [
                {"year": p["year"], "annual_cost": "41616"} for p in dijon["state_percentages"]
            ],
            "shares": [
                {
                    "party": "etat_21",
                    "rule": "percent_of_cost",
                    "percent_by_year": {
                        str(p["year"]): str(p["state_pct"]) for p in dijon["state_percentages"]
                    },
                },
                {"party": "ccas_dijon", "rule": "remainder"},
            ],
        },
        "Nouveau territoire : 80 % État, 20 % entre cinq communautés, les arrondis à l'État": {
            "rounding": "down",
            "residue": "etat",
            "start": "2010-03-15",
            "end": "2013-03-14",
            "years": [{"year": y, "annual_cost": "45000"} for y in range(2010, 2014)],
            "shares": [
                {"party": "etat", "rule": "percent_of_cost", "percent": "80"},
                {
                    "split": [{"party": f"cc_{n}", "key": "1"} for n in range(1, 6)],
                    "rule": "percent_of_cost",
                    "percent": "20",
                },
            ],
        },
        "Nouveau territoire : deux communes au prorata de la population, un plafond": {
            "rounding": "half_up",
            "years": [
                {"year": 2027, "annual_cost": "50000"},
                {"year": 2028, "annual_cost": "51000"},
            ],
            "shares": [
                {"party": "etat", "rule": "percent_of_cost", "percent": "50", "cap": "24000"},
                {
                    "split": [
                        {"party": "commune_a", "key": "12840"},
                        {"party": "commune_b", "key": "2950"},
                    ],
                    "split_by": "population",
                    "rule": "fixed",
                    "amount_by_year": {"2027": "10000", "2028": "10500"},
                },
                {"party": "employeur", "rule": "remainder"},
            ],
        },
    }
    for annex in (15, 16, 17):
        financing = pdc[annex]["financing"]
        epcis = [s for s in financing["split"] if "pct_of_epci_third" in s]
        plans[f"Pas-de-Calais, annexe {annex} : tiers des EPCI au prorata des habitants"] = {
            "rounding": "down",
            "years": [{"year": 2023, "annual_cost": "36660"}],
            "shares": [
                {"party": "etat_62", "rule": "fixed", "amount": "12220"},
                {"party": "departement_62", "rule": "fixed", "amount": "12220"},
                {
                    "split": [{"party": s["party"], "key": s["pct_of_epci_third"]} for s in epcis],
                    "split_by": "percent",
                    "rule": "fixed",
                    "amount": "12220",
                },
                {"party": "assoc_france_victimes_62", "rule": "remainder"},
            ],
        }
    return plans


DEMO = {f"{p.reference} {p.post}": p.data for p in demo_plans()}
SEEDS = seed_plans()


@pytest.mark.parametrize("data", [*DEMO.values(), *SEEDS.values()], ids=[*DEMO, *SEEDS])
def test_every_demo_and_seed_plan_goes_through_the_guided_editor_unchanged(data):
    guided = round_trip(data)
    assert guided.is_valid(), guided.errors()
    plan = guided.plan()
    original = read_plan(data)
    assert plan == original  # field by field: 21.20 and 21.2 are the same key
    assert result_to_dict(compute_plan(plan)) == result_to_dict(compute_plan(original))


def test_the_demo_uses_splits_and_schedules_the_editor_now_shows():
    shown = GuidedPlan(
        parties=parties_of(read_plan(DEMO["PDC2023-A16 iscg_audomarois"])),
        previous=read_plan(DEMO["PDC2023-A16 iscg_audomarois"]),
    )
    split = shown.shares.forms[2]
    assert split.initial["party"] == SPLIT
    assert split.initial["split_by"] == "percent"
    assert [f.initial for f in split.split.initial_forms] == [
        {"party": "epci_ca_pays_saint_omer", "key": "81.32"},
        {"party": "epci_cc_pays_lumbres", "key": "18.68"},
    ]
    quimper = read_plan(DEMO["QUIMPER2023 isc_quimper_concarneau"])
    shown = GuidedPlan(parties=parties_of(quimper), previous=quimper)
    assert shown.shares.forms[0].initial["by_rank"] == "80 ; 50 ; 30 ; 33"
    equal = read_plan(DEMO["PDC2023-A05 isg_boulonnais"])
    shown = GuidedPlan(parties=parties_of(equal), previous=equal)
    assert shown.shares.forms[1].initial["split_by"] == ""  # « À parts égales »
    # An equal split shows no key to type.
    assert {f.initial["key"] for f in shown.shares.forms[1].split.initial_forms} == {""}


BASE = {
    "rounding": "down",
    "years": [{"year": 2027, "annual_cost": "45000"}],
    "shares": [
        {"party": "etat", "rule": "fixed", "amount": "15000"},
        {"party": "commune_a", "rule": "fixed", "amount": "5000"},
        {"party": "commune_b", "rule": "fixed", "amount": "5000"},
        {"party": "employeur", "rule": "remainder"},
    ],
}


def test_a_split_by_population_typed_in_the_form_the_french_way():
    guided = round_trip(
        BASE,
        **{
            "part-1-party": SPLIT,
            "part-1-amount": "15000",
            "part-1-split_by": "population",
            "part-1-cle-0-party": "commune_a",
            "part-1-cle-0-key": "12 840",
            "part-1-cle-1-party": "commune_b",
            "part-1-cle-1-key": "2 950",
            "part-2-DELETE": "on",
        },
    )
    assert guided.is_valid(), guided.errors()
    share = plan_to_dict(guided.plan())["shares"][1]
    assert share == {
        "split": [{"party": "commune_a", "key": "12840"}, {"party": "commune_b", "key": "2950"}],
        "split_by": "population",
        "rule": "fixed",
        "amount": "15000",
    }
    year = compute_plan(guided.plan()).years[0]
    # 15 000 × 12 840 / 15 790 = 12 197.59 → 12 198 (largest remainder), 2 802.
    assert dict(year.details[1].parts) == {"commune_a": 12198, "commune_b": 2802}


def test_a_schedule_by_year_of_service_and_the_residue():
    guided = round_trip(
        BASE,
        **{
            "part-0-rule": "percent_of_cost",
            "part-0-amount": None,
            "part-0-by_rank": "80 % ; 50 % ; 30 %",
            "part-3-rule": "percent_of_cost",
            "part-3-percent": "20",
            "part-1-DELETE": "on",
            "part-2-DELETE": "on",
            "plan-residue": "etat",
        },
    )
    assert guided.is_valid(), guided.errors()
    data = plan_to_dict(guided.plan())
    assert data["residue"] == "etat"
    assert data["shares"][0]["percent_by_rank"] == ["80", "50", "30"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"part-1-party": SPLIT, "part-1-cle-0-party": "commune_a"},
            "Part n° 2 : Une part répartie a au moins deux parties : choisissez-les dans la "
            "répartition (ou choisissez une seule partie dans « Qui paie »).",
        ),
        (
            {
                "part-1-party": SPLIT,
                "part-1-split_by": "population",
                "part-1-cle-0-party": "commune_a",
                "part-1-cle-0-key": "12840",
                "part-1-cle-1-party": "commune_b",
            },
            "Part n° 2, répartition n° 2, clé (habitants, % ou poids) : Indiquez sa population "
            "(nombre d'habitants).",
        ),
        (
            {
                "part-1-party": SPLIT,
                "part-1-split_by": "percent",
                "part-1-cle-0-party": "commune_a",
                "part-1-cle-0-key": "81,32",
                "part-1-cle-1-party": "commune_b",
                "part-1-cle-1-key": "28,68",
            },
            "Part n° 2 : Les clés de répartition totalisent 110,00 %, il faut 100 %.",
        ),
        (
            {
                "part-1-party": SPLIT,
                "part-1-cle-0-party": "commune_a",
                "part-1-cle-1-party": "commune_a",
            },
            "Part n° 2 : La partie commune a figure deux fois dans la répartition.",
        ),
        (
            {"part-1-party": SPLIT, "part-1-cle-0-key": "abc"},
            "Part n° 2, répartition n° 1, clé (habitants, % ou poids) : « abc » n'est pas une "
            "clé : un nombre positif (ex. 81,32).",
        ),
        (
            {"part-0-rule": "percent_of_cost", "part-0-amount": None, "part-0-by_rank": "80 ; x"},
            "Part n° 1, ou selon l'année de service du poste (%) : « x » (2e année de service) "
            "n'est pas un pourcentage : écrivez par exemple « 80 ; 50 ; 30 ; 33 ».",
        ),
        (
            {"part-0-rule": "percent_of_cost", "part-0-amount": None, "part-0-by_rank": "80 ; 150"},
            "Part n° 1, ou selon l'année de service du poste (%) : « 150 » (2e année de "
            "service) : un pourcentage est compris entre 0 et 100.",
        ),
        (
            {
                "part-0-rule": "percent_of_cost",
                "part-0-amount": None,
                "part-0-percent": "80",
                "part-0-by_rank": "80 ; 50",
            },
            "Part n° 1, ou selon l'année de service du poste (%) : Un pourcentage pour toutes "
            "les années, par année ou selon l'année de service : un seul des trois.",
        ),
        (
            {"part-0-by_rank": "80 ; 50"},
            "Part n° 1, ou selon l'année de service du poste (%) : Seul un pourcentage du coût "
            "change selon l'année de service.",
        ),
        (
            {"plan-residue": "etat"},
            "Part n° 4 : Le plan a une part au reste à charge (règle « Reste à charge ») : part "
            "n° 4 (employeur), et donne les arrondis à etat (« Qui absorbe les arrondis ») : "
            "c'est l'un ou l'autre. Le reste à charge absorbe déjà les arrondis ; « Qui absorbe "
            "les arrondis » sert quand les parts couvrent tout le coût.",
        ),
        (
            {"part-3-party": None},
            "Part n° 4, qui paie : Choisissez qui paie cette part.",
        ),
        (
            {"part-3-rule": None},
            "Part n° 4, règle : Choisissez la règle de cette part.",
        ),
        (
            {"annee-0-annual_cost": None},
            "Année n° 1, coût annuel du poste (€) : Indiquez le coût annuel du poste pour cette "
            "année.",
        ),
    ],
)
def test_refusals_are_french_and_on_their_row(changes, message):
    guided = round_trip(BASE, **changes)
    assert not guided.is_valid()
    assert message in guided.errors()


def test_a_new_plan_shows_no_zero_the_app_typed_itself():
    """The blank plan of a new convention: rules chosen, no amount, no cost typed for the user."""
    from decimal import Decimal

    from financing.engine import FIXED, REMAINDER, Plan, ShareRule, YearInput

    blank = Plan(
        years=(YearInput(year=2027, annual_cost=Decimal(0), months=Decimal(12)),),
        shares=(ShareRule(rule=FIXED, party="etat"), ShareRule(rule=REMAINDER, party="employeur")),
    )
    shown = GuidedPlan(
        parties=[("etat", "État"), ("employeur", "Employeur")], previous=blank, fresh=True
    )
    assert shown.years.forms[0].initial["annual_cost"] is None
    assert shown.shares.forms[0].initial["amount"] is None
    html = str(shown.shares.forms[0]["amount"]) + str(shown.years.forms[0]["annual_cost"])
    assert 'value="0"' not in html


def test_the_engine_reads_population_keys_as_weights():
    from financing.engine import PlanError

    data = {
        "years": [{"year": 2023, "annual_cost": "11853"}],
        "shares": [
            {
                "split": [
                    {"party": "epci_a", "key": "104938"},
                    {"party": "epci_b", "key": "24103"},
                ],
                "split_by": "population",
                "rule": "percent_of_cost",
                "percent": "100",
            },
        ],
        "residue": "epci_a",
    }
    plan = read_plan(data)
    assert plan_to_dict(plan)["shares"][0]["split_by"] == "population"
    year = compute_plan(plan).years[0]
    assert dict(year.shares) == {"epci_a": 9639, "epci_b": 2214}
    data["shares"][0]["split_by"] = "habitants"
    with pytest.raises(PlanError, match="« weight », « population » ou « percent »"):
        read_plan(data)
