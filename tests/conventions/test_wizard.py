"""The new-convention wizard: each step saves the draft; renewals and avenants start from a source."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conventions import documents, drafting
from conventions.models import Convention, ConventionParty, ConventionStatus
from financing.engine import read_plan
from financing.models import FinancingPlan
from financing.services import plan_save, plan_set_as_signed
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    PartyFactory,
    PostFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_step_one_creates_a_draft_for_a_post(client, gestionnaire):
    post = PostFactory(organisation=gestionnaire.organisation, name="Poste ISG Ternois")
    client.force_login(gestionnaire)
    response = client.post(
        reverse("wizard_start"),
        {
            "mode": "nouvelle",
            "post": post.pk,
            "kind": "financement",
            "reference": "PDC2027-N01",
            "title": "Convention de financement 2027",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "notice_months": 3,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("wizard_parties", args=["PDC2027-N01"])
    convention = Convention.objects.get(reference="PDC2027-N01")
    assert convention.status == "brouillon"
    assert list(convention.posts.all()) == [post]
    assert convention.organisation == gestionnaire.organisation


def test_step_one_refuses_end_before_start_in_french_and_writes_nothing(client, gestionnaire):
    post = PostFactory(organisation=gestionnaire.organisation)
    client.force_login(gestionnaire)
    response = client.post(
        reverse("wizard_start"),
        {
            "mode": "nouvelle",
            "post": post.pk,
            "kind": "financement",
            "reference": "X-1",
            "title": "T",
            "start_date": "2027-12-31",
            "end_date": "2027-01-01",
            "notice_months": 3,
        },
    )
    assert response.status_code == 400
    assert "La date de fin précède la date de début." in response.text
    assert not Convention.objects.filter(reference="X-1").exists()


def test_step_two_saves_parties_and_refuses_a_foreign_representative(client, gestionnaire):
    convention = ConventionFactory(organisation=gestionnaire.organisation, draft=True)
    ternois = PartyFactory(organisation=gestionnaire.organisation, name="CC du Ternois")
    etat = PartyFactory(organisation=gestionnaire.organisation, name="État", kind="etat")
    prefet = RepresentativeFactory(party=etat, name="Jacques BILLANT", title="Préfet")
    client.force_login(gestionnaire)
    url = reverse("wizard_parties", args=[convention.reference])
    data = {
        "parties-TOTAL_FORMS": 2,
        "parties-INITIAL_FORMS": 0,
        "parties-0-order": 1,
        "parties-0-party": ternois.pk,
        "parties-0-is_signatory": "on",
        "parties-0-is_employer": "on",
        "parties-0-representative": prefet.pk,  # not Ternois' representative
        "parties-1-order": 2,
        "parties-1-party": etat.pk,
        "parties-1-is_signatory": "on",
        "parties-1-is_funder": "on",
        "parties-1-representative": prefet.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "ne représente pas CC du Ternois" in response.text
    assert not ConventionParty.objects.filter(convention=convention).exists()
    data["parties-0-representative"] = ""
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("conventions:plan", args=[convention.reference])
    roles = {m.party.name: [r.value for r in m.roles] for m in convention.memberships.all()}
    assert roles == {
        "CC du Ternois": ["signataire", "employeur"],
        "État": ["signataire", "financeur"],
    }


def test_parties_of_a_signed_convention_cannot_change(client, gestionnaire):
    convention = ConventionFactory(organisation=gestionnaire.organisation)
    client.force_login(gestionnaire)
    response = client.get(reverse("wizard_parties", args=[convention.reference]))
    assert response.status_code == 302
    assert response["Location"] == convention.get_absolute_url()


def test_renewal_starts_the_day_after_the_source_ends_with_its_parties(gestionnaire):
    source = ConventionFactory(
        organisation=gestionnaire.organisation,
        start_date=date(2023, 1, 1),
        end_date=date(2023, 12, 31),
        duration_months=12,
        renewal_rule="par période successive d'un an",
    )
    source.posts.add(PostFactory(organisation=gestionnaire.organisation))
    ConventionPartyFactory(convention=source)
    renewal = drafting.convention_draft_start(
        organisation=gestionnaire.organisation,
        mode="renouvellement",
        source=source,
        reference="R-2024",
    ).convention
    assert (renewal.start_date, renewal.end_date) == (date(2024, 1, 1), date(2024, 12, 31))
    assert renewal.renews == source
    assert renewal.memberships.count() == 1
    assert list(renewal.posts.all()) == list(source.posts.all())


def test_next_reference_skips_used_numbers(gestionnaire):
    organisation = gestionnaire.organisation
    first = drafting.next_reference(organisation, 2027)
    ConventionFactory(organisation=organisation, reference=first)
    assert drafting.next_reference(organisation, 2027) != first


def draft_for(gestionnaire, **fields):
    post = PostFactory(organisation=gestionnaire.organisation)
    convention = ConventionFactory(
        organisation=gestionnaire.organisation,
        status="brouillon",
        title="Convention 2027",
        start_date=date(2027, 1, 1),
        end_date=date(2027, 12, 31),
        duration_months=None,
        **fields,
    )
    convention.posts.add(post)
    return convention


def test_step_one_reopens_to_correct_a_draft(client, gestionnaire):
    convention = draft_for(gestionnaire)
    client.force_login(gestionnaire)
    url = reverse("wizard_info", args=[convention.reference])
    page = client.get(url).content.decode()
    assert 'value="2027-01-01"' in page
    assert (
        f'href="{url}"'
        in client.get(reverse("wizard_parties", args=[convention.reference])).content.decode()
    )
    response = client.post(
        url,
        {
            "title": "Convention de financement 2027 du poste",
            "start_date": "2027-02-01",
            "end_date": "2027-12-31",
            "notice_months": "2",
            "signature_place": "Arras",
        },
    )
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.title == "Convention de financement 2027 du poste"
    assert (convention.start_date, convention.notice_months) == (date(2027, 2, 1), 2)
    assert convention.history.first().history_user == gestionnaire


def test_step_one_refuses_bad_dates_in_french_and_changes_nothing(client, gestionnaire):
    convention = draft_for(gestionnaire)
    client.force_login(gestionnaire)
    response = client.post(
        reverse("wizard_info", args=[convention.reference]),
        {
            "title": "Autre intitulé",
            "start_date": "2027-12-31",
            "end_date": "2027-01-01",
            "notice_months": "3",
        },
    )
    assert response.status_code == 400
    assert "La date de fin précède la date de début." in response.content.decode()
    convention.refresh_from_db()
    assert (convention.title, convention.start_date) == ("Convention 2027", date(2027, 1, 1))


def test_step_one_is_closed_once_sent_to_signature(client, gestionnaire):
    convention = draft_for(gestionnaire)
    convention.status = "a_signer"
    convention.text_frozen_at = timezone.now()  # as sending to signature does
    convention.save()
    client.force_login(gestionnaire)
    response = client.post(
        reverse("wizard_info", args=[convention.reference]),
        {
            "title": "Changé",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "notice_months": "3",
        },
    )
    assert response.status_code == 302
    assert response.url == convention.get_absolute_url()
    convention.refresh_from_db()
    assert convention.title == "Convention 2027"


# --------------------------------------------------------------------------- avenants

NBSP = "\u00a0"


def plan_data(etat, commune, cc, *, cost="56100", commune_amount="10000", year=2028):
    return {
        "rounding": "down",
        "years": [{"year": year, "annual_cost": cost, "months": 12}],
        "shares": [
            {"party": etat.slug, "rule": "fixed", "amount": "28050"},
            {"party": commune.slug, "rule": "fixed", "amount": commune_amount},
            {"party": cc.slug, "rule": "remainder"},
        ],
    }


@pytest.fixture
def world(gestionnaire):
    """A signed 2028 convention: État 28 050 €, Commune de X 10 000 €, the CC (employer) the
    rest of 56 100 €; each party with its representative."""
    org = gestionnaire.organisation
    etat = PartyFactory(organisation=org, name="État", kind="etat")
    commune = PartyFactory(organisation=org, name="Commune de X", kind="commune")
    cc = PartyFactory(organisation=org, name="CC du Ternois")
    prefet = RepresentativeFactory(party=etat, name="Jacques BILLANT", title="Préfet")
    maire = RepresentativeFactory(party=commune, name="Anne MAIRE", title="Maire")
    post = PostFactory(organisation=org, name="Poste ISG Ternois", employer=cc)
    parent = ConventionFactory(
        organisation=org,
        reference="PDC2028-N01",
        kind="partenariat",
        start_date=date(2028, 1, 1),
        end_date=date(2028, 12, 31),
        signature_place="Arras",
        competent_court="Tribunal administratif de Lille",
    )
    parent.posts.add(post)
    ConventionPartyFactory(convention=parent, party=etat, representative=prefet, order=1)
    ConventionPartyFactory(convention=parent, party=commune, representative=maire, order=2)
    ConventionPartyFactory(
        convention=parent, party=cc, order=3, is_employer=True, is_hierarchical_authority=True
    )
    plan_set_as_signed(
        convention=parent,
        post=post,
        plan=read_plan(plan_data(etat, commune, cc)),
        months_by_hand=True,
    )
    return {"parent": parent, "etat": etat, "commune": commune, "cc": cc, "post": post}


def amounts(convention) -> dict[tuple[int, str], int]:
    return {
        (line.year, line.party.name): int(line.amount)
        for line in convention.share_lines.select_related("party")
    }


def members(convention):
    return sorted(
        (m.party.name, m.representative_id, tuple(r.value for r in m.roles), m.order)
        for m in convention.memberships.all()
    )


def start_avenant(gestionnaire, parent, reference="AV-1"):
    return drafting.convention_draft_start(
        organisation=gestionnaire.organisation,
        mode="avenant",
        source=parent,
        reference=reference,
        by=gestionnaire,
    ).convention


def test_an_avenant_is_drafted_from_its_parent(gestionnaire, world):
    parent = world["parent"]
    avenant = start_avenant(gestionnaire, parent)
    assert (avenant.kind, avenant.parent, avenant.amendment_number) == ("avenant", parent, 1)
    assert avenant.title == "Avenant n° 1 à la convention PDC2028-N01"
    assert avenant.status == "brouillon"
    assert (avenant.start_date, avenant.end_date) == (date(2028, 1, 1), date(2028, 12, 31))
    assert (avenant.signature_place, avenant.competent_court) == (
        "Arras",
        "Tribunal administratif de Lille",
    )
    assert list(avenant.posts.all()) == [world["post"]]
    assert members(avenant) == members(parent)
    assert (
        amounts(avenant)
        == amounts(parent)
        == {
            (2028, "État"): 28050,
            (2028, "Commune de X"): 10000,
            (2028, "CC du Ternois"): 18050,
        }
    )
    assert avenant.financing_plans.get().data == parent.financing_plans.get().data
    assert avenant.history.first().history_user == gestionnaire
    # A copy changes nothing: no modification listed, no "→ —" for copied dates, no blank.
    assert documents.amendment_changes(avenant) == []
    rendered = documents.render_html(avenant)
    assert documents.NO_CHANGE in rendered.html
    assert "→ —" not in rendered.html
    assert "bloc.modifications" not in {p.name for p in rendered.missing}


def test_the_avenant_text_lists_exactly_what_changes(gestionnaire, world):
    avenant = start_avenant(gestionnaire, world["parent"])
    plan_save(
        convention=avenant,
        post=world["post"],
        plan=read_plan(
            plan_data(
                world["etat"], world["commune"], world["cc"], cost="58100", commune_amount="12000"
            )
        ),
        months_by_hand=True,
    )
    expected = f"2028 — Commune de X : 10{NBSP}000{NBSP}€ → 12{NBSP}000{NBSP}€."
    assert documents.amendment_changes(avenant) == [expected]
    html = documents.render_html(avenant).html
    assert f"Avenant n°{NBSP}1 à la convention PDC2028-N01" in html
    assert "Objet de l" in html and "12" in html
    assert "→ —" not in html
    assert "Date de début" not in html and "Date de fin" not in html


def test_avenants_are_numbered_per_parent_abandoned_ones_keep_their_number(gestionnaire, world):
    first = start_avenant(gestionnaire, world["parent"], "AV-1")
    first.status = ConventionStatus.ABANDONED
    first.save()
    second = start_avenant(gestionnaire, world["parent"], "AV-2")
    assert second.amendment_number == 2
    assert second.title == "Avenant n° 2 à la convention PDC2028-N01"
    other = ConventionFactory(organisation=gestionnaire.organisation)
    assert start_avenant(gestionnaire, other, "AV-OTHER").amendment_number == 1
    # Drafting from an avenant amends the same convention.
    third = drafting.convention_draft_start(
        organisation=gestionnaire.organisation,
        mode="avenant",
        source=ConventionFactory(
            organisation=gestionnaire.organisation,
            kind="avenant",
            parent=world["parent"],
            amendment_number=3,
        ),
        reference="AV-4",
    ).convention
    assert (third.parent, third.amendment_number) == (world["parent"], 4)


def test_a_new_avenant_starts_from_the_parent_as_amended_by_signed_avenants(gestionnaire, world):
    first = start_avenant(gestionnaire, world["parent"], "AV-1")
    plan_save(
        convention=first,
        post=world["post"],
        plan=read_plan(
            plan_data(
                world["etat"], world["commune"], world["cc"], cost="58100", commune_amount="12000"
            )
        ),
        months_by_hand=True,
    )
    first.status = ConventionStatus.SIGNED
    first.text_frozen_at = timezone.now()
    first.save()
    second = start_avenant(gestionnaire, world["parent"], "AV-2")
    assert amounts(second)[(2028, "Commune de X")] == 12000
    assert documents.amendment_changes(second) == []
    plan_save(
        convention=second,
        post=world["post"],
        plan=read_plan(
            plan_data(
                world["etat"], world["commune"], world["cc"], cost="59100", commune_amount="13000"
            )
        ),
        months_by_hand=True,
    )
    assert documents.amendment_changes(second) == [
        f"2028 — Commune de X : 12{NBSP}000{NBSP}€ → 13{NBSP}000{NBSP}€."
    ]
    # The first avenant is still compared with the parent alone.
    assert documents.amendment_changes(first) == [
        f"2028 — Commune de X : 10{NBSP}000{NBSP}€ → 12{NBSP}000{NBSP}€."
    ]


def test_a_plan_that_cannot_be_copied_is_reported_and_nothing_is_created(gestionnaire, world):
    world["commune"].slug = "commune-renommee"  # the parent's plan names a party that is gone
    world["commune"].save()
    for mode in ("avenant", "renouvellement"):
        with pytest.raises(ValidationError) as exc:
            drafting.convention_draft_start(
                organisation=gestionnaire.organisation,
                mode=mode,
                source=world["parent"],
                reference="COPY-1",
            )
        message = " ".join(exc.value.messages)
        assert "Le plan de financement de PDC2028-N01 ne peut pas être repris" in message
        assert "Partie inconnue" in message
        assert not Convention.objects.filter(reference="COPY-1").exists()


def test_an_avenant_amends_only_a_signed_convention(gestionnaire, world):
    draft = ConventionFactory(organisation=gestionnaire.organisation, draft=True)
    with pytest.raises(ValidationError, match="n'est pas signée"):
        start_avenant(gestionnaire, draft)
    foreign = ConventionFactory()
    with pytest.raises(ValidationError, match="n'appartient pas à votre organisation"):
        start_avenant(gestionnaire, foreign)


# --------------------------------------------------------------------------- renewals


@pytest.fixture
def a08_like(gestionnaire, world):
    """Like PDC2023-A08: a whole year, its end written and no duration, a text of its own."""
    source = world["parent"]
    source.start_date, source.end_date = date(2023, 1, 1), date(2023, 12, 31)
    source.kind = "financement"
    source.duration_text = "à compter du 1er janvier 2023 jusqu'au 31 décembre 2023"
    source.text = {
        "title": "{{ convention.titre }}",
        "parties_block": "Entre :\n\n{{ bloc.parties }}",
        "preamble": "",
        "articles": [{"title": f"Article {n}", "body": f"Texte {n}."} for n in range(1, 16)],
        "closing": "Fait à {{ convention.lieu_signature }}.",
    }
    source.save()
    plan = source.financing_plans.get()
    plan.data = plan_data(world["etat"], world["commune"], world["cc"], year=2023)
    plan.save()
    plan_set_as_signed(
        convention=source, post=world["post"], plan=read_plan(plan.data), months_by_hand=True
    )
    return source


def test_renewal_step_one_proposes_its_dates_and_the_issue_case_works(
    client, gestionnaire, a08_like
):
    client.force_login(gestionnaire)
    url = reverse("wizard_start") + f"?depuis={a08_like.reference}&mode=renouvellement"
    page = client.get(url).content.decode()
    assert 'value="2024-01-01"' in page and 'value="2024-12-31"' in page
    assert 'name="duration_months" value="12"' in page
    assert "du 1er janvier 2024 au 31 décembre 2024 (12 mois)" in page
    assert 'id="id_kind"' not in page and 'id="id_post"' not in page  # nature kept, post copied
    response = client.post(
        url,
        {
            "mode": "renouvellement",
            "source": a08_like.pk,
            "reference": "PDC2027-R01",
            "title": a08_like.title,
            "start_date": "2027-01-01",
            "end_date": "2024-12-31",  # left as proposed
            "duration_months": "12",
            "notice_months": "3",
            "signature_place": "Arras",
        },
    )
    assert response.status_code == 302, response.content.decode()
    renewal = Convention.objects.get(reference="PDC2027-R01")
    assert (renewal.start_date, renewal.end_date, renewal.duration_months) == (
        date(2027, 1, 1),
        date(2027, 12, 31),
        12,
    )
    assert renewal.renews == a08_like
    assert renewal.kind == "financement"
    assert renewal.duration_text == ""  # "du 1er janvier 2023 au …" belongs to the source
    assert renewal.text == a08_like.text and len(renewal.text["articles"]) == 15
    assert renewal.template_version == a08_like.template_version
    assert amounts(renewal) == {
        (2027, "État"): 28050,
        (2027, "Commune de X"): 10000,
        (2027, "CC du Ternois"): 18050,
    }
    assert members(renewal) == members(a08_like)


def test_a_renewal_whose_plan_cannot_be_copied_says_so_and_creates_nothing(
    client, gestionnaire, a08_like, world
):
    world["cc"].slug = "cc-renommee"
    world["cc"].save()
    client.force_login(gestionnaire)
    response = client.post(
        reverse("wizard_start") + f"?depuis={a08_like.reference}&mode=renouvellement",
        {
            "mode": "renouvellement",
            "source": a08_like.pk,
            "reference": "PDC2027-R01",
            "title": "Renouvellement",
            "start_date": "2024-01-01",
            "end_date": "2024-12-31",
            "duration_months": "12",
            "notice_months": "3",
        },
    )
    assert response.status_code == 400
    assert "ne peut pas être repris" in response.content.decode()
    assert not Convention.objects.filter(reference="PDC2027-R01").exists()


# --------------------------------------------------------------------------- step 1 by mode


def test_step_one_asks_what_is_drafted_then_shows_only_its_fields(client, gestionnaire, world):
    client.force_login(gestionnaire)
    url = reverse("wizard_start")
    page = client.get(url).content.decode()
    for mode in ("nouvelle", "renouvellement", "avenant"):
        assert f'href="?mode={mode}"' in page
    assert "<form" not in page.split("<main", 1)[-1]

    new = client.get(url + "?mode=nouvelle").content.decode()
    assert 'id="id_post"' in new and 'id="id_kind"' in new

    draft = ConventionFactory(organisation=gestionnaire.organisation, draft=True, reference="DR-1")
    choose = client.get(url + "?mode=avenant").content.decode()
    assert 'name="depuis"' in choose and "PDC2028-N01" in choose
    assert draft.reference not in choose  # a draft is corrected, not amended
    assert 'id="id_kind"' not in choose

    avenant = client.get(url + "?mode=avenant&depuis=PDC2028-N01").content.decode()
    assert 'id="id_post"' not in avenant and 'id="id_kind"' not in avenant
    assert 'value="Avenant n° 1 à la convention PDC2028-N01"' in avenant
    assert 'value="PDC2028-N01-AV1"' in avenant
    assert 'value="2028-01-01"' in avenant and 'value="2028-12-31"' in avenant


def test_step_one_drafts_an_avenant(client, gestionnaire, world):
    client.force_login(gestionnaire)
    response = client.post(
        reverse("wizard_start") + "?mode=avenant&depuis=PDC2028-N01",
        {
            "mode": "avenant",
            "source": world["parent"].pk,
            "reference": "PDC2028-N01-AV1",
            "title": "Avenant n° 1 à la convention PDC2028-N01",
            "start_date": "2028-01-01",
            "end_date": "2029-12-31",
            "notice_months": "3",
            "signature_place": "Arras",
        },
    )
    assert response.status_code == 302
    avenant = Convention.objects.get(reference="PDC2028-N01-AV1")
    assert response["Location"] == reverse("wizard_parties", args=[avenant.reference])
    assert (avenant.kind, avenant.amendment_number, avenant.end_date) == (
        "avenant",
        1,
        date(2029, 12, 31),
    )
    assert documents.amendment_changes(avenant) == [
        "Date de fin : 31 décembre 2028 → 31 décembre 2029."
    ]
    assert avenant.duration_text == ""


# --------------------------------------------------------------------------- links both ways


def test_parent_page_lists_avenants_and_renewals_with_links_both_ways(client, gestionnaire, world):
    parent = world["parent"]
    avenant = start_avenant(gestionnaire, parent, "PDC2028-N01-AV1")
    renewal = drafting.convention_draft_start(
        organisation=gestionnaire.organisation,
        mode="renouvellement",
        source=parent,
        reference="PDC2029-R01",
    ).convention
    client.force_login(gestionnaire)
    page = client.get(parent.get_absolute_url()).content.decode()
    assert "Avenants et renouvellements" in page
    assert f'href="{avenant.get_absolute_url()}"' in page
    assert "Avenant n° 1" in page and f'href="{renewal.get_absolute_url()}"' in page
    assert "Brouillon" in page
    assert f'href="{parent.get_absolute_url()}"' in client.get(avenant.get_absolute_url()).text
    renewal_page = client.get(renewal.get_absolute_url()).text
    assert "Renouvelle" in renewal_page and f'href="{parent.get_absolute_url()}"' in renewal_page


def test_a_partner_does_not_see_draft_avenants_on_the_parent_page(client, gestionnaire, world):
    parent = world["parent"]
    avenant = start_avenant(gestionnaire, parent, "PDC2028-N01-AV1")
    partner = UserFactory(partenaire=True, party=world["commune"])
    client.force_login(partner)
    page = client.get(parent.get_absolute_url())
    assert page.status_code == 200
    assert avenant.reference not in page.text
    assert client.get(avenant.get_absolute_url()).status_code == 404
    assert "Rédiger un avenant" not in page.text


def test_a_draft_cannot_be_chosen_as_the_convention_an_avenant_amends(client, gestionnaire):
    draft = ConventionFactory(organisation=gestionnaire.organisation, draft=True, reference="DR-2")
    client.force_login(gestionnaire)
    page = client.get(reverse("wizard_start") + "?mode=avenant&depuis=DR-2").content.decode()
    assert "ne peut pas être modifiée par un avenant" in page
    assert 'name="depuis"' in page and 'id="id_reference"' not in page
    response = client.post(
        reverse("wizard_start") + "?mode=avenant",
        {"mode": "avenant", "source": draft.pk, "reference": "AV-DR", "notice_months": "3"},
    )
    assert response.status_code == 400
    assert not Convention.objects.filter(reference="AV-DR").exists()


def test_a_renewal_whose_plan_cannot_be_moved_says_so_on_the_new_draft(
    client, gestionnaire, a08_like
):
    """Its source has no start date to move the years from: the draft is created without a
    plan, and its page says why (never a plan dropped silently)."""
    Convention.objects.filter(pk=a08_like.pk).update(
        start_date=None, end_date=None, duration_months=12, notification_date=None
    )
    client.force_login(gestionnaire)
    response = client.post(
        reverse("wizard_start") + f"?depuis={a08_like.reference}&mode=renouvellement",
        {
            "mode": "renouvellement",
            "source": a08_like.pk,
            "reference": "PDC2027-R09",
            "title": "Renouvellement",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "duration_months": "12",
            "notice_months": "3",
        },
        follow=True,
    )
    assert response.status_code == 200, response.content.decode()
    renewal = Convention.objects.get(reference="PDC2027-R09")
    assert not FinancingPlan.objects.filter(convention=renewal).exists()
    page = response.content.decode().replace("&#x27;", "'")
    assert (
        f"Le plan de financement de {a08_like.reference} n'a pas été repris : "
        f"{a08_like.reference} n'a pas de date de début, ses années ne peuvent pas être décalées."
    ) in page


def test_the_wizard_steps_save_through_the_drafting_services(client):
    """Steps 1 and 2 call ``drafting.convention_draft_info_save`` / ``convention_parties_save``
    (which re-check the draft under lock), never ``form.save()``."""
    from unittest import mock

    from django.urls import reverse

    from tests.factories import ConventionFactory, UserFactory

    convention = ConventionFactory(draft=True)
    client.force_login(UserFactory(gestionnaire=True, organisation=convention.organisation))
    url = reverse("wizard_info", args=[convention.reference])
    data = {"title": "Nouveau titre", "notice_months": 2, "start_date": "2024-01-01"}
    with mock.patch.object(
        drafting, "convention_draft_info_save", wraps=drafting.convention_draft_info_save
    ) as save:
        assert client.post(url, data).status_code == 302
    assert save.call_count == 1
    convention.refresh_from_db()
    assert (convention.title, convention.notice_months) == ("Nouveau titre", 2)


def test_the_drafting_services_refuse_an_act_that_is_no_longer_a_draft():
    from django.core.exceptions import ValidationError

    from tests.factories import ConventionFactory

    signed = ConventionFactory()  # signed
    with pytest.raises(ValidationError, match="n'est plus un brouillon"):
        drafting.convention_draft_info_save(convention=signed, values={"title": "x"}, by=None)
    with pytest.raises(ValidationError, match="n'est plus un brouillon"):
        drafting.convention_parties_save(convention=signed, changes=[], removed=[], by=None)
    signed.refresh_from_db()
    assert signed.title != "x"


@pytest.mark.parametrize("status", [ConventionStatus.DRAFT, ConventionStatus.TO_SIGN])
@pytest.mark.parametrize("mode", ["renouvellement", "avenant"])
def test_renewal_and_avenant_are_refused_server_side_on_an_unsigned_act(
    client, gestionnaire, status, mode
):
    """Neither offered on a draft's page nor accepted when posted by hand."""
    source = ConventionFactory(
        organisation=gestionnaire.organisation, status=status, reference="UNS-1"
    )
    with pytest.raises(ValidationError, match="n'est pas signée"):
        drafting.convention_draft_start(
            organisation=gestionnaire.organisation, mode=mode, source=source, reference="UNS-2"
        )
    client.force_login(gestionnaire)
    response = client.post(
        reverse("wizard_start") + f"?mode={mode}",
        {"mode": mode, "source": source.pk, "reference": "UNS-3", "notice_months": "3"},
    )
    assert response.status_code == 400
    assert not Convention.objects.filter(reference__in=["UNS-2", "UNS-3"]).exists()
