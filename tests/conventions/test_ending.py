"""Ending a convention: dénonciation and résiliation (services, plan truncation, letter, pages),
and the status read from the dates on a fixed "today"."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from conventions import letters, services
from conventions.models import Convention, ConventionKind, ConventionStatus
from financing import services as financing
from financing.engine import read_plan
from financing.models import ShareLine
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    OrganisationFactory,
    PartyFactory,
    PaymentFactory,
    PostFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 1)


@pytest.fixture
def today(monkeypatch):
    """Freeze "today" (everything reads ``django.utils.timezone.localdate``)."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


def plan_data(years=(2026, 2027, 2028), etat="12000", departement="12000") -> dict:
    return {
        "rounding": "down",
        "years": [{"year": y, "annual_cost": "36000"} for y in years],
        "shares": [
            {"party": "etat", "rule": "fixed", "amount": etat},
            {"party": "departement", "rule": "fixed", "amount": departement},
            {"party": "epci", "rule": "remainder"},
        ],
    }


@pytest.fixture
def world(today):
    organisation = OrganisationFactory(name="Département du Pas-de-Calais")
    etat = PartyFactory(organisation=organisation, slug="etat", kind="etat", name="État")
    departement = PartyFactory(
        organisation=organisation, slug="departement", kind="departement", name="Département"
    )
    epci = PartyFactory(organisation=organisation, slug="epci", kind="epci", name="CC du Ternois")
    post = PostFactory(organisation=organisation, employer=epci, start_date=None)
    convention = ConventionFactory(
        organisation=organisation,
        reference="PDC2026-A08",
        title="Convention de financement du poste ISG du Ternois",
        start_date=date(2026, 1, 1),
        end_date=date(2028, 12, 31),
        signature_date=date(2025, 12, 15),
        status=ConventionStatus.SIGNED,
    )
    convention.posts.set([post])
    for order, party in enumerate((etat, departement, epci)):
        ConventionPartyFactory(convention=convention, party=party, order=order)
    plan = financing.plan_set_as_signed(
        convention=convention, post=post, plan=read_plan(plan_data())
    )
    gestionnaire = UserFactory(gestionnaire=True, organisation=organisation)
    return {
        "organisation": organisation,
        "etat": etat,
        "epci": epci,
        "departement": departement,
        "post": post,
        "convention": convention,
        "plan": plan,
        "gestionnaire": gestionnaire,
    }


def line(plan, year, slug):
    return ShareLine.objects.filter(plan=plan, year=year, party__slug=slug).first()


def amounts(plan, year):
    return {
        row.party.slug: row.amount
        for row in ShareLine.objects.filter(plan=plan, year=year).select_related("party")
    }


def titre(share_line, amount, number, issued_on=date(2026, 11, 15)):
    return PaymentFactory(
        share_line=share_line, number=number, issued_on=issued_on, amount_issued=Decimal(amount)
    )


def snapshot(convention, plan):
    convention.refresh_from_db()
    plan.refresh_from_db()
    return (
        convention.termination_kind,
        convention.termination_effective_date,
        convention.history.count(),
        plan.data,
        sorted(plan.lines.values_list("year", "party__slug", "amount")),
    )


# --------------------------------------------------------------------------- résiliation


def test_resiliation_stops_the_money_and_lists_the_titres_to_cancel(world):
    convention, plan, by = world["convention"], world["plan"], world["gestionnaire"]
    early = titre(line(plan, 2027, "etat"), "12000", "T-2027-1")
    titre(line(plan, 2026, "etat"), "12000", "T-2026-1")  # 2026 stays due: not listed
    late = titre(line(plan, 2028, "etat"), "5000", "T-2028-1")

    ending = services.convention_terminate(
        convention=convention, effective_date=date(2027, 3, 15), reason="Poste supprimé", by=by
    )

    convention.refresh_from_db()
    assert convention.termination_kind == "resiliation"
    assert convention.termination_effective_date == date(2027, 3, 15)
    assert convention.termination_notice_date == TODAY
    assert convention.termination_reason == "Poste supprimé"
    record = convention.history.first()
    assert record.history_user == by and record.termination_kind == "resiliation"
    # 2026 untouched; 2027: January to March (March started), 3/12 of each share; 2028 gone,
    # but the État share that has a titre stays, at 0 €.
    assert amounts(plan, 2026) == {
        "etat": Decimal("12000"),
        "departement": Decimal("12000"),
        "epci": Decimal("12000"),
    }
    assert amounts(plan, 2027) == {
        "etat": Decimal("3000"),
        "departement": Decimal("3000"),
        "epci": Decimal("3000"),
    }
    assert amounts(plan, 2028) == {"etat": Decimal("0")}
    assert list(plan.years.values_list("year", "months", "cost")) == [
        (2026, 12, Decimal("36000")),
        (2027, 3, Decimal("9000")),
    ]
    assert {p.pk for p in ending.payments_to_cancel} == {early.pk, late.pk}
    changed = ShareLine.history.filter(plan_id=plan.pk, year=2027, party__slug="etat").first()
    assert changed.history_user == by and changed.amount == Decimal("3000")
    assert plan.history.first().history_user == by
    # The status moves on the date of effect.
    assert convention.status_on(date(2027, 3, 14)) == "en_vigueur"
    assert convention.status_on(date(2027, 3, 15)) == "resiliee"


def test_resiliation_truncates_the_signed_avenants_too(world):
    convention, post = world["convention"], world["post"]
    avenant = ConventionFactory(
        organisation=world["organisation"],
        kind=ConventionKind.AVENANT,
        parent=convention,
        start_date=date(2027, 1, 1),
        end_date=date(2028, 12, 31),
        status=ConventionStatus.SIGNED,
    )
    avenant.posts.set([post])
    draft = ConventionFactory(
        organisation=world["organisation"],
        kind=ConventionKind.AVENANT,
        parent=convention,
        status=ConventionStatus.DRAFT,
    )
    draft.posts.set([post])
    avenant_plan = financing.plan_set_as_signed(
        convention=avenant, post=post, plan=read_plan(plan_data(years=(2027, 2028), etat="15000"))
    )
    draft_plan = financing.plan_save(convention=draft, post=post, plan=read_plan(plan_data()))

    services.convention_terminate(
        convention=convention,
        effective_date=date(2027, 7, 1),
        reason="Fin du financement de l'État",
        by=world["gestionnaire"],
    )

    assert amounts(avenant_plan, 2027)["etat"] == Decimal("7500")  # 6 months of 15 000 €
    assert amounts(avenant_plan, 2028) == {}
    avenant.refresh_from_db()
    assert avenant.termination_effective_date == date(2027, 7, 1)
    assert amounts(draft_plan, 2028)["etat"] == Decimal("12000")  # a draft is not an act


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"effective_date": date(2027, 3, 1), "reason": "  "}, "motif"),
        ({"effective_date": date(2025, 12, 1), "reason": "x"}, "précède le début"),
        ({"effective_date": date(2029, 1, 1), "reason": "x"}, "suit la fin"),
    ],
)
def test_a_bad_resiliation_is_refused_in_french_and_changes_nothing(world, kwargs, message):
    convention, plan = world["convention"], world["plan"]
    before = snapshot(convention, plan)
    with pytest.raises(ValidationError, match=message):
        services.convention_terminate(convention=convention, by=world["gestionnaire"], **kwargs)
    assert snapshot(convention, plan) == before


def test_a_draft_or_an_ended_convention_cannot_be_ended(world):
    draft = ConventionFactory(organisation=world["organisation"], draft=True)
    with pytest.raises(ValidationError, match="n'est pas signée"):
        services.convention_terminate(
            convention=draft, effective_date=date(2023, 6, 1), reason="x", by=None
        )
    expired = ConventionFactory(organisation=world["organisation"])  # 2023, stored "signée"
    with pytest.raises(ValidationError, match="expirée"):
        services.convention_terminate(
            convention=expired, effective_date=date(2023, 6, 1), reason="x", by=None
        )
    services.convention_terminate(
        convention=world["convention"], effective_date=date(2027, 1, 1), reason="x", by=None
    )
    with pytest.raises(ValidationError, match="fait déjà l'objet d'une résiliation"):
        services.convention_denounce(convention=world["convention"], notice_date=TODAY, by=None)


# --------------------------------------------------------------------------- dénonciation


def test_denunciation_in_time_takes_effect_at_the_end(world):
    convention, plan = world["convention"], world["plan"]
    before = sorted(plan.lines.values_list("year", "party__slug", "amount"))
    ending = services.convention_denounce(
        convention=convention, notice_date=date(2026, 11, 20), by=world["gestionnaire"]
    )
    convention.refresh_from_db()
    assert convention.termination_kind == "denonciation"
    assert convention.termination_notice_date == date(2026, 11, 20)
    assert convention.termination_effective_date == date(2028, 12, 31)
    assert ending.payments_to_cancel == []
    assert sorted(plan.lines.values_list("year", "party__slug", "amount")) == before
    assert convention.current_status == "en_vigueur"
    assert convention.status_on(date(2028, 12, 31)) == "resiliee"
    assert convention.history.first().history_user == world["gestionnaire"]


def test_denunciation_after_the_deadline_is_refused_and_changes_nothing(world):
    convention, plan = world["convention"], world["plan"]
    Convention.objects.filter(pk=convention.pk).update(end_date=date(2027, 1, 31))
    before = snapshot(convention, plan)
    with pytest.raises(ValidationError, match="au plus tard le 31 octobre 2026"):
        services.convention_denounce(
            convention=convention, notice_date=date(2026, 11, 20), by=world["gestionnaire"]
        )
    assert snapshot(convention, plan) == before


def test_denunciation_dated_in_the_future_is_refused(world):
    with pytest.raises(ValidationError, match="futur"):
        services.convention_denounce(
            convention=world["convention"], notice_date=date(2026, 12, 2), by=None
        )


# --------------------------------------------------------------------------- letter


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def test_the_letter_of_a_denunciation_reads_back_from_its_pdf(client, fetch, world):
    convention = world["convention"]
    services.convention_denounce(
        convention=convention, notice_date=date(2026, 9, 1), by=world["gestionnaire"]
    )
    client.force_login(world["gestionnaire"])
    response = fetch(client, reverse("conventions:termination_letter", args=[convention.reference]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Objet : dénonciation de la convention PDC2026-A08" in text
    assert "le 1er septembre 2026" in text
    assert "le 31 décembre 2028" in text
    assert "CC du Ternois" in text


def test_the_letter_names_its_sender_with_its_article_and_signs_with_its_representative(
    client, fetch, world
):
    convention, departement = world["convention"], world["departement"]
    departement.name = "Département du Pas-de-Calais"
    departement.save()
    organisation = world["organisation"]
    organisation.party = departement
    organisation.save()
    RepresentativeFactory(
        party=departement,
        name="Jean-Claude LEROY",
        title="Président du Conseil départemental",
        delegation="",
    )
    services.convention_denounce(
        convention=convention, notice_date=date(2026, 9, 1), by=world["gestionnaire"]
    )
    client.force_login(world["gestionnaire"])
    response = fetch(client, reverse("conventions:termination_letter", args=[convention.reference]))
    text = pdf_text(response.content)
    assert "Par la présente, le Département du Pas-de-Calais vous notifie la dénonciation" in text
    assert (
        "Pour le Département du Pas-de-Calais, "
        "Le Président du Conseil départemental, Jean-Claude LEROY"
    ) in text
    # Addressed to the other parties only, as lines: no stray list markers.
    assert "À l'attention de : État CC du Ternois Objet" in text
    assert "•" not in text


def test_a_letter_from_a_town_names_it_with_its_article():
    letter = letters.letter_text(
        kind="resiliation",
        organisation="Ville d'Aubervilliers",
        organisation_kind="commune",
        reference="AUB-1",
        title="Convention",
        recipients=["État"],
        letter_date=date(2026, 12, 1),
        effective_date=date(2027, 3, 1),
        notice_months=3,
        signatory=("par délégation, le Maire adjoint", "Anne MARTIN", " "),
    )
    assert "Par la présente, la Ville d'Aubervilliers vous notifie" in letter.paragraphs[1]
    assert letter.signature == "Pour la Ville d'Aubervilliers"
    assert letter.signatory == ("Par délégation, le Maire adjoint", "Anne MARTIN")


# --------------------------------------------------------------------------- pages


def test_a_gestionnaire_terminates_from_the_convention_page(client, world):
    convention, plan = world["convention"], world["plan"]
    titre(line(plan, 2027, "etat"), "12000", "T-2027-1")
    client.force_login(world["gestionnaire"])
    page = client.get(convention.get_absolute_url())
    assert reverse("conventions:terminate", args=[convention.reference]) in page.content.decode()
    url = reverse("conventions:terminate", args=[convention.reference])
    assert client.get(url).status_code == 200

    refused = client.post(url, {"effective_date": "2027-03-15", "reason": "Poste supprimé"})
    assert refused.status_code == 400
    assert "Cochez la case pour confirmer" in refused.content.decode()
    convention.refresh_from_db()
    assert convention.termination_kind == ""

    response = client.post(
        url, {"effective_date": "2027-03-15", "reason": "Poste supprimé", "confirm": "on"}
    )
    assert response.status_code == 302
    page = client.get(convention.get_absolute_url()).content.decode()
    assert "Titres à annuler" in page
    assert "T-2027-1" in page
    assert "12\u00a0000\u00a0€" in page or "12 000 €" in page
    assert "lettre (PDF)" in page
    assert reverse("conventions:terminate", args=[convention.reference]) not in page


def test_a_late_denunciation_shows_the_french_message(client, world):
    convention = world["convention"]
    Convention.objects.filter(pk=convention.pk).update(end_date=date(2027, 1, 31))
    client.force_login(world["gestionnaire"])
    response = client.post(
        reverse("conventions:denounce", args=[convention.reference]),
        {"notice_date": "2026-11-20", "confirm": "on"},
    )
    assert response.status_code == 400
    assert "plus tenu" in response.content.decode()
    convention.refresh_from_db()
    assert convention.termination_kind == ""


@pytest.mark.parametrize("role", ["partenaire", "coordinateur", "autre_organisation"])
def test_others_cannot_end_a_convention(client, world, role):
    convention = world["convention"]
    if role == "partenaire":
        user = UserFactory(partenaire=True, party=world["epci"], organisation=world["organisation"])
        expected = 403
    elif role == "coordinateur":
        user = UserFactory(coordinateur=True, organisation=world["organisation"])
        expected = 403
    else:
        user = UserFactory(gestionnaire=True, organisation=OrganisationFactory())
        expected = 404
    client.force_login(user)
    for name, data in (
        ("conventions:terminate", {"effective_date": "2027-03-15", "reason": "x", "confirm": "on"}),
        ("conventions:denounce", {"notice_date": "2026-11-20", "confirm": "on"}),
    ):
        response = client.post(reverse(name, args=[convention.reference]), data)
        assert response.status_code == expected
    convention.refresh_from_db()
    assert convention.termination_kind == ""


# --------------------------------------------------------------------------- statuses


def test_the_daily_command_persists_the_status_read(world):
    convention = world["convention"]
    assert convention.current_status == "en_vigueur"
    changes = services.convention_statuses_update(today=TODAY)
    assert [(c.convention.pk, c.new) for c in changes] == [(convention.pk, "en_vigueur")]
    changes = services.convention_statuses_update(today=date(2029, 1, 1))
    convention.refresh_from_db()
    assert convention.status == "expiree"


def test_a_signed_renewal_makes_the_renewed_convention_renouvelee(world):
    convention = world["convention"]
    renewal = ConventionFactory(
        organisation=world["organisation"],
        renews=convention,
        start_date=date(2029, 1, 1),
        end_date=date(2031, 12, 31),
        status=ConventionStatus.DRAFT,
    )
    assert Convention.objects.get(pk=convention.pk).current_status == "en_vigueur"
    Convention.objects.filter(pk=renewal.pk).update(
        status=ConventionStatus.SIGNED, text_frozen_at=timezone.now()
    )
    assert Convention.objects.get(pk=convention.pk).current_status == "renouvelee"
    annotated = Convention.objects.with_signed_renewal().get(pk=convention.pk)
    assert annotated.get_status_display() == "Renouvelée"
    assert list(Convention.objects.having_status({"renouvelee"})) == [convention]


def test_deadlines_and_ical_follow_the_ending(client, world):
    from conventions.selectors import deadlines_for

    convention, by = world["convention"], world["gestionnaire"]
    kinds = {d.kind for d in deadlines_for(by) if d.reference == convention.reference}
    assert "preavis" in kinds
    services.convention_denounce(convention=convention, notice_date=date(2026, 11, 2), by=by)
    kinds = {d.kind for d in deadlines_for(by) if d.reference == convention.reference}
    assert "preavis" not in kinds and "fin" in kinds  # nothing left to denounce
    Convention.objects.filter(pk=convention.pk).update(
        termination_kind="resiliation", termination_effective_date=date(2026, 11, 1)
    )
    assert [d for d in deadlines_for(by) if d.reference == convention.reference] == []
    client.force_login(by)
    ics = client.get(reverse("deadlines_ics")).content.decode()
    assert convention.reference not in ics
