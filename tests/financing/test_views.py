"""Financing pages on the demo data: the annual table, the plan page and its preview, the
partners' financing summaries."""

import json

import pytest
from django.urls import reverse

from conventions.models import Party
from demo.users import GESTIONNAIRE_EMAIL, partner_email
from financing import engine
from financing.models import FinancingPlan, ShareLine
from iscg.models import User
from tests.conflicts import post_loaded

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data", "a13_as_draft")]

NBSP = "\u00a0"


def pdc_party(slug: str) -> Party:
    return Party.objects.get(organisation__slug="pas-de-calais", slug=slug)


def login_partner(client, slug: str) -> Party:
    party = pdc_party(slug)
    client.force_login(User.objects.get(email=partner_email(party)))
    return party


def snapshot(reference: str) -> tuple:
    plan = FinancingPlan.objects.get(convention__reference=reference)
    return (
        plan.data,
        sorted(plan.lines.values_list("year", "party__slug", "amount")),
        plan.history.count(),
        ShareLine.history.count(),
    )


# --------------------------------------------------------------------------- annual table


def test_annual_page_2023_shows_the_budget_check_in_french(demo_gestionnaire):
    response = demo_gestionnaire.get("/financement/2023/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"123{NBSP}687{NBSP}€" in html
    assert f"26{NBSP}113{NBSP}€" in html
    assert f"149{NBSP}800{NBSP}€" in html
    assert f"172{NBSP}500{NBSP}€" in html
    # Annexe 2's groups, a row, the reste à charge, a gap and the CAB subsidies apart.
    assert "Postes portés par : Département (3)" in html
    assert "Postes portés par : EPCI (5)" in html  # A13 (6th) awaits signature
    assert "Postes portés par : Association (4)" in html
    assert f"17{NBSP}510{NBSP}€" in html
    assert "reste à charge" in html
    assert f"écrit dans l'acte : 23{NBSP}324{NBSP}€ (écart 915{NBSP}€)" in html
    assert f"\u221212{NBSP}965{NBSP}€" in html  # typographic minus
    assert "Incohérence des sources" in html
    table = response.context["table"]
    assert table.budget.balance_with_forecast == 26113
    assert "Prévisionnel 2023" in html and "PDC2023-A13" in html


def test_annual_page_of_a_year_without_financing(demo_gestionnaire):
    response = demo_gestionnaire.get("/financement/2030/")
    assert response.status_code == 200
    assert "Aucun financement enregistré pour 2030." in response.content.decode()


# --------------------------------------------------------------------------- partners


def test_partner_of_the_ternois_sees_its_reste_a_charge_and_what_it_is_owed(client):
    ternois = login_partner(client, "epci_cc_ternois")
    response = client.get(reverse("financing:my_financing"))
    assert response.status_code == 200
    (year,) = response.context["years"]
    assert year.year == 2023
    assert year.due == 0  # it pays no other employer
    assert year.borne == 14334  # as employer, the reste à charge of 43 000 − 2 × 14 333
    assert year.receivable_total == 2 * 14333  # the State's and the Département's titres
    assert [line.convention.reference for line in year.lines] == ["PDC2023-A08"]
    html = response.content.decode()
    assert "employeur — reste à charge" in html
    assert f"14{NBSP}334{NBSP}€" in html
    assert f"28{NBSP}666{NBSP}€" in html
    own = client.get(reverse("financing:party_summary", args=[ternois.pk]))
    assert own.status_code == 200


def test_partner_of_the_cabbalr_owes_17_500_for_bethune(client):
    login_partner(client, "epci_ca_bethune_bruay")
    response = client.get(reverse("financing:my_financing"))
    years = {y.year: y for y in response.context["years"]}
    assert years[2023].due == 17500  # Béthune commissariat, carried by the Département
    assert years[2023].borne == 14801  # its own gendarmerie post (annexe 9)
    assert years[2022].due == 14900
    assert f"17{NBSP}500{NBSP}€" in response.content.decode()


def test_partner_gets_404_on_another_party_summary(client):
    login_partner(client, "epci_cc_ternois")
    for slug in ("etat_62", "departement_62", "epci_ca_bethune_bruay"):
        response = client.get(reverse("financing:party_summary", args=[pdc_party(slug).pk]))
        assert response.status_code == 404, slug


def test_partner_does_not_see_a_draft_plan(client):
    login_partner(client, "epci_cc_osartis_marquion")  # PDC2023-A13 is still to sign
    response = client.get(reverse("financing:my_financing"))
    assert response.context["years"] == []


def test_subsidy_of_a_convention_d_objectifs_is_not_counted_twice(demo_gestionnaire):
    cab = pdc_party("epci_ca_boulonnais")
    response = demo_gestionnaire.get(reverse("financing:party_summary", args=[cab.pk]))
    years = {y.year: y for y in response.context["years"]}
    assert years[2023].due == 22409 + 6449
    assert "subvention (convention d'objectifs) : non ajoutée" in response.content.decode()


# --------------------------------------------------------------------------- the plan page


def test_plan_page_of_a_signed_convention_shows_the_computed_table_locked(demo_gestionnaire):
    response = demo_gestionnaire.get(reverse("conventions:plan", args=["PDC2023-A04"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "le plan est verrouillé" in html
    assert 'name="plan"' not in html
    assert f"22{NBSP}409{NBSP}€" in html
    assert f"écart 915{NBSP}€" in html
    assert "2022 : coût 25" in html and "sur 5 mois" in html
    assert "Incohérence des sources" in html
    # Posting anyway is refused.
    before = snapshot("PDC2023-A04")
    post = demo_gestionnaire.post(reverse("conventions:plan", args=["PDC2023-A04"]), {"plan": "{}"})
    assert post.status_code == 403
    assert snapshot("PDC2023-A04") == before


def test_plan_page_of_a_draft_has_the_form(demo_gestionnaire):
    response = demo_gestionnaire.get(reverse("conventions:plan", args=["PDC2023-A13"]))
    html = response.content.decode()
    assert 'name="plan"' in html
    assert "hx-post" in html
    assert f"4{NBSP}668{NBSP}€" in html
    # « Exporter le plan »: the saved plan as a file, to import elsewhere.
    export = demo_gestionnaire.get(
        reverse("conventions:plan", args=["PDC2023-A13"]) + "?exporter=1"
    )
    assert export.status_code == 200
    assert export["Content-Disposition"] == 'attachment; filename="plan-PDC2023-A13.json"'
    assert json.loads(export.content)["years"][0]["annual_cost"] == "42000"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{pas du json",
            "Ce texte n'est pas un plan exporté par l'application : il est incomplet ou a été "
            "modifié.",
        ),
        (
            json.dumps(
                {
                    "years": [{"year": 2023, "annual_cost": "42000"}],
                    "shares": [{"party": "etat_62", "rule": "fixed", "amount": "14000"}],
                }
            ),
            "Le plan n'a aucune part au reste à charge (règle « remainder »)",
        ),
        (
            json.dumps(
                {
                    "years": [{"year": 2023, "annual_cost": "42000"}],
                    "shares": [
                        {"party": "etat_62", "rule": "fixed", "amount": "50000"},
                        {"party": "epci_cc_osartis_marquion", "rule": "remainder"},
                    ],
                }
            ),
            "le reste à charge serait négatif",
        ),
    ],
)
def test_posting_an_invalid_plan_returns_400_and_writes_nothing(demo_gestionnaire, text, message):
    before = snapshot("PDC2023-A13")
    response = post_loaded(
        demo_gestionnaire, reverse("conventions:plan", args=["PDC2023-A13"]), {"plan": text}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message.replace("'", "&#x27;") in html
    assert "Rien n'a été enregistré." in html
    assert snapshot("PDC2023-A13") == before


def test_posting_a_valid_plan_on_a_draft_recomputes(demo_gestionnaire):
    plan = FinancingPlan.objects.get(convention__reference="PDC2023-A13")
    data = {**plan.data, "rounding": "half_up"}
    response = post_loaded(
        demo_gestionnaire,
        reverse("conventions:plan", args=["PDC2023-A13"]),
        {"plan": json.dumps(data)},
    )
    assert response.status_code == 302
    amounts = dict(plan.lines.filter(year=2023).values_list("party__slug", "amount"))
    assert amounts == {"etat_62": 4667, "departement_62": 4667, "epci_cc_osartis_marquion": 4666}
    assert plan.history.first().data["rounding"] == "half_up"


def test_preview_returns_the_computed_amounts(demo_gestionnaire):
    plan = FinancingPlan.objects.get(convention__reference="PDC2023-A13")
    before = snapshot("PDC2023-A13")
    response = demo_gestionnaire.post(
        reverse("conventions:plan_preview", args=["PDC2023-A13"]),
        {"plan": json.dumps(plan.data)},
    )
    assert response.status_code == 200
    html = response.content.decode()
    # Months from the post (from 1 September 2023): 4, as saving would compute them.
    assert f"coût 14{NBSP}000{NBSP}€ (4 mois)" in html
    assert f"4{NBSP}666{NBSP}€" in html
    assert f"4{NBSP}668{NBSP}€" in html
    assert "reste à charge" in html
    assert snapshot("PDC2023-A13") == before


def test_preview_of_an_invalid_plan_shows_the_message(demo_gestionnaire):
    response = demo_gestionnaire.post(
        reverse("conventions:plan_preview", args=["PDC2023-A13"]),
        {"plan": json.dumps({"years": [], "shares": []})},
    )
    assert response.status_code == 200
    assert "message-error" in response.content.decode()


def test_preview_says_when_typed_months_give_way_to_the_post(demo_gestionnaire):
    """Saving without « mois saisis à la main » takes the months from the post: the preview
    computes the same, and says so when the plan types other months."""
    plan = FinancingPlan.objects.get(convention__reference="PDC2023-A13")
    data = {**plan.data, "years": [{**plan.data["years"][0], "months": 6}]}
    url = reverse("conventions:plan_preview", args=["PDC2023-A13"])
    html = demo_gestionnaire.post(url, {"plan": json.dumps(data)}).content.decode()
    assert "2023 : 4 mois tirés des dates et absences du poste (le plan en indique 6)" in html
    assert f"4{NBSP}668{NBSP}€" in html
    by_hand = demo_gestionnaire.post(url, {"plan": json.dumps(data), "months_by_hand": "on"})
    html = by_hand.content.decode()
    assert "tirés des dates" not in html
    assert f"coût 21{NBSP}000{NBSP}€ (6 mois)" in html


# --------------------------------------------------------------------------- guided plan editor


def guided_post(client, reference: str, **changes) -> dict:
    """The guided editor's fields as the page shows them (its version token too), with some
    changed."""
    from tests.financing.test_guided_plan import post_data

    page = client.get(reverse("conventions:plan", args=[reference]))
    return {"version": page.context["version"], **post_data(page.context["guided"], **changes)}


def test_a_draft_plan_opens_in_the_guided_editor_with_the_json_one_folded(
    demo_gestionnaire, django_assert_max_num_queries
):
    url = reverse("conventions:plan", args=["PDC2023-A13"])
    demo_gestionnaire.get(url)  # the session is read once per request: count a second one
    # Session, user, savepoints, convention, its posts, plans, years, parties (2), history (4),
    # lines.
    # The plan's draft (none) and the parties' names for the rules in words: 17.
    with django_assert_max_num_queries(17):
        response = demo_gestionnaire.get(url)
    html = response.content.decode()
    guided = response.context["guided"]
    assert [f.initial["party"] for f in guided.shares.initial_forms] == [
        "etat_62",
        "departement_62",
        "epci_cc_osartis_marquion",
    ]
    # Months as the saved plan funds them (from the post's dates), not the JSON default.
    assert guided.years.initial_forms[0].initial == {
        "year": 2023,
        "annual_cost": "42000",
        "months": 4,
    }
    assert '<option value="epci_cc_osartis_marquion" selected>CC Osartis Marquion</option>' in html
    assert "<details>\n<summary>Exporter ou importer un plan</summary>" in html
    assert "JSON" not in html.replace('application/json"', "").replace(".json,", "")


def test_saving_the_guided_editor_recomputes_and_keeps_history(demo_gestionnaire):
    plan = FinancingPlan.objects.get(convention__reference="PDC2023-A13")
    versions = plan.history.count()
    data = guided_post(demo_gestionnaire, "PDC2023-A13", **{"part-0-amount": "15000"})
    response = demo_gestionnaire.post(reverse("conventions:plan", args=["PDC2023-A13"]), data)
    assert response.status_code == 302
    plan.refresh_from_db()
    amounts = dict(plan.lines.filter(year=2023).values_list("party__slug", "amount"))
    # 4 months of 15 000 € = 5 000 €; the CC's remainder takes the rest of 14 000 €.
    assert amounts == {"etat_62": 5000, "departement_62": 4666, "epci_cc_osartis_marquion": 4334}
    assert plan.data["shares"][0] == {"party": "etat_62", "rule": "fixed", "amount": "15000"}
    # What the act wrote is kept, so the new gap shows.
    assert plan.data["years"][0]["as_written"]["etat_62"] == "4666"
    assert plan.history.count() > versions
    assert plan.history.first().history_user.email == GESTIONNAIRE_EMAIL
    # The plan page says who changed which amount, in euros, newest first.
    page = demo_gestionnaire.get(reverse("conventions:plan", args=["PDC2023-A13"]))
    latest, *older = page.context["history"]
    assert latest.user.startswith("Gaëlle Gestion")
    assert latest.changes == [
        "règles du plan modifiées (parts, coûts ou arrondi)",
        f"2023 — État : 4{NBSP}666{NBSP}€ → 5{NBSP}000{NBSP}€",
        f"2023 — CC Osartis Marquion : 4{NBSP}668{NBSP}€ → 4{NBSP}334{NBSP}€",
    ]
    assert older[-1].operation == "Création"
    assert f"2023 — Département : 4{NBSP}666{NBSP}€ (nouvelle part)" in older[-1].changes
    assert "Historique des modifications" in page.content.decode()


def test_an_invalid_guided_plan_returns_400_with_the_errors_and_writes_nothing(demo_gestionnaire):
    before = snapshot("PDC2023-A13")
    data = guided_post(
        demo_gestionnaire, "PDC2023-A13", **{"part-0-amount": None, "part-1-rule": "remainder"}
    )
    response = demo_gestionnaire.post(reverse("conventions:plan", args=["PDC2023-A13"]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Le plan contient des erreurs, signalées ci-dessous." in html
    assert "Indiquez le montant annuel de cette part." in html
    assert "Rien n'a été enregistré." in html
    assert snapshot("PDC2023-A13") == before


def test_a_guided_plan_the_engine_refuses_writes_nothing(demo_gestionnaire):
    before = snapshot("PDC2023-A13")
    data = guided_post(demo_gestionnaire, "PDC2023-A13", **{"part-0-amount": "60000"})
    response = demo_gestionnaire.post(reverse("conventions:plan", args=["PDC2023-A13"]), data)
    assert response.status_code == 400
    assert "le reste à charge serait négatif" in response.content.decode()
    # The rows come back as typed, to be corrected.
    assert response.context["guided"].shares.forms[0]["amount"].value() == "60000"
    assert snapshot("PDC2023-A13") == before


def test_guided_preview_computes_without_saving(demo_gestionnaire):
    before = snapshot("PDC2023-A13")
    url = reverse("conventions:plan_preview", args=["PDC2023-A13"])
    data = guided_post(demo_gestionnaire, "PDC2023-A13", **{"part-0-amount": "15000"})
    html = demo_gestionnaire.post(url, data).content.decode()
    assert f"coût 14{NBSP}000{NBSP}€ (4 mois)" in html
    assert f"5{NBSP}000{NBSP}€" in html
    assert f"4{NBSP}334{NBSP}€" in html
    bad = guided_post(demo_gestionnaire, "PDC2023-A13", **{"part-0-amount": None})
    html = demo_gestionnaire.post(url, bad).content.decode()
    assert "Part n° 1, montant annuel (€) : Indiquez le montant annuel de cette part." in html
    assert snapshot("PDC2023-A13") == before


def test_guided_posts_are_refused_outside_the_gestionnaire_s_drafts(client):
    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    data = guided_post(client, "PDC2023-A13", **{"part-0-amount": "15000"})
    before, signed = snapshot("PDC2023-A13"), snapshot("PDC2023-A04")
    # A signed convention's plan is locked.
    assert client.post(reverse("conventions:plan", args=["PDC2023-A04"]), data).status_code == 403
    # The coordinator sees the plan but may not change it.
    client.force_login(User.objects.get(email="coordinateur@demo.iscg.fr"))
    url = reverse("conventions:plan", args=["PDC2023-A13"])
    assert client.post(url, data).status_code == 403
    preview = reverse("conventions:plan_preview", args=["PDC2023-A13"])
    assert client.post(preview, data).status_code == 403
    # A partner of the convention does not even see it before signature.
    login_partner(client, "epci_cc_osartis_marquion")
    assert client.post(url, data).status_code == 404
    assert snapshot("PDC2023-A13") == before
    assert snapshot("PDC2023-A04") == signed


def test_a_plan_with_a_split_opens_in_the_guided_editor(demo_gestionnaire):
    plan = FinancingPlan.objects.get(convention__reference="PDC2023-A13")
    data = {
        **plan.data,
        "shares": [
            {
                "split": [
                    {"party": "etat_62", "key": "1"},
                    {"party": "departement_62", "key": "1"},
                ],
                "rule": "fixed",
                "amount": "28000",
            },
            {"party": "epci_cc_osartis_marquion", "rule": "remainder"},
        ],
    }
    FinancingPlan.objects.filter(pk=plan.pk).update(data=data)
    response = demo_gestionnaire.get(reverse("conventions:plan", args=["PDC2023-A13"]))
    html = response.content.decode()
    guided = response.context["guided"]
    assert guided.shares.forms[0].is_split
    assert "Répartition entre plusieurs parties (2 parties)" in html
    assert f"28{NBSP}000{NBSP}€ par an, répartie entre État et Département à parts égales" in html


def test_a_guided_save_reads_and_computes_the_plan_once(demo_gestionnaire, monkeypatch):
    calls = []
    for name in ("read_plan", "compute_plan"):
        real = getattr(engine, name)
        monkeypatch.setattr(
            engine, name, lambda value, real=real, name=name: calls.append(name) or real(value)
        )
    data = guided_post(demo_gestionnaire, "PDC2023-A13", **{"part-0-amount": "15000"})
    calls.clear()
    response = demo_gestionnaire.post(reverse("conventions:plan", args=["PDC2023-A13"]), data)
    assert response.status_code == 302
    # The saved plan read (what the act wrote is kept from it), the posted one read, and the
    # posted one computed once, with the post's months (before: two to four parses and computes).
    assert calls == ["read_plan", "read_plan", "compute_plan"]


def test_the_engine_message_goes_on_the_row_it_is_about(demo_gestionnaire):
    """Shares above the cost, found when computing with the post's months: on the year's row."""
    before = snapshot("PDC2023-A13")
    data = guided_post(demo_gestionnaire, "PDC2023-A13", **{"part-0-amount": "100000"})
    response = demo_gestionnaire.post(reverse("conventions:plan", args=["PDC2023-A13"]), data)
    assert response.status_code == 400
    guided = response.context["guided"]
    (message,) = guided.years.forms[0].non_field_errors()
    assert message.startswith("Année 2023 : les parts autres que le reste à charge totalisent")
    assert "Le plan contient des erreurs, signalées ci-dessous." in response.content.decode()
    assert snapshot("PDC2023-A13") == before
