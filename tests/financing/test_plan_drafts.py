"""The plan page's drafts, rows added without the script, export and import, and the rules in
words on the page, in the preview and in the convention's PDF (demo data)."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conventions import documents
from conventions.models import Convention, ConventionStatus
from demo.users import COORDINATEUR_EMAIL, GESTIONNAIRE_EMAIL, INTERVENANT_EMAIL
from financing.models import FinancingPlan, PlanDraft
from iscg.models import User
from tests.conflicts import post_loaded
from tests.financing.test_views import guided_post, login_partner, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data", "a13_as_draft")]

NBSP = "\u00a0"
A13 = "PDC2023-A13"


def url(reference: str = A13) -> str:
    return reverse("conventions:plan", args=[reference])


def test_an_incomplete_draft_is_saved_as_typed_and_says_what_is_missing(demo_gestionnaire):
    before = snapshot(A13)
    data = guided_post(
        demo_gestionnaire,
        A13,
        **{"part-0-amount": None, "part-1-amount": "15000", "action": "brouillon"},
    )
    response = demo_gestionnaire.post(url(), data)
    assert response.status_code == 302
    assert response["Location"].endswith("#modifier")
    draft = PlanDraft.objects.get(convention__reference=A13)
    assert draft.data["part-1-amount"] == "15000"
    assert "csrfmiddlewaretoken" not in draft.data and "action" not in draft.data
    # The plan itself is unchanged.
    assert snapshot(A13) == before
    page = demo_gestionnaire.get(url())
    html = page.content.decode()
    assert "Brouillon enregistré le" in html
    assert "Il manque encore, pour en faire le plan :" in html
    assert page.context["missing"] == [
        "Part n° 1, montant annuel (€) : Indiquez le montant annuel de cette part."
    ]
    guided = page.context["guided"]
    # The draft as typed, its blank row of years and of shares still there (not one more).
    assert guided.shares.forms[1]["amount"].value() == "15000"
    assert len(guided.shares.forms) == int(data["part-TOTAL_FORMS"])
    assert len(guided.years.forms) == int(data["annee-TOTAL_FORMS"])
    assert PlanDraft.history.count() == 1


def test_a_complete_draft_becomes_the_plan_only_when_saved_as_the_plan(demo_gestionnaire):
    plan = FinancingPlan.objects.get(convention__reference=A13)
    data = guided_post(demo_gestionnaire, A13, **{"part-0-amount": "15000"})
    demo_gestionnaire.post(url(), {**data, "action": "brouillon"})
    page = demo_gestionnaire.get(url())
    assert page.context["missing"] == []
    assert "Ce brouillon est complet" in page.content.decode()
    assert plan.lines.get(year=2023, party__slug="etat_62").amount == 4666
    response = demo_gestionnaire.post(url(), {**data, "version": page.context["version"]})
    assert response.status_code == 302
    assert plan.lines.get(year=2023, party__slug="etat_62").amount == 5000
    assert not PlanDraft.objects.filter(convention__reference=A13).exists()


def test_an_invalid_save_keeps_the_plan_and_the_draft(demo_gestionnaire):
    data = guided_post(demo_gestionnaire, A13, **{"part-0-amount": None})
    demo_gestionnaire.post(url(), {**data, "action": "brouillon"})
    before = snapshot(A13)
    response = demo_gestionnaire.post(url(), data)
    assert response.status_code == 400
    assert "Rien n'a été enregistré." in response.content.decode()
    assert snapshot(A13) == before
    assert PlanDraft.objects.filter(convention__reference=A13).exists()


def test_a_draft_can_be_abandoned(demo_gestionnaire):
    before = snapshot(A13)
    data = guided_post(demo_gestionnaire, A13, **{"part-0-amount": "1"})
    demo_gestionnaire.post(url(), {**data, "action": "brouillon"})
    response = post_loaded(
        demo_gestionnaire, url(), {"mode": "guided", "action": "abandonner_brouillon"}
    )
    assert response.status_code == 302
    assert not PlanDraft.objects.filter(convention__reference=A13).exists()
    assert snapshot(A13) == before
    # Its history keeps what it held.
    assert PlanDraft.history.count() == 2


def test_adding_a_row_without_the_script_keeps_what_was_typed(demo_gestionnaire):
    # The blank share row filled in, then « Ajouter une part » without the script.
    typed = {"part-3-party": "etat_62", "part-3-rule": "fixed", "part-3-amount": "100"}
    data = guided_post(demo_gestionnaire, A13, **typed, action="ajouter")
    response = demo_gestionnaire.post(url(), data)
    assert response.status_code == 302
    guided = demo_gestionnaire.get(url()).context["guided"]
    assert guided.shares.forms[3]["amount"].value() == "100"
    assert len(guided.shares.forms) == int(data["part-TOTAL_FORMS"]) + 1
    assert not guided.shares.forms[4].has_changed()
    # Nothing typed in the new blank row: « Ajouter » again gives no second blank row.
    again = {**data, "part-TOTAL_FORMS": str(len(guided.shares.forms))}
    demo_gestionnaire.post(url(), again)
    assert len(demo_gestionnaire.get(url()).context["guided"].shares.forms) == len(
        guided.shares.forms
    )


def test_drafts_are_refused_to_others_and_once_frozen(client):
    data = {"mode": "guided", "action": "brouillon", "part-0-amount": "1"}
    login_partner(client, "epci_cc_osartis_marquion")
    assert client.post(url(), data).status_code == 404
    client.force_login(User.objects.get(email=COORDINATEUR_EMAIL))
    assert client.post(url(), data).status_code == 403
    client.force_login(User.objects.get(email=INTERVENANT_EMAIL))
    assert client.post(url(), data).status_code in (403, 404)
    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    # A signed convention: the plan is locked, no draft either.
    assert client.post(url("PDC2023-A04"), data).status_code == 403
    Convention.objects.filter(reference=A13).update(
        status=ConventionStatus.TO_SIGN, text_frozen_at=timezone.now()
    )
    assert client.post(url(), data).status_code == 403
    assert not PlanDraft.objects.exists()


def test_the_service_refuses_a_draft_once_sent_to_signature():
    from django.core.exceptions import ValidationError

    from financing import services

    Convention.objects.filter(reference=A13).update(
        status=ConventionStatus.TO_SIGN, text_frozen_at=timezone.now()
    )
    convention = Convention.objects.get(reference=A13)
    with pytest.raises(ValidationError, match="est à la signature"):
        services.plan_draft_save(
            convention=convention, post=convention.posts.get(), data={"part-0-amount": "1"}
        )
    assert not PlanDraft.objects.exists()


def test_export_then_import_the_plan_as_a_file(demo_gestionnaire):
    plan = FinancingPlan.objects.get(convention__reference=A13)
    exported = demo_gestionnaire.get(url() + "?exporter=1")
    data = json.loads(exported.content)
    data["rounding"] = "half_up"
    upload = SimpleUploadedFile(
        "plan.json", json.dumps(data).encode(), content_type="application/json"
    )
    response = post_loaded(demo_gestionnaire, url(), {"mode": "json", "fichier": upload})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.data["rounding"] == "half_up"
    assert plan.lines.get(year=2023, party__slug="etat_62").amount == 4667


def test_export_is_for_staff_only(client):
    login_partner(client, "epci_cc_osartis_marquion")
    assert client.get(url() + "?exporter=1").status_code == 404
    client.force_login(User.objects.get(email=INTERVENANT_EMAIL))
    assert client.get(url("PDC2023-A08") + "?exporter=1").status_code in (403, 404)


def test_the_preview_states_each_share_in_words(demo_gestionnaire):
    data = guided_post(
        demo_gestionnaire,
        A13,
        **{
            "part-1-rule": "percent_of_cost",
            "part-1-amount": None,
            "part-1-by_rank": "30 ; 20 ; 10",
        },
    )
    response = demo_gestionnaire.post(reverse("conventions:plan_preview", args=[A13]), data)
    html = response.content.decode()
    assert (
        f"<strong>Département</strong> : 30{NBSP}% du coût la 1re année de service, "
        f"20{NBSP}% la 2e, 10{NBSP}% ensuite"
    ) in html
    assert "<strong>CC Osartis Marquion</strong> : reste à charge" in html


def test_the_pdf_states_each_funders_rule_and_total_over_the_period():
    quimper = Convention.objects.get(reference="QUIMPER2023")
    html = documents.render_html(quimper).html
    table = html[html.index('<table class="financing">') :]
    table = table[: table.index("</table>")]
    text = re.sub(r"[\s\u00a0\u202f]+", " ", re.sub(r"<[^>]+>", " ", table))
    assert "80 % du coût la 1re année de service, 50 % la 2e, 30 % la 3e, 33 % ensuite" in text
    assert "reste à charge" in text
    assert "Sur la période" in text
    pdf, _ = documents.render_pdf(html)
    import io

    from pypdf import PdfReader

    pages = " ".join(
        re.sub(r"[\s\u00a0\u202f]+", " ", page.extract_text())
        for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert "80 % du coût la 1re année de service" in pages
    assert "Sur la période" in pages
