"""No blanks in what is signed: where each missing value is filled in (pure), sending refused
while the text has blanks (override only with a reason kept in the history), the plan frozen
with the text from "À signer", withdrawing the signature request."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from conventions import blanks, services
from conventions.models import Convention, ConventionStatus, DocumentKind, Party, PartyKind
from financing import services as financing_services
from financing.engine import read_plan
from financing.models import FinancingPlan
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    HostUnitFactory,
    PartyFactory,
    PostFactory,
    RepresentativeFactory,
    UserFactory,
)

TODAY = timezone.localdate()
REF = "TEST-0042"

# --------------------------------------------------------------------------- where_to_fill (pure)


def _urls(name, **ids):
    return [place.url for place in blanks.where_to_fill(name, reference=REF, **ids)]


def test_a_signature_place_is_filled_at_the_draft_s_information_step():
    assert _urls("convention.lieu_signature")[0] == f"/conventions/{REF}/brouillon/informations/"
    assert _urls("convention.date_fin")[0] == f"/conventions/{REF}/brouillon/informations/"


def test_a_representative_is_chosen_at_the_parties_step_or_on_the_party_page():
    urls = _urls("etat.representant", party_id=7, convention_id=1)
    assert urls[:2] == [f"/conventions/{REF}/brouillon/parties/", "/conventions/parties/7/"]
    assert _urls("representant", party_id=7)[:2] == urls[:2]
    assert _urls("representant_nom", party_id=7)[1] == "/conventions/parties/7/"


def test_a_party_or_role_missing_from_the_convention_is_added_at_the_parties_step():
    assert _urls("autorite_fonctionnelle.avec_article")[0] == (
        f"/conventions/{REF}/brouillon/parties/"
    )


def test_a_post_s_unit_is_on_the_post_page_and_in_the_back_office():
    urls = _urls("poste.unites", post_id=3)
    assert urls[:2] == ["/conventions/postes/3/", "/admin/conventions/post/3/change/"]


def test_an_address_is_on_the_party_page_and_amounts_on_the_plan():
    assert _urls("employeur.adresse", party_id=5)[0] == "/conventions/parties/5/"
    assert _urls("financement.2023.etat")[0] == f"/conventions/{REF}/financement/"
    assert _urls("bloc.financement")[0] == f"/conventions/{REF}/financement/"


def test_clauses_outside_the_wizard_go_to_the_back_office_or_the_text():
    urls = _urls("convention.juridiction", convention_id=9)
    assert urls == ["/admin/conventions/convention/9/change/", f"/conventions/{REF}/texte/"]


def test_the_signature_date_is_written_by_hand_and_does_not_block():
    (place,) = blanks.where_to_fill("convention.date_signature", reference=REF)
    assert place.url is None and "à la main" in place.label
    blank = blanks.Blank("Formule finale", "…", "convention.date_signature", (place,))
    assert not blank.blocking
    assert blanks.Blank("Formule finale", "…", "convention.lieu_signature", ()).blocking


def test_once_sent_the_draft_steps_are_no_longer_offered():
    urls = _urls("convention.lieu_signature", is_draft=False)
    assert urls == []
    assert _urls("etat.representant", party_id=7, is_draft=False)[0] == "/conventions/parties/7/"


# --------------------------------------------------------------------------- with the database

TEXT = {
    "title": "{{ convention.titre }}",
    "parties_block": "Entre :\n\n{{ bloc.parties }}",
    "preamble": "Au sein des locaux de : {{ poste.unites }}.",
    "articles": [{"title": "Financement", "body": "{{ bloc.financement }}"}],
    "closing": "Fait à {{ convention.lieu_signature }}, le {{ convention.date_signature }}.",
}


@pytest.fixture
def world(db):
    convention = ConventionFactory(
        status=ConventionStatus.DRAFT,
        start_date=TODAY - timedelta(days=30),
        end_date=TODAY + timedelta(days=300),
        signature_place="",
        text=TEXT,
    )
    organisation = convention.organisation
    post = PostFactory(organisation=organisation, first_year=TODAY.year)
    convention.posts.set([post])
    etat = PartyFactory(organisation=organisation, slug="etat", kind=PartyKind.ETAT, name="État")
    cc = PartyFactory(organisation=organisation, slug="cc", name="CC du Ternois")
    ConventionPartyFactory(
        convention=convention, party=etat, representative=None
    )  # "représenté par …………"
    ConventionPartyFactory(
        convention=convention,
        party=cc,
        representative=RepresentativeFactory(party=cc, name="Marc BRIDOUX"),
        is_employer=True,
    )
    manager = UserFactory(gestionnaire=True, organisation=organisation)
    financing_services.plan_save(convention=convention, post=post, plan=read_plan(_plan()))
    return {"convention": convention, "post": post, "etat": etat, "cc": cc, "manager": manager}


def _plan(etat="15000", cc="15000"):
    return {
        "years": [{"year": TODAY.year, "annual_cost": "30000", "months": 12}],
        "shares": [
            {"party": "etat", "rule": "fixed", "amount": etat},
            {"party": "cc", "rule": "remainder"},
        ],
    }


def _complete(world):
    """Fill in every missing value of the world's draft."""
    convention = world["convention"]
    convention.signature_place = "Arras"
    convention.save()
    HostUnitFactory(post=world["post"], name="Brigade de Saint-Pol-sur-Ternoise")
    rep = RepresentativeFactory(party=world["etat"], name="Jacques BILLANT", title="Préfet")
    convention.memberships.filter(party=world["etat"]).update(representative=rep)


def test_sending_is_refused_while_the_text_has_blanks_listing_each_with_its_place(world):
    convention, manager = world["convention"], world["manager"]
    history = convention.history.count()
    with pytest.raises(services.BlanksInText) as error:
        services.convention_send_to_signature(convention=convention, by=manager)
    found = {blank.name: blank for blank in error.value.blanks}
    assert set(found) == {"poste.unites", "convention.lieu_signature", "representant"}
    ref = convention.reference
    assert found["convention.lieu_signature"].places[0].url == (
        f"/conventions/{ref}/brouillon/informations/"
    )
    assert found["representant"].places[0].url == f"/conventions/{ref}/brouillon/parties/"
    assert found["representant"].places[1].url == f"/conventions/parties/{world['etat'].pk}/"
    assert found["poste.unites"].places[0].url == f"/conventions/postes/{world['post'].pk}/"
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.DRAFT and convention.text_frozen_at is None
    assert not convention.documents.exists()
    assert convention.history.count() == history
    # Once completed, it goes (the signature date is left for the signatories' hand).
    _complete(world)
    document = services.convention_send_to_signature(convention=convention, by=manager)
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.TO_SIGN and document.is_frozen


def test_sending_anyway_needs_the_confirmation_and_a_reason_kept_in_the_history(world, client):
    convention, manager = world["convention"], world["manager"]
    with pytest.raises(ValidationError) as error:
        services.convention_send_to_signature(
            convention=convention, by=manager, send_with_blanks=True, reason="  "
        )
    assert "Indiquez pourquoi" in error.value.messages[0]
    assert Convention.objects.get(pk=convention.pk).status == ConventionStatus.DRAFT
    services.convention_send_to_signature(
        convention=convention,
        by=manager,
        send_with_blanks=True,
        reason="Le préfet signera sur place ; lieu fixé le jour même.",
    )
    record = convention.history.order_by("-history_date").first()
    assert record.status == ConventionStatus.TO_SIGN
    assert record.history_user == manager
    assert "malgré 3 valeurs absentes" in record.history_change_reason
    assert "Le préfet signera sur place" in record.history_change_reason
    assert "convention.lieu_signature" in record.history_change_reason
    assert "aucun représentant signataire pour l'État" in record.history_change_reason
    client.force_login(manager)
    page = client.get(convention.get_absolute_url()).content.decode()
    assert "Envoi à la signature malgré 3 valeurs absentes" in page
    assert "convention.lieu_signature" in page


def test_the_signature_page_shows_the_blanks_with_links_and_refuses_to_send(world, client):
    convention, manager = world["convention"], world["manager"]
    client.force_login(manager)
    url = reverse("conventions:signatures", args=[convention.reference])
    page = client.get(url).content.decode()
    assert "Valeurs absentes pour" in page
    assert f'href="/conventions/{convention.reference}/brouillon/informations/"' in page
    assert f'href="/conventions/postes/{world["post"].pk}/"' in page
    assert "J'envoie malgré les valeurs absentes" not in page  # on the confirmation page
    url = reverse("conventions:send_confirm", args=[convention.reference])
    assert "J'envoie malgré les valeurs absentes" in client.get(url).content.decode()
    response = client.post(url, {})
    assert response.status_code == 400
    assert "Envoi refusé : le texte a 3 valeurs absentes" in response.content.decode()
    assert Convention.objects.get(pk=convention.pk).status == ConventionStatus.DRAFT
    response = client.post(
        url, {"action": "envoyer", "send_with_blanks": "on", "reason": "Urgence du comité"}
    )
    assert response.status_code == 302
    assert Convention.objects.get(pk=convention.pk).status == ConventionStatus.TO_SIGN


def test_a_coordinator_cannot_send_or_withdraw(world, client):
    convention = world["convention"]
    coordinator = UserFactory(coordinateur=True, organisation=convention.organisation)
    client.force_login(coordinator)
    url = reverse("conventions:signatures", args=[convention.reference])
    send = reverse("conventions:send_confirm", args=[convention.reference])
    response = client.post(send, {"send_with_blanks": "on", "reason": "x"})
    assert response.status_code == 403
    _complete(world)
    services.convention_send_to_signature(convention=convention, by=world["manager"])
    response = client.post(url, {"action": "retirer_demande", "reason": "x"})
    assert response.status_code == 403
    assert Convention.objects.get(pk=convention.pk).status == ConventionStatus.TO_SIGN


# --------------------------------------------------------------------------- plan frozen with the text


def test_the_plan_is_frozen_from_a_signer_etat_15000_to_5000_is_refused(world, client):
    """The issue's case: État changed from 15 000 € to 5 000 € after sending."""
    convention, manager, post = world["convention"], world["manager"], world["post"]
    plan = FinancingPlan.objects.get(convention=convention)
    _complete(world)
    services.convention_send_to_signature(convention=convention, by=manager)
    plan.refresh_from_db()
    assert plan.is_locked
    with pytest.raises(financing_services.PlanLocked) as error:
        financing_services.plan_save(
            convention=Convention.objects.get(pk=convention.pk),
            post=post,
            plan=read_plan(_plan(etat="5000")),
        )
    assert "Retirez la demande de signature" in error.value.messages[0]
    amounts = dict(plan.lines.values_list("party__slug", "amount"))
    assert amounts == {"etat": Decimal("15000"), "cc": Decimal("15000")}
    # The page says why and offers the withdrawal; a post is refused.
    client.force_login(manager)
    url = reverse("conventions:plan", args=[convention.reference])
    page = client.get(url).content.decode()
    assert "figé avec le texte envoyé" in page
    assert "Retirer la demande de signature" in page
    assert 'name="mode" value="guided"' not in page
    assert client.post(url, {"plan": "{}"}).status_code == 403
    assert dict(plan.lines.values_list("party__slug", "amount"))["etat"] == Decimal("15000")


def test_a_plan_cannot_be_added_once_sent(world):
    convention = world["convention"]
    FinancingPlan.objects.filter(convention=convention).delete()
    convention.text = {**TEXT, "articles": []}
    convention.save()
    _complete(world)
    services.convention_send_to_signature(convention=convention, by=world["manager"])
    with pytest.raises(financing_services.PlanLocked):
        financing_services.plan_save(
            convention=convention, post=world["post"], plan=read_plan(_plan())
        )
    assert not FinancingPlan.objects.filter(convention=convention).exists()


def test_withdrawing_the_request_makes_text_and_plan_editable_and_is_recorded(world, client):
    convention, manager, post = world["convention"], world["manager"], world["post"]
    _complete(world)
    sent = services.convention_send_to_signature(convention=convention, by=manager)
    services.convention_sign(
        convention=convention,
        party=world["etat"],
        signed_on=TODAY,
        signatory_name="Jacques BILLANT",
        by=manager,
    )
    with pytest.raises(ValidationError) as error:
        services.convention_signature_withdraw(convention=convention, by=manager, reason="")
    assert "Indiquez pourquoi" in error.value.messages[0]
    client.force_login(manager)
    response = client.post(
        reverse("conventions:signatures", args=[convention.reference]),
        {"action": "retirer_demande", "reason": "L'État baisse sa part à 5 000 €."},
    )
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.DRAFT and convention.is_text_editable
    membership = convention.memberships.get(party=world["etat"])
    assert membership.signed_on is None and membership.signatory_name == ""
    assert membership.history.filter(signatory_name="Jacques BILLANT").exists()
    record = convention.history.order_by("-history_date").first()
    assert record.history_change_reason == (
        "Demande de signature retirée. Motif : L'État baisse sa part à 5 000 €."
    )
    assert record.history_user == manager
    page = client.get(convention.get_absolute_url()).content.decode()
    assert "Demande de signature retirée. Motif" in page
    assert f"v{sent.number}" in page  # the document sent stays among the versions
    # The plan and the text change again; sending again freezes a new document.
    financing_services.plan_save(
        convention=convention, post=post, plan=read_plan(_plan(etat="5000"))
    )
    services.convention_text_save(
        convention=convention, text={**TEXT, "preamble": "Au sein de : {{ poste.unites }}."}
    )
    again = services.convention_send_to_signature(convention=convention, by=manager)
    assert again.number > sent.number and again.is_frozen
    assert services.convention_document(convention=convention, by=manager).pk == again.pk
    assert again.kind == DocumentKind.GENERATED
    sent.refresh_from_db()
    assert sent.is_frozen  # still listed as the text once sent


def test_sending_again_an_older_text_freezes_it_as_the_current_document(world):
    convention, manager = world["convention"], world["manager"]
    _complete(world)
    first = services.convention_send_to_signature(convention=convention, by=manager)
    services.convention_signature_withdraw(convention=convention, by=manager, reason="Erreur")
    services.convention_text_save(convention=convention, text={**TEXT, "preamble": "Autre."})
    second = services.convention_send_to_signature(convention=convention, by=manager)
    services.convention_signature_withdraw(convention=convention, by=manager, reason="Retour")
    services.convention_text_save(convention=convention, text=TEXT)
    third = services.convention_send_to_signature(convention=convention, by=manager)
    assert len({first.pk, second.pk, third.pk}) == 3
    assert services.convention_document(convention=convention, by=manager).pk == third.pk


def test_only_a_convention_to_sign_has_a_request_to_withdraw(world):
    with pytest.raises(ValidationError) as error:
        services.convention_signature_withdraw(
            convention=world["convention"], by=world["manager"], reason="x"
        )
    assert "pas de demande à retirer" in error.value.messages[0]


# --------------------------------------------------------------------------- unknown values


def test_a_value_the_act_does_not_give_is_said_in_words(world):
    convention = world["convention"]
    convention.unknown_values = ["convention.lieu_signature", "poste.unites", "representant:etat"]
    convention.save()
    found = blanks.convention_blanks(convention)
    assert [blank.name for blank in found] == ["convention.date_signature"]
    from conventions import documents

    html = documents.render_html(convention).html
    assert "Fait à (non précisé dans l&#x27;acte)" in html or "Fait à (non précisé" in html
    assert "représenté par (non précisé dans l" in html
    assert "…………" in html  # the signature date, left for the signatories


# --------------------------------------------------------------------------- the demo


def _text_of(html: str) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.usefixtures("demo_data")
def test_every_signed_demo_convention_renders_without_blanks_or_dots(db):
    from conventions import documents

    signed = Convention.objects.exclude(
        status__in=[ConventionStatus.DRAFT, ConventionStatus.TO_SIGN]
    ).order_by("reference")
    assert signed.count() >= 16
    for convention in signed:
        rendered = documents.render_html(convention)
        text = _text_of(rendered.html)
        assert "…………" not in text, convention.reference
        assert "../" not in text and "XX/XX" not in text, convention.reference
        assert rendered.missing == [], (convention.reference, rendered.missing)
    a08 = _text_of(documents.render_html(signed.get(reference="PDC2023-A08")).html)
    assert "Commission Permanente en date du 3 juillet 2023" in a08
    a16 = _text_of(documents.render_html(signed.get(reference="PDC2023-A16")).html)
    assert "Fait à (non précisé dans l'acte), le (non précisé dans l'acte)" in a16
    assert "Le Département du Pas-de-Calais représenté par son Président, M. Jean-Claude LEROY" in (
        a16
    )


@pytest.mark.usefixtures("demo_data")
def test_the_signed_pdf_of_a14_says_what_the_act_does_not_give(db):
    convention = Convention.objects.get(reference="PDC2023-A14")
    document = services.document_rendered(services.convention_document(convention=convention))
    with document.file.open("rb") as stored:
        reader = PdfReader(io.BytesIO(stored.read()))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "…………" not in text and "../" not in text
    assert "non précisé dans l" in text
    assert "3 juillet 2023" in text


@pytest.mark.usefixtures("demo_data")
def test_the_demo_s_convention_to_sign_has_its_plan_frozen(db, client):
    from demo.users import GESTIONNAIRE_EMAIL
    from iscg.models import User

    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    page = client.get(reverse("conventions:plan", args=["PDC2023-A13"])).content.decode()
    assert "Retirer la demande de signature" in page
    assert Party.objects.filter(slug="epci_cc_osartis_marquion").exists()


@pytest.mark.parametrize("dots", [".././....", "../../....", "XX/XX/XXXX"])
def test_the_departement_s_deliberation_date_left_as_dots_is_the_commission_s(dots):
    from demo.load import _pdc_wording

    decision = {"meeting_date": "2023-07-03"}
    written = f"… dûment autorisé par délibération de la Commission Permanente en date du {dots}"
    assert _pdc_wording(written, "departement_62", decision) == (
        "Le Département du Pas-de-Calais représenté par son Président, M. Jean-Claude LEROY, "
        "dûment autorisé par délibération de la Commission Permanente en date du 3 juillet 2023"
    )
    # Another party's wording is kept as written.
    other = "La CC, représentée par son Président, dûment autorisé par délibération n°....."
    assert _pdc_wording(other, "epci_cc_osartis_marquion", decision) == other
