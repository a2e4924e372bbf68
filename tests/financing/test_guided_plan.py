"""The guided plan editor: forms ⇄ the engine's Plan, without the database."""

from financing.engine import plan_to_dict, read_plan
from financing.forms import GuidedPlan

PARTIES = [
    ("etat_62", "État"),
    ("departement_62", "Département"),
    ("epci_cc_osartis_marquion", "CC Osartis Marquion"),
]
OSARTIS = {
    "rounding": "down",
    "first_year": 2023,
    "years": [
        {
            "year": 2023,
            "annual_cost": "42000",
            "months": 4,
            "as_written": {"etat_62": "4666", "epci_cc_osartis_marquion": "4668"},
        }
    ],
    "shares": [
        {"party": "etat_62", "rule": "fixed", "amount": "14000"},
        {"party": "departement_62", "rule": "percent_of_cost", "percent": "30", "cap": "12000"},
        {"party": "epci_cc_osartis_marquion", "rule": "remainder"},
    ],
}


def post_data(guided: GuidedPlan, **changes) -> dict:
    """What a browser posts for the forms as shown, with some fields changed."""
    data = {"mode": "guided"}
    for form in (guided.settings, guided.years.management_form, guided.shares.management_form):
        for name, field in form.fields.items():
            value = form.get_initial_for_field(field, name)
            if value not in (None, False, ""):
                data[form.add_prefix(name)] = value

    def rows(formset):
        for form in formset.forms:
            for name, field in form.fields.items():
                value = form.get_initial_for_field(field, name)
                if value not in (None, False, ""):
                    data[form.add_prefix(name)] = str(value)
            split = getattr(form, "split", None)
            if split is not None:
                for name, field in split.management_form.fields.items():
                    value = split.management_form.get_initial_for_field(field, name)
                    data[split.management_form.add_prefix(name)] = value
                rows(split)

    rows(guided.years)
    rows(guided.shares)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def submitted(previous=OSARTIS, months_by_hand=True, **changes) -> GuidedPlan:
    previous = read_plan(previous)
    shown = GuidedPlan(parties=PARTIES, previous=previous, months_by_hand=months_by_hand)
    return GuidedPlan(parties=PARTIES, previous=previous, data=post_data(shown, **changes))


def plan_data(guided: GuidedPlan) -> dict:
    """The plan the forms make, in its JSON form."""
    return plan_to_dict(guided.plan())


def test_a_plan_posted_back_unchanged_is_the_same_plan():
    guided = submitted()
    assert guided.is_valid(), guided.errors()
    assert plan_data(guided) == OSARTIS
    assert guided.months_by_hand is True


def test_months_are_written_only_when_typed_by_hand():
    """Otherwise saving takes them from the post's dates: the form shows those."""
    previous = {**OSARTIS, "years": [{"year": 2023, "annual_cost": "42000"}]}
    shown = GuidedPlan(parties=PARTIES, previous=read_plan(previous), months={2023: 4})
    assert shown.years.forms[0].initial["months"] == 4
    guided = submitted(previous, months_by_hand=False)
    assert guided.is_valid(), guided.errors()
    assert guided.months_by_hand is False
    assert plan_data(guided)["years"] == [{"year": 2023, "annual_cost": "42000"}]


def test_the_forms_show_one_row_per_year_and_share_plus_blank_rows():
    guided = GuidedPlan(parties=PARTIES, previous=read_plan(OSARTIS))
    assert guided.years.initial_form_count() == 1
    assert len(guided.years.forms) == 2
    assert guided.shares.initial_form_count() == 3
    assert len(guided.shares.forms) == 4
    assert guided.shares.forms[1].initial["percent"] == "30"


def test_changing_an_amount_and_adding_a_year_and_a_share():
    guided = submitted(
        **{
            "part-0-amount": "15000",
            "annee-1-year": "2024",
            "annee-1-annual_cost": "43000.50",
            "annee-1-months": "12",
            "part-3-party": "etat_62",
            "part-3-rule": "percent_of_remainder",
            "part-3-percent": "12.5",
        }
    )
    assert guided.is_valid(), guided.errors()
    data = plan_data(guided)
    assert data["years"][1] == {"year": 2024, "annual_cost": "43000.5", "months": 12}
    assert data["years"][0]["months"] == 4
    assert data["shares"][0] == {"party": "etat_62", "rule": "fixed", "amount": "15000"}
    assert data["shares"][3] == {
        "party": "etat_62",
        "rule": "percent_of_remainder",
        "percent": "12.5",
    }
    # What the signed act wrote for 2023 is kept.
    assert data["years"][0]["as_written"] == OSARTIS["years"][0]["as_written"]


def test_a_deleted_share_disappears_with_what_was_written_for_it():
    guided = submitted(
        **{
            "part-2-DELETE": "on",
            "part-1-rule": "remainder",
            "part-1-percent": None,
            "part-1-cap": None,
        }
    )
    assert guided.is_valid(), guided.errors()
    data = plan_data(guided)
    assert [s["party"] for s in data["shares"]] == ["etat_62", "departement_62"]
    assert data["shares"][1] == {"party": "departement_62", "rule": "remainder"}
    assert data["years"][0]["as_written"] == {"etat_62": "4666"}


def test_a_fixed_share_without_amount_is_refused_in_french():
    guided = submitted(**{"part-0-amount": None})
    assert not guided.is_valid()
    assert "Part n° 1, montant annuel (€) : Indiquez le montant annuel de cette part." in (
        guided.errors()
    )


def test_mixed_amount_and_percent_are_refused():
    guided = submitted(**{"part-0-percent": "10", "part-1-amount": "100"})
    assert not guided.is_valid()
    errors = guided.errors()
    assert "Part n° 1, pourcentage (%) : Un montant fixe n'a pas de pourcentage : videz-le." in (
        errors
    )
    assert (
        "Part n° 2, montant annuel (€) : Une part en pourcentage n'a pas de montant : videz-le."
        in errors
    )


def test_a_cap_only_goes_with_a_percentage_of_the_cost():
    guided = submitted(**{"part-0-cap": "1000"})
    assert not guided.is_valid()
    assert (
        "Part n° 1, plafond annuel (€) : Un plafond ne s'applique qu'à un pourcentage du coût."
        in guided.errors()
    )


def test_exactly_one_remainder_is_required():
    guided = submitted(**{"part-0-rule": "remainder", "part-0-amount": None})
    assert not guided.is_valid()
    # The engine's rule and message, on the row of the second share at the remainder.
    message = (
        "Le plan a 2 parts au reste à charge (règle « Reste à charge ») : parts n° 1 et 3 "
        "(État ; CC Osartis Marquion) ; il en faut exactement une."
    )
    rows = [form for form in guided.shares.forms if form.non_field_errors()]
    assert [(form.cleaned_data["party"], form.non_field_errors()) for form in rows] == [
        ("epci_cc_osartis_marquion", [message])
    ]
    assert guided.shares.non_form_errors() == []


def test_a_year_entered_twice_and_out_of_range_months_are_refused():
    guided = submitted(
        **{"annee-1-year": "2023", "annee-1-annual_cost": "1000", "annee-1-months": "12"}
    )
    assert not guided.is_valid()
    # The engine's message, on the row that repeats the year.
    assert guided.years.forms[1].non_field_errors() == ["Année 2023 en double dans le plan."]
    assert "Année n° 2 : Année 2023 en double dans le plan." in guided.errors()
    guided = submitted(**{"annee-0-months": "13"})
    assert not guided.is_valid()
    assert any(e.startswith("Année n° 1, mois financés : ") for e in guided.errors())


def test_deleting_every_year_is_refused():
    guided = submitted(**{"annee-0-DELETE": "on"})
    assert not guided.is_valid()
    assert guided.years.non_form_errors() == ["Le plan ne compte aucune année."]


def test_an_unknown_party_is_refused():
    guided = submitted(**{"part-0-party": "inconnue"})
    assert not guided.is_valid()
    assert any(e.startswith("Part n° 1, qui paie : ") for e in guided.errors())


BETHUNE = {
    "rounding": "down",
    "years": [
        {"year": 2022, "annual_cost": "44700"},
        {"year": 2023, "annual_cost": "52510"},
    ],
    "shares": [
        {"party": "etat_62", "rule": "fixed", "amount_by_year": {"2022": "14900", "2023": "17500"}},
        {"party": "departement_62", "rule": "percent_of_cost", "percent_by_year": {"2022": "30"}},
        {"party": "epci_cc_osartis_marquion", "rule": "remainder"},
    ],
}


def test_amounts_and_percentages_by_year_round_trip():
    shown = GuidedPlan(parties=PARTIES, previous=read_plan(BETHUNE))
    assert shown.shares.forms[0].initial["by_year"] == "2022 : 14900 ; 2023 : 17500"
    guided = submitted(BETHUNE, months_by_hand=False)
    assert guided.is_valid(), guided.errors()
    assert plan_data(guided)["shares"] == BETHUNE["shares"]


def test_by_year_is_read_the_french_way():
    guided = submitted(
        BETHUNE,
        months_by_hand=False,
        **{"part-0-by_year": "2022 : 14 900 € ; 2023 = 17 500,50\n2024: 18000"},
    )
    assert guided.is_valid(), guided.errors()
    assert plan_data(guided)["shares"][0]["amount_by_year"] == {
        "2022": "14900",
        "2023": "17500.5",
        "2024": "18000",
    }


def test_by_year_mistakes_are_named():
    cases = {
        "2022 14900": "« 2022 14900 » : écrivez l'année puis la valeur, ex. « 2023 : 17 500 ».",
        "2022 : beaucoup": "« 2022 : beaucoup » : « beaucoup » n'est pas un nombre.",
        "2022 : 1 ; 2022 : 2": "L'année 2022 est donnée deux fois.",
    }
    for text, message in cases.items():
        guided = submitted(BETHUNE, months_by_hand=False, **{"part-0-by_year": text})
        assert not guided.is_valid()
        assert guided.errors() == [f"Part n° 1, ou par année : {message}"], text
    both = submitted(BETHUNE, months_by_hand=False, **{"part-0-amount": "100"})
    assert both.errors() == [
        "Part n° 1, ou par année : Un montant pour toutes les années, ou par année : pas les deux."
    ]
    remainder = submitted(
        BETHUNE,
        months_by_hand=False,
        **{"part-1-rule": "percent_of_remainder", "part-1-by_year": "2022 : 30"},
    )
    assert "Part n° 2, ou par année : Le pourcentage du reste ne change pas selon l'année." in (
        remainder.errors()
    )
