"""Demo financing: the plan of every demo convention that carries financing, and the 2023 budget
line of the Pas-de-Calais (called by ``demo.load.load_demo`` through
``financing.demo.load_financing``).

Rules followed (README, « Incohérences des sources conservées », lists each disagreement):

* **Every amount a source writes is kept as written.** A co-funder's written amount is its
  ``fixed`` share; the employer takes the ``remainder`` ("reste à charge"). Each written amount is
  also recorded in the year's ``as_written`` (stored on the share line as « montant écrit dans
  l'acte »), so that where the written amounts do not add up to the known cost — or where the
  months funded prorate them — the page shows the gap instead of hiding it.
* **Costs**: the estimate the source writes; where it writes none, an assumption stated in the
  plan's notes (the equal third the sources speak of: 3 × the State's share).
* **Months** come from the post's start date and absences (Osartis Marquion: from 1 September
  2023, 4 months; Boulonnais commissariat 2022: absent from June, 5 months), except for the
  subsidies of the conventions d'objectifs, paid once for the year.
* **Signed acts**: most demo conventions are signed, so their plans are locked for users
  (``services.plan_save`` refuses them). Loading the demo records the plans the signed acts
  state, deliberately, through ``services.plan_set_as_signed``; an unchanged plan writes nothing,
  so loading twice changes nothing.
* **The CA du Boulonnais' conventions d'objectifs** (annexes 6 and 7) have their own small
  plans: the subsidy as the CAB's ``fixed`` share (9 444 € and 3 474 €), the Département,
  beneficiary and employer, as remainder (0 €: the plan's cost is the subsidised amount). They
  state the same participation as annexes 4 and 5 with other figures (22 409 € and 6 449 €), so
  the annual table lists them apart, with the gap, without adding them to its totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from conventions.models import Convention, Post
from demo.load import read_source, upsert
from financing import engine, services
from financing.models import BudgetLine
from iscg.models import Organisation

ETAT = "etat_62"
DEPARTEMENT = "departement_62"
FRANCE_VICTIMES = "assoc_france_victimes_62"


@dataclass(frozen=True)
class DemoPlan:
    reference: str
    post: str
    data: dict[str, Any]
    notes: str = ""
    months_by_hand: bool = False


# --------------------------------------------------------------------------- plan helpers


def fixed(party: str, amount) -> dict[str, Any]:
    return {"party": party, "rule": "fixed", "amount": str(amount)}


def fixed_by_year(party: str, amounts: dict[int, Any]) -> dict[str, Any]:
    return {
        "party": party,
        "rule": "fixed",
        "amount_by_year": {str(year): str(amount) for year, amount in amounts.items()},
    }


def remainder(party: str) -> dict[str, Any]:
    return {"party": party, "rule": "remainder"}


def year(number: int, annual_cost, written: dict[str, Any] | None = None, **extra) -> dict:
    entry: dict[str, Any] = {"year": number, "annual_cost": str(annual_cost), **extra}
    if written:
        entry["as_written"] = {party: str(amount) for party, amount in written.items()}
    return entry


def plan(*years: dict, shares: list[dict], **extra) -> dict[str, Any]:
    return {"rounding": "down", **extra, "years": list(years), "shares": shares}


def notes(*lines: str) -> str:
    return "\n".join(lines)


# --------------------------------------------------------------------------- Pas-de-Calais


def annexe2_amounts() -> dict[str, dict[str, int]]:
    """Annexe 2 of deliberation 2023-332, row by row: post → {party: amount as written}
    ("reste à charge" rows, which carry no amount, left out)."""
    source = read_source("pas_de_calais_2023.json")
    amounts: dict[str, dict[str, int]] = {}
    for group in source["financing_2023"]["groups"]:
        for row in group["rows"]:
            amounts[row["post"]] = {
                f["party"]: f["amount"] for f in row["financers"] if isinstance(f["amount"], int)
            }
    return amounts


def convention_amounts(annex: int) -> dict[int, dict[str, int]]:
    """The amounts a Pas-de-Calais convention writes, by year then party."""
    source = read_source("pas_de_calais_2023.json")
    row = next(c for c in source["conventions"] if c["annex"] == annex)
    by_year: dict[int, dict[str, int]] = {}
    for share in (row.get("financing") or {}).get("shares", []):
        if isinstance(share.get("amount"), int):
            by_year.setdefault(share["year"], {})[share["party"]] = share["amount"]
    return by_year


def _tripartite(
    reference: str, post: str, cost, employer: str, written: dict[str, int], note: str = ""
) -> DemoPlan:
    """État and Département fixed as written, the employer (an EPCI) as remainder."""
    return DemoPlan(
        reference,
        post,
        plan(
            year(2023, cost, written),
            shares=[
                fixed(ETAT, written[ETAT]),
                fixed(DEPARTEMENT, written[DEPARTEMENT]),
                remainder(employer),
            ],
        ),
        note,
    )


def pas_de_calais_plans() -> list[DemoPlan]:
    a2 = annexe2_amounts()
    plans: list[DemoPlan] = []

    # Annexe 3 — Béthune commissariat (employer: Département). 2022 and 2023 amounts.
    bethune = convention_amounts(3)
    plans.append(
        DemoPlan(
            "PDC2023-A03",
            "isc_artois",
            plan(
                year(2022, sum(bethune[2022].values()), bethune[2022]),
                year(2023, 52510, a2["isc_artois"]),
                shares=[
                    fixed_by_year(ETAT, {y: bethune[y][ETAT] for y in (2022, 2023)}),
                    fixed_by_year(
                        "epci_ca_bethune_bruay",
                        {y: bethune[y]["epci_ca_bethune_bruay"] for y in (2022, 2023)},
                    ),
                    remainder(DEPARTEMENT),
                ],
            ),
            notes(
                "Coût 2023 : masse salariale estimée à 52 510 € (annexe 3), frais de "
                "déplacement compris ; la part du Département (17 510 €) les inclut.",
                "Coût 2022 non écrit : somme des trois parts de 2022 (3 × 14 900 € = 44 700 €). "
                "En 2022 les parts étaient égales alors que celle du Département était déjà dite "
                "inclure les frais de déplacement.",
            ),
        )
    )

    # Annexe 4 — Boulogne-sur-Mer commissariat (employer: Département), 2022 and 2023.
    boulogne = convention_amounts(4)
    cab = "epci_ca_boulonnais"
    plans.append(
        DemoPlan(
            "PDC2023-A04",
            "isc_boulonnais",
            plan(
                year(2022, 3 * boulogne[2022][ETAT], boulogne[2022]),
                year(2023, 67227, a2["isc_boulonnais"]),
                shares=[
                    fixed_by_year(ETAT, {y: boulogne[y][ETAT] for y in (2022, 2023)}),
                    fixed_by_year(cab, {y: boulogne[y][cab] for y in (2022, 2023)}),
                    remainder(DEPARTEMENT),
                ],
            ),
            notes(
                "Incohérence des sources : la masse salariale est estimée à 67 227 € "
                "(= 3 × 22 409 €), mais le Département écrit 23 324 € « y compris frais de "
                "déplacement », 915 € au-dessus de son tiers : les parts écrites font 68 142 €. "
                "Le plan garde l'estimation ; l'écart de +915 € s'affiche sur la part du "
                "Département. Même écart en 2022 (20 045 / 20 045 / 20 960 €).",
                "Coût 2022 non écrit : 3 × 20 045 € = 60 135 € retenus, comme en 2023.",
                "2022 : l'intervenante est absente depuis juin 2022 ; le rapport annonce des "
                "titres de recettes proratisés selon les mois d'absence sans les chiffrer, et "
                "l'annexe 4 reprend les montants annuels. Le plan calcule 5 mois (janvier à mai) "
                "et montre l'écart avec les montants écrits.",
                "La CA du Boulonnais accorde par ailleurs une subvention de 9 444 € pour cette "
                "action (convention d'objectifs PDC2023-A06), au lieu des 22 409 € écrits ici.",
            ),
        )
    )

    # Annexe 5 — Le Portel gendarmerie (employer: Département), 2023.
    portel = a2["isg_boulonnais"]
    epcis = ["epci_ca_boulonnais", "cias_desvres_samer", "epci_cc_terre_deux_caps"]
    plans.append(
        DemoPlan(
            "PDC2023-A05",
            "isg_boulonnais",
            plan(
                year(2023, 58044, portel),
                shares=[
                    fixed(ETAT, portel[ETAT]),
                    {
                        "split": [{"party": party, "key": "1"} for party in epcis],
                        "rule": "fixed",
                        "amount": str(sum(portel[party] for party in epcis)),
                    },
                    remainder(DEPARTEMENT),
                ],
            ),
            notes(
                "Incohérence des sources : l'estimation de 58 044 € est 3 × 19 348 €, mais le "
                "tiers des EPCI est écrit 3 × 6 449 € = 19 347 € (un euro de moins ; le tiers "
                "exact partagé en trois donnerait 6 450 / 6 449 / 6 449 €) et le Département "
                "écrit 20 414 € « incluant les frais de déplacement » (1 066 € au-dessus de son "
                "tiers) : les parts écrites font 59 109 €.",
                "Le plan garde les montants écrits des cofinanceurs et l'estimation ; le "
                "Département, employeur, prend le reste (19 349 €) et l'écart de +1 065 € "
                "s'affiche sur sa part.",
                "La CA du Boulonnais accorde par ailleurs une subvention de 3 474 € pour cette "
                "action (convention d'objectifs PDC2023-A07), au lieu des 6 449 € écrits ici.",
            ),
        )
    )

    # Annexes 6 and 7 — the CA du Boulonnais' conventions d'objectifs (subsidy to the
    # Département, paid once): their own plan, the subsidy as the CAB's share.
    for reference, post, annex, main, main_reference in (
        ("PDC2023-A06", "isc_boulonnais", 6, a2["isc_boulonnais"][cab], "PDC2023-A04"),
        ("PDC2023-A07", "isg_boulonnais", 7, a2["isg_boulonnais"][cab], "PDC2023-A05"),
    ):
        subsidy = convention_amounts(annex)[2023][cab]
        plans.append(
            DemoPlan(
                reference,
                post,
                plan(
                    year(2023, subsidy, {cab: subsidy}, months=12),
                    shares=[fixed(cab, subsidy), remainder(DEPARTEMENT)],
                ),
                notes(
                    f"Subvention de la CA du Boulonnais au Département : {subsidy} €, versée en "
                    "une seule fois ; bilan moral et financier à remettre avant le 31 janvier "
                    "2024, faute de quoi la subvention est reprise par titre de recettes ; "
                    "revue à la baisse si les dépenses réalisées sont inférieures au prévisionnel.",
                    "Le coût du plan est le montant subventionné ; le Département, bénéficiaire "
                    "et employeur, n'a rien d'autre à sa charge ici.",
                    f"Incohérence des sources : pour la même action, l'Annexe 2 et la convention "
                    f"{main_reference} inscrivent {main} € de la CA du Boulonnais "
                    f"(écart {subsidy - main} €). Le tableau annuel montre cette subvention à "
                    "part, sans l'ajouter aux totaux.",
                ),
                months_by_hand=True,
            )
        )

    # Annexes 8 to 13 — posts carried by an EPCI (employer as remainder).
    plans.append(
        _tripartite(
            "PDC2023-A08",
            "isg_ternois",
            43000,
            "epci_cc_ternois",
            a2["isg_ternois"],
            notes(
                "Coût non écrit (ni l'annexe 8 ni l'Annexe 2 ne chiffrent le reste à charge de "
                "la CC du Ternois) : 43 000 € retenus par hypothèse, dont 14 333 € est le tiers "
                "tronqué ; la CC prend le reste (14 334 €).",
                "La part du Département (14 333 €) comprend « une partie du financement du "
                "poste, une contribution aux frais de déplacement et de formation ».",
            ),
        )
    )
    plans.append(
        _tripartite("PDC2023-A09", "isg_artois", 44403, "epci_ca_bethune_bruay", a2["isg_artois"])
    )
    plans.append(
        _tripartite(
            "PDC2023-A10",
            "iscg_arrageois_cua",
            36000,
            "epci_cu_arras",
            a2["iscg_arrageois_cua"],
            "Coût non écrit (reste à charge de la CUA non chiffré) : 36 000 € retenus par "
            "hypothèse (3 × 12 000 €).",
        )
    )
    plans.append(
        _tripartite(
            "PDC2023-A11",
            "isg_arrageois_ccca",
            46659,
            "epci_cc_campagnes_artois",
            a2["isg_arrageois_ccca"],
            "Reste à charge de la CC des Campagnes de l'Artois non chiffré : il découle de "
            "l'estimation de 46 659 € (« financement égalitaire », 3 × 15 553 €).",
        )
    )
    plans.append(
        _tripartite(
            "PDC2023-A12",
            "isg_arrageois_ccsa",
            44000,
            "epci_cc_sud_artois",
            a2["isg_arrageois_ccsa"],
            "« Financement égalitaire » de 44 000 €, mais 14 665 / 14 665 / 14 670 € : la CC du "
            "Sud-Artois, qui prend le reste, absorbe l'arrondi (+5 €).",
        )
    )
    osartis = "epci_cc_osartis_marquion"
    plans.append(
        DemoPlan(
            "PDC2023-A13",
            "isg_osartis_marquion",
            plan(
                # 4 months (from 1 September 2023) come from the post's start date.
                year(2023, 42000, {**a2["isg_osartis_marquion"], osartis: 4666}),
                shares=[fixed(ETAT, 14000), fixed(DEPARTEMENT, 14000), remainder(osartis)],
            ),
            notes(
                "Coût annuel prévisionnel de 42 000 € (14 000 € par partie), poste pourvu à "
                "compter du 1er septembre 2023 : 4 mois, 14 000 € de coût pour 2023.",
                "Incohérence des sources : la convention écrit que le financement « par "
                "parties » est proratisé à 4 666 € (14 000 × 4/12 = 4 666,67, tronqué), soit "
                "3 × 4 666 = 13 998 € pour un coût de 14 000 € ; l'Annexe 2 note la part de la "
                "CC « reste à charge ». Le plan donne à la CC le reste, 4 668 € (écart −2 €).",
            ),
        )
    )

    # Annexes 14 to 17 — posts carried by France Victimes 62 (« budget réparti par 1/3 »; the
    # conventions write no amount: the amounts are Annexe 2's).
    calais = a2["isc_calaisis"]
    plans.append(
        DemoPlan(
            "PDC2023-A14",
            "isc_calaisis",
            plan(
                year(2023, sum(calais.values()), calais),
                shares=[
                    *(fixed(party, amount) for party, amount in calais.items()),
                    remainder(FRANCE_VICTIMES),
                ],
            ),
            "Aucun coût écrit : 3 × 11 221 € = 33 663 € retenus (budget réparti par tiers).",
        )
    )
    calais_so = a2["isg_calaisis"]
    third = calais_so[ETAT]
    plans.append(
        DemoPlan(
            "PDC2023-A15",
            "isg_calaisis",
            plan(
                year(2023, 3 * third, calais_so),
                shares=[
                    *(fixed(party, amount) for party, amount in calais_so.items()),
                    remainder(FRANCE_VICTIMES),
                ],
            ),
            notes(
                "Aucun coût écrit : 3 × 12 220 € = 36 660 € retenus (budget réparti par tiers).",
                "Incohérence des sources : la convention partage le tiers des EPCI au prorata "
                "des habitants en zone gendarmerie (CC du Pays d'Opale 41,78 %, CC de la Région "
                "d'Audruicq 45,27 %, CA du Grand Calais 12,95 %), ce qui donnerait 5 106 / 5 532 "
                "/ 1 582 € ; l'Annexe 2 écrit 5 095 / 5 536 / 1 588 €, soit 12 219 €, un euro de "
                "moins que le tiers. Le plan garde les montants de l'Annexe 2 ; l'euro manquant "
                "reste à la charge de France Victimes 62.",
            ),
        )
    )
    saint_omer = a2["iscg_audomarois"]
    plans.append(
        DemoPlan(
            "PDC2023-A16",
            "iscg_audomarois",
            plan(
                year(2023, 3 * saint_omer[ETAT], saint_omer),
                shares=[
                    fixed(ETAT, saint_omer[ETAT]),
                    fixed(DEPARTEMENT, saint_omer[DEPARTEMENT]),
                    {
                        "split": [
                            {"party": "epci_ca_pays_saint_omer", "key": "81.32"},
                            {"party": "epci_cc_pays_lumbres", "key": "18.68"},
                        ],
                        "split_by": "percent",
                        "rule": "fixed",
                        "amount": str(saint_omer[ETAT]),
                    },
                    remainder(FRANCE_VICTIMES),
                ],
            ),
            notes(
                "Aucun coût écrit : 3 × 11 853 € = 35 559 € retenus (budget réparti par tiers).",
                "Tiers des EPCI partagé au prorata des habitants (81,32 % / 18,68 %) : 9 639 et "
                "2 214 €, comme l'Annexe 2.",
            ),
        )
    )
    montreuil = a2["iscg_montreuillois"]
    plans.append(
        DemoPlan(
            "PDC2023-A17",
            "iscg_montreuillois",
            plan(
                year(2023, 3 * montreuil[ETAT], montreuil),
                shares=[
                    *(fixed(party, amount) for party, amount in montreuil.items()),
                    remainder(FRANCE_VICTIMES),
                ],
            ),
            notes(
                "Aucun coût écrit : 3 × 12 375 € = 37 125 € retenus (budget réparti par tiers).",
                "Incohérence des sources : la convention partage le tiers des EPCI au prorata "
                "des habitants (CA des 2 Baies 63,46 %, CC des 7 Vallées 21,20 %, CC du Haut Pays "
                "15,34 %), ce qui donnerait, au plus fort reste, 7 853 / 2 624 / 1 898 € ; "
                "l'Annexe 2 arrondit la plus grosse part à l'euro supérieur : 7 854 / 2 623 / "
                "1 898 €. Le plan garde les montants de l'Annexe 2.",
            ),
        )
    )
    return plans


# --------------------------------------------------------------------------- the other cases


def quimper_plans() -> list[DemoPlan]:
    source = read_source("quimper_2023.json")["financing"]
    schedule = [str(step["state_pct"]) for step in source["state_schedule_validated_2023"]]
    communes = [
        {"party": s["party"], "rule": "percent_of_remainder", "percent": str(s["pct_of_remainder"])}
        for s in source["remainder_split"]["shares"]
        if s["party"] != "departement_29"
    ]
    return [
        DemoPlan(
            "QUIMPER2023",
            "isc_quimper_concarneau",
            plan(
                *(year(number, 45000) for number in range(2024, 2028)),
                first_year=2024,
                shares=[
                    {"party": "etat_29", "rule": "percent_of_cost", "percent_by_rank": schedule},
                    *communes,
                    remainder("departement_29"),
                ],
            ),
            notes(
                "Aucun montant dans la source (délibération de Quimper du 7 décembre 2023) : "
                "coût annuel de 45 000 € retenu par hypothèse, de 2024 (1re année du poste) "
                "à 2027.",
                "État : 80 % la 1re année, 50 % la 2e, 30 % la 3e, puis 33 %. Le reste : 40 % "
                "Quimper, 20 % Concarneau, 10 % Ergué-Gabéric ; le Département, employeur, prend "
                "ses 30 % et les résidus d'arrondi, ainsi que le véhicule, la logistique et "
                "l'encadrement (non chiffrés).",
            ),
        )
    ]


def dijon_plans() -> list[DemoPlan]:
    source = read_source("dijon_2022.json")["financing"]
    percents = {str(p["year"]): str(p["state_pct"]) for p in source["state_percentages"]}
    return [
        DemoPlan(
            "DIJON2022",
            "isc_dijon_suquet",
            plan(
                year(2022, 40000),
                year(2023, 40800),
                year(2024, 41616),
                shares=[
                    {"party": "etat_21", "rule": "percent_of_cost", "percent_by_year": percents},
                    remainder("ccas_dijon"),
                ],
            ),
            notes(
                "Aucun montant dans la convention : charges salariales de 40 000 € en 2022, "
                "+2 % par an, retenues par hypothèse. Poste créé le 31 mars 2022 : 9 mois "
                "financés en 2022.",
                "L'État verse 80 % des charges salariales du CCAS en 2022, 50 % en 2023, 30 % en "
                "2024 ; la convention ne dit pas qui paie le reste : le CCAS, employeur.",
            ),
        )
    ]


def aubervilliers_plans() -> list[DemoPlan]:
    """The convention covers two posts, each with its own plan: the State's amount fixed as
    written, the commune (employer) the remainder."""
    posts = read_source("aubervilliers_2013.json")["posts"]
    full_time, half_time = posts
    return [
        DemoPlan(
            "AUBERVILLIERS2013",
            f"isc_aubervilliers_{full_time['rank']}",
            plan(
                year(2013, 48000),
                shares=[
                    fixed("etat_93", full_time["funding_2013"]["amount"]),
                    remainder("commune_aubervilliers"),
                ],
            ),
            notes(
                "Poste à temps plein, en fonctions depuis le 5 octobre 2009 (12 mois en "
                f"2013) : « {full_time['funding_2013']['as_written']} » en 2013 ; coût non "
                "écrit : 48 000 €/an retenus par hypothèse (le double du mi-temps), la "
                "commune, employeur, prend le reste (8 000 €).",
            ),
        ),
        DemoPlan(
            "AUBERVILLIERS2013",
            f"isc_aubervilliers_{half_time['rank']}",
            plan(
                year(2013, 24000),
                shares=[
                    fixed("etat_93", half_time["funding_2013"]["amount"]),
                    remainder("commune_aubervilliers"),
                ],
            ),
            notes(
                "Poste à mi-temps pris en octobre 2013 : 18 000 € « pour 2013, versé au prorata "
                "du nombre de mois effectués », lus comme une base annuelle proratisée (3 mois : "
                "4 500 €). Financeur non nommé (FIPD présumé) ; coût non écrit : 24 000 €/an "
                "retenus par hypothèse.",
            ),
        ),
    ]


def demo_plans() -> list[DemoPlan]:
    return pas_de_calais_plans() + quimper_plans() + dijon_plans() + aubervilliers_plans()


# --------------------------------------------------------------------------- loading


def load_budget_lines() -> BudgetLine:
    """The 2023 line of the Pas-de-Calais deliberation (art. 27 and the rapport)."""
    line = read_source("pas_de_calais_2023.json")["decision"]["budget_line"]
    decided, rapport = line["in_decision_article_27"], line["in_rapport"]
    organisation = Organisation.objects.get(slug="pas-de-calais")
    values = {
        "operation_code": decided["code_operation"],
        "label": decided["libelle"],
        "credits": Decimal(decided["cp"]),
        "available": Decimal(rapport["disponible"]),
    }
    return upsert(
        BudgetLine,
        {"organisation": organisation, "year": 2023, "imputation": decided["imputation"]},
        values,
    )


@transaction.atomic
def load_plans() -> int:
    """Record every demo plan (idempotent); return the number of plans."""
    plans = demo_plans()
    for demo_plan in plans:
        convention = Convention.objects.get(reference=demo_plan.reference)
        post = Post.objects.get(organisation=convention.organisation, slug=demo_plan.post)
        services.plan_set_as_signed(
            convention=convention,
            post=post,
            plan=engine.read_plan(demo_plan.data),
            months_by_hand=demo_plan.months_by_hand,
            notes=demo_plan.notes,
        )
    load_budget_lines()
    return len(plans)
