"""Pure rules of a bilan (no database): sums, ranges, parts, due dates, anonymity."""

from datetime import date
from decimal import Decimal

import pytest

from reporting import rules

NBSP = "\u00a0"


def messages(issues):
    return [issue.message.replace(NBSP, " ") for issue in issues]


def test_sex_breakdown_names_the_figures_when_it_does_not_add_up():
    values = {
        "referrals_women": 1000,
        "referrals_men": 500,
        "referrals_children": 100,
        "referrals_total": 1700,
    }
    issues = rules.bilan_issues(values)
    assert messages(issues) == [
        "Femmes 1 000 + hommes 500 + enfants 100 = 1 600, différent du total 1 700."
    ]
    assert issues[0].field == "referrals_total"


def test_a_consistent_bilan_has_no_issue():
    values = {
        "referrals_women": 427,
        "referrals_men": 68,
        "referrals_children": 103,
        "referrals_total": 598,
        "interviews_in_person": 398,
        "interviews_phone": 737,
        "interviews_total": 1135,
        "vif_pct": Decimal("61.00"),
        "public_victims": 300,
        "public_suspects": 98,
        "public_other": 200,
        "known_to_social_services": 200,
        "problems": {"violences_conjugales": 300, "mineurs": 103},
        "orientations": {"ccas": 20},
        "comment": "Hausse des saisines liées aux violences conjugales ; M. le Procureur informé.",
    }
    assert rules.bilan_issues(values, complete=True) == []


def test_partial_breakdown_must_be_marked_not_split():
    values = {"referrals_women": 10, "referrals_total": 30}
    assert messages(rules.bilan_issues(values)) == [
        "Ventilation (saisines) incomplète : renseignez hommes, enfants, ou cochez « non ventilé »."
    ]
    values["referrals_not_split"] = True
    assert rules.bilan_issues(values) == []
    values["referrals_women"] = 31
    assert messages(rules.bilan_issues(values)) == ["Femmes 31 = 31, plus que le total 30."]


def test_empty_breakdown_is_simply_not_split():
    assert rules.bilan_issues({"referrals_total": 323}) == []


def test_breakdown_without_total():
    issues = rules.bilan_issues({"public_victims": 84, "public_suspects": 44, "public_other": 1})
    assert issues[0].field == "referrals_total"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {
                "public_victims": 84,
                "public_suspects": 44,
                "public_other": 190,
                "referrals_total": 323,
            },
            "Victimes 84 + mis en cause 44 + hors champ pénal 190 = 318, différent du total des saisines 323.",
        ),
        (
            {
                "origin_services": 100,
                "origin_main_courante": 10,
                "origin_partners": 10,
                "origin_own_request": 10,
                "referrals_total": 100,
            },
            "Services de police ou de gendarmerie 100 + main courante 10 + partenaires 10 + demande "
            "de la personne 10 = 130, différent du total des saisines 100.",
        ),
        (
            {"interviews_in_person": 238, "interviews_phone": 707, "interviews_total": 900},
            "Physiques 238 + téléphoniques 707 = 945, différent du total des entretiens 900.",
        ),
    ],
)
def test_other_breakdowns(values, expected):
    assert messages(rules.bilan_issues(values)) == [expected]


def test_interviews_with_partners_are_part_of_the_total():
    values = {
        "interviews_in_person": 238,
        "interviews_phone": 707,
        "interviews_total": 945,
        "interviews_with_partners": 422,
    }
    assert rules.bilan_issues(values) == []
    values["interviews_with_partners"] = 1000
    assert messages(rules.bilan_issues(values)) == [
        "Entretiens avec des partenaires 1 000, plus que le total des entretiens 945."
    ]


@pytest.mark.parametrize("value", [Decimal("-0.01"), Decimal("100.01"), 250])
def test_vif_percentage_out_of_range(value):
    issues = rules.bilan_issues({"vif_pct": value})
    assert issues[0].field == "vif_pct"
    assert "entre 0 et 100 %" in issues[0].message


@pytest.mark.parametrize("value", [0, 100, Decimal("74.85")])
def test_vif_percentage_in_range(value):
    assert rules.bilan_issues({"vif_pct": value}) == []


def test_known_to_social_services_within_saisines():
    issues = rules.bilan_issues({"referrals_total": 10, "known_to_social_services": 11})
    assert messages(issues) == [
        "Personnes déjà connues d'un service social 11, plus que le total des saisines 10."
    ]


def test_problem_and_orientation_counts():
    values = {
        "referrals_total": 10,
        "problems": {"violences_conjugales": 11, "inconnue": 1, "addictions": -1},
        "orientations": {"ccas": "3"},
    }
    assert messages(rules.bilan_issues(values)) == [
        "Violences conjugales 11, plus que le total des saisines 10.",
        "Catégorie « inconnue » inconnue.",
        "Addictions : un nombre entier positif est attendu.",
        "CCAS / CIAS : un nombre entier positif est attendu.",
    ]


def test_a_year_without_bilan_has_a_reason_and_no_figures():
    reason = "L'absence de l'intervenante sociale depuis juin 2022 ne permet pas de faire un bilan annuel."
    assert rules.bilan_issues({"no_report_reason": reason}, complete=True) == []
    issues = rules.bilan_issues({"no_report_reason": reason, "referrals_total": 3})
    assert issues[0].field == "no_report_reason"


def test_submission_needs_saisines_or_a_reason():
    assert messages(rules.bilan_issues({}, complete=True)) == [
        "Indiquez le total des saisines, ou le motif de l'absence de bilan."
    ]
    assert rules.bilan_issues({}) == []


@pytest.mark.parametrize(
    "text",
    [
        "Suivi de Mme Dupont, orientée vers le CCAS.",
        "M. Martin a été reçu trois fois.",
        "Contact : victime@example.fr",
        "Rappeler au 06 12 34 56 78",
        "Une femme née le 3 mars 1980",
    ],
)
def test_nominative_data_is_refused(text):
    issues = rules.personal_data_issues(text)
    assert issues and "donnée nominative" in issues[0].message


@pytest.mark.parametrize(
    "text",
    [
        "Réunion avec M. le Procureur et Mme la Maire ; 52 communes couvertes.",
        "Hausse de 12 % des saisines, 2022 marquée par l'absence de juin à décembre.",
        "",
    ],
)
def test_anonymous_text_is_accepted(text):
    assert rules.personal_data_issues(text) == []


def _months(totals):
    return [
        {"kind": "mois", "number": i + 1, "referrals_total": total, "referrals_not_split": True}
        for i, total in enumerate(totals)
    ]


def test_months_add_up_to_the_year():
    parts = _months([10] * 12)
    assert rules.parts_issues({"referrals_total": 120}, parts, complete=True) == []
    assert messages(rules.parts_issues({"referrals_total": 125}, parts)) == [
        "La somme des mois (saisines : 120) diffère du chiffre de l'année (125)."
    ]


def test_months_numbered_once_and_complete_for_submission():
    parts = _months([10] * 3)
    assert rules.parts_issues({"referrals_total": 30}, parts) == []
    assert messages(rules.parts_issues({"referrals_total": 30}, parts, complete=True)) == [
        "Ventilation incomplète : manque avril, mai, juin, juillet, août, septembre, octobre, "
        "novembre, décembre."
    ]
    parts[2]["number"] = 2
    assert "« février » figure deux fois." in messages(rules.parts_issues({}, parts))
    parts[2]["number"] = 13
    assert messages(rules.parts_issues({}, parts)) == ["Numéro de mois hors de 1 à 12 : 13."]


def test_quarters_and_units_do_not_mix():
    parts = [{"kind": "trimestre", "number": 1}, {"kind": "unite", "label": "Commissariat"}]
    assert len(rules.parts_issues({}, parts)) == 1


def test_units_each_consistent_and_weighted_vif():
    # Arras (CUA) 2022: commissariat 222 saisines at 62 %, gendarmerie 114 at 59 %.
    parts = [
        {
            "kind": "unite",
            "label": "Commissariat",
            "referrals_women": 186,
            "referrals_men": 22,
            "referrals_children": 14,
            "referrals_total": 222,
            "interviews_total": 200,
            "vif_pct": Decimal(62),
        },
        {
            "kind": "unite",
            "label": "Gendarmerie",
            "referrals_women": 95,
            "referrals_men": 11,
            "referrals_children": 8,
            "referrals_total": 114,
            "interviews_total": 104,
            "vif_pct": Decimal(59),
        },
    ]
    year = {
        "referrals_women": 281,
        "referrals_men": 33,
        "referrals_children": 22,
        "referrals_total": 336,
        "interviews_total": 304,
        "vif_pct": Decimal("60.98"),
    }
    assert rules.parts_issues(year, parts, complete=True) == []
    year["vif_pct"] = Decimal(70)
    assert messages(rules.parts_issues(year, parts)) == [
        "La part de VIF des unités, pondérée par les saisines (60,98 %), diffère de celle de "
        "l'année (70 %)."
    ]
    parts[1]["referrals_total"] = 100
    assert messages(rules.parts_issues(year, parts)) == [
        "Gendarmerie : Femmes 95 + hommes 11 + enfants 8 = 114, différent du total 100."
    ]


def test_weighted_share():
    assert rules.weighted_share([(Decimal(62), 222), (Decimal(59), 114)]) == Decimal("60.98")
    assert rules.weighted_share([(None, 10), (Decimal(50), None)]) is None


@pytest.mark.parametrize(
    ("year", "month", "day", "expected"),
    [
        (2022, 1, 31, date(2023, 1, 31)),
        (2023, 2, 31, date(2024, 2, 29)),
        (2022, 3, 31, date(2023, 3, 31)),
    ],
)
def test_due_date(year, month, day, expected):
    assert rules.due_date(year, month, day) == expected


def test_default_due_date_is_31_january_next_year():
    assert rules.due_date(2022) == date(2023, 1, 31)


def test_late_only_when_not_transmitted_after_the_due_date():
    due = date(2023, 1, 31)
    assert rules.is_late(due, date(2023, 2, 1), transmitted=False)
    assert not rules.is_late(due, date(2023, 1, 31), transmitted=False)
    assert not rules.is_late(due, date(2023, 2, 1), transmitted=True)


# --------------------------------------------------------------------------- years to report


TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("spans", "service", "expected"),
    [
        # A convention for 2023 only, none for 2024: 2024 is still a year of work.
        ([(date(2023, 1, 1), date(2023, 12, 31))], {}, [2023, 2024, 2025, 2026]),
        # Nothing dated: last year and this one.
        ([(None, None)], {}, [2025, 2026]),
        # An open end runs to today, never beyond.
        ([(date(2024, 7, 1), None)], {}, [2024, 2025, 2026]),
        ([(date(2027, 1, 1), date(2027, 12, 31))], {}, [2025, 2026]),
        # The post's service bounds the years.
        (
            [(date(2020, 1, 1), date(2022, 12, 31))],
            {"service_start": 2021, "service_end": 2024},
            [2021, 2022, 2023, 2024],
        ),
    ],
)
def test_years_to_report(spans, service, expected):
    assert rules.years_to_report(spans, TODAY, **service) == expected


def test_counted_agrees_the_french_way():
    assert [rules.counted(k, "bilan transmis", "bilans transmis") for k in (0, 1, 4, 1000)] == [
        "0\u00a0bilan transmis",
        "1\u00a0bilan transmis",
        "4\u00a0bilans transmis",
        f"{rules.n(1000)}\u00a0bilans transmis",
    ]
