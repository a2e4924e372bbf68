"""What a new user meets on the demo data: French error pages and login message, the financing
menu opening on a year with figures, written dates, signatures as the status says."""

import re
from datetime import date

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from conventions.models import Deliberation, Party
from demo.users import GESTIONNAIRE_EMAIL, partner_email
from financing.models import ShareLine
from iscg.models import User
from tests.financing.test_views import login_partner

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def test_a_forbidden_page_says_so_in_french(client):
    login_partner(client, "epci_cc_ternois")
    response = client.get("/financement/2023/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Accès refusé</h1>" in html
    assert "Votre rôle ne permet pas d'ouvrir cette page" in html.replace("&#x27;", "'")


def test_a_convention_out_of_reach_is_a_french_404_that_reveals_nothing(client):
    login_partner(client, "epci_cc_ternois")
    hidden = client.get(reverse("conventions:detail", args=["PDC2023-A09"]))
    missing = client.get(reverse("conventions:detail", args=["N-EXISTE-PAS"]))
    assert hidden.status_code == missing.status_code == 404
    assert "<h1>Page introuvable</h1>" in hidden.content.decode()
    # The same page either way (but for the per-response CSRF tokens).
    token = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+"')
    assert token.sub(b"", hidden.content) == token.sub(b"", missing.content)


def test_the_server_error_page_is_french_and_needs_no_database():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "<h1>Erreur du serveur</h1>" in response.content.decode()


def test_a_wrong_password_gets_a_readable_french_message(client):
    response = client.post(
        reverse("login"), {"username": GESTIONNAIRE_EMAIL, "password": "mauvais"}
    )
    assert response.status_code == 200
    html = response.content.decode().replace("&#x27;", "'")
    assert "Adresse e-mail ou mot de passe incorrect." in html
    assert "un adresse" not in html


def test_the_financing_menu_opens_on_the_latest_year_with_figures(client):
    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    years = set(
        ShareLine.objects.filter(organisation__slug="pas-de-calais")
        .effective()
        .values_list("year", flat=True)
    )
    expected = max(y for y in years if y <= date.today().year)
    assert expected == 2023 < date.today().year  # the demo has no figures due for this year
    # (its draft renewal PDC2024-A10 has prévisionnel figures for 2024: not opened first)
    response = client.get(reverse("financing:current_year"))
    assert response.status_code == 302
    assert response.url == reverse("financing:annual", args=[2023])
    page = client.get(response.url).content.decode()
    assert (
        'Exercices : <a href="/financement/2022/">2022</a> · <strong aria-current="page">2023'
        in (page)
    )


def test_deliberations_and_duration_errors_use_written_dates(client):
    deliberation = Deliberation.objects.get(number="2023-332")
    assert str(deliberation).endswith("n° 2023-332 du 3 juillet 2023")
    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    html = client.get(reverse("conventions:detail", args=["PDC2023-A08"])).content.decode()
    assert "du 3 juillet 2023" in html
    assert "03/07/2023" not in html


def test_a_signed_act_without_recorded_signatures_is_not_pending(client):
    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    html = client.get(reverse("conventions:signatures", args=["PDC2023-A08"])).content.decode()
    assert "En attente" not in html
    assert "date et signataire non enregistrés" in html
    detail = client.get(reverse("conventions:detail", args=["PDC2023-A08"])).content.decode()
    assert "signée (date et signataire non enregistrés)" in detail


def test_partners_do_not_see_who_on_staff_generated_a_version(client):
    staff = User.objects.get(email=GESTIONNAIRE_EMAIL)
    client.force_login(staff)
    assert client.get(reverse("conventions:pdf", args=["PDC2023-A08"])).status_code == 200
    staff_page = client.get(reverse("conventions:detail", args=["PDC2023-A08"])).content.decode()
    assert '<th scope="col">Par</th>' in staff_page
    login_partner(client, "epci_cc_ternois")
    page = client.get(reverse("conventions:detail", args=["PDC2023-A08"])).content.decode()
    assert "Versions enregistrées" in page
    assert '<th scope="col">Par</th>' not in page
    assert GESTIONNAIRE_EMAIL not in page


def test_one_menu_entry_is_current_and_staff_reach_templates_and_deadlines(client):
    client.force_login(User.objects.get(email="coordinateur@demo.iscg.fr"))
    party = Party.objects.get(organisation__slug="pas-de-calais", slug="epci_cc_ternois")
    response = client.get(reverse("conventions:party_detail", args=[party.pk]))
    items = response.context["nav_items"]
    assert [item["label"] for item in items if item["current"]] == ["Parties"]
    labels = [item["label"] for item in items]
    assert "Modèles" in labels
    assert "Échéances" in labels
    login_partner(client, "epci_cc_ternois")
    partner_labels = [i["label"] for i in client.get("/").context["nav_items"]]
    assert partner_labels == ["Conventions", "Mes financements"]


def test_the_intervenant_is_not_told_there_is_no_financing(client):
    """Financing is hidden from the intervenant: no empty « Aucun financement » section."""
    intervenant = User.objects.get(email="intervenant@demo.iscg.fr")
    client.force_login(intervenant)
    convention = intervenant.post.conventions.order_by("reference").first()
    html = client.get(reverse("conventions:detail", args=[convention.reference])).content.decode()
    assert "Financement par année" not in html
    assert "Aucun financement" not in html
    post = client.get(reverse("conventions:post_detail", args=[intervenant.post_id]))
    assert post.status_code == 200
    assert "Financement par année" not in post.content.decode()
    # Staff still see the section, with the amounts.
    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    html = client.get(reverse("conventions:detail", args=[convention.reference])).content.decode()
    assert "Financement par année" in html


def test_the_intervenant_is_offered_the_years_of_its_conventions(client):
    intervenant = User.objects.get(email="intervenant@demo.iscg.fr")
    client.force_login(intervenant)
    response = client.get(reverse("reporting:bilan_list"))
    to_enter = response.context["to_enter"]
    this_year = date.today().year
    assert 2023 in to_enter  # the post's 2023 convention: its bilan is due
    assert to_enter[-2:] == [this_year - 1, this_year]
    assert 2022 not in to_enter  # already in the demo
    assert to_enter == list(range(2023, this_year + 1))  # 2024: no convention, still offered
    assert "Saisir le bilan 2023" in response.content.decode()


def test_a_validated_demo_bilan_says_validated(client):
    from reporting.models import Bilan, BilanStatus

    bilan = Bilan.objects.filter(status=BilanStatus.VALIDATED, reviewed_at__isnull=True).first()
    client.force_login(User.objects.get(email="coordinateur@demo.iscg.fr"))
    html = client.get(reverse("reporting:bilan_detail", args=[bilan.pk])).content.decode()
    assert "<dt>Validé</dt><dd>date non enregistrée (bilan repris d'un document)" in html
    assert "Validé ou renvoyé" not in html


def test_a_renewal_keeps_a_plan_whose_amounts_change_by_year():
    """PDC2023-A03 gives the State's amount per year: the renewal moves those years too
    (they stayed behind, the copied plan was invalid and silently dropped)."""
    from conventions import drafting
    from conventions.models import Convention
    from financing.models import FinancingPlan

    source = Convention.objects.get(reference="PDC2023-A03")
    renewal = drafting.convention_draft_start(
        organisation=source.organisation, mode="renouvellement", source=source, reference="R-A03"
    ).convention
    shift = renewal.start_date.year - source.effective_start_date.year
    assert shift > 0
    plan = FinancingPlan.objects.get(convention=renewal)
    etat = next(s for s in plan.data["shares"] if s.get("party") == "etat_62")
    assert etat["amount_by_year"] == {str(2022 + shift): "14900", str(2023 + shift): "17500"}
    assert sorted(y["year"] for y in plan.data["years"]) == [2022 + shift, 2023 + shift]
    assert plan.lines.filter(year=2023 + shift, party__slug="etat_62").get().amount == 17500


def test_every_menu_entry_opens_for_every_demo_role(client):
    """No menu entry leads to a refusal, the administrator's included."""
    emails = [
        GESTIONNAIRE_EMAIL,
        "coordinateur@demo.iscg.fr",
        "intervenant@demo.iscg.fr",
        "admin@demo.iscg.fr",
        partner_email(Party.objects.get(organisation__slug="pas-de-calais", slug="etat_62")),
    ]
    for email in emails:
        client.force_login(User.objects.get(email=email))
        items = client.get("/").context["nav_items"]
        assert len(items) >= 2, email
        for item in items:
            response = client.get(item["url"], follow=True)
            assert response.status_code == 200, (email, item["url"], response.status_code)
    client.force_login(User.objects.get(email="admin@demo.iscg.fr"))
    admin_labels = [i["label"] for i in client.get("/").context["nav_items"]]
    assert {"Financement", "Bilans", "Échéances"} <= set(admin_labels)
