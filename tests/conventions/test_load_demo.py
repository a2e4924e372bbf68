"""The demo loader: what the four sources hold, loaded once, whatever the number of runs."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from conventions import rules
from conventions.models import (
    Convention,
    ConventionParty,
    ConventionStatus,
    Deliberation,
    HostUnit,
    Party,
    Post,
    PostAbsence,
    Representative,
)
from demo.load import EXTRA_STEPS, demo_counts, load_demo
from iscg.models import Organisation

pytestmark = pytest.mark.django_db

PDC_REFERENCES = [f"PDC2023-A{annex:02d}" for annex in range(3, 18)]
#: Added to the sources so that the demo shows both: an illustrative avenant, a draft renewal.
PDC_EXAMPLES = ["PDC2024-A10"]
DIJON_EXAMPLES = ["DIJON2022-AV1"]
MODELS = [
    Organisation,
    Party,
    Representative,
    Deliberation,
    Post,
    HostUnit,
    PostAbsence,
    Convention,
    ConventionParty,
]


@pytest.fixture
def demo(demo_data):
    """The shared demo (tests/conftest.py): its counts, as ``load_demo()`` returned them."""
    return demo_counts()


def test_pas_de_calais_counts_match_the_deliberation(demo):
    pdc = Organisation.objects.get(slug="pas-de-calais")
    assert pdc.name == "Département du Pas-de-Calais"
    assert pdc.party.slug == "departement_62"
    assert pdc.budget_line == "6568//934213"
    assert Party.objects.filter(organisation=pdc).count() == 27
    assert Post.objects.filter(organisation=pdc).count() == 14
    references = list(
        Convention.objects.filter(organisation=pdc).values_list("reference", flat=True)
    )
    assert references == sorted(PDC_REFERENCES + PDC_EXAMPLES)


def test_the_other_three_cases_are_loaded(demo):
    assert set(Organisation.objects.values_list("slug", flat=True)) >= {
        "pas-de-calais",
        "finistere",
        "dijon",
        "aubervilliers",
    }
    assert Convention.objects.get(reference="QUIMPER2023").organisation.slug == "finistere"
    assert Convention.objects.get(reference="DIJON2022").organisation.slug == "dijon"
    assert Convention.objects.get(reference="AUBERVILLIERS2013").posts.count() == 2
    assert demo == {
        "organisations": 4,
        "parties": 27 + 6 + 3 + 3,
        "representatives": demo["representatives"],
        "deliberations": demo["deliberations"],
        "posts": 14 + 1 + 1 + 2,
        "units": demo["units"],
        "absences": 2,
        "conventions": 15 + 3 + len(PDC_EXAMPLES) + len(DIJON_EXAMPLES),
        "memberships": demo["memberships"],
    }


def test_running_twice_changes_nothing(demo):
    pks = {model: set(model.objects.values_list("pk", flat=True)) for model in MODELS}
    history = {
        model: model.history.count()
        for model in (Party, Representative, Post, HostUnit, Convention, ConventionParty)
    }
    updated = dict(Convention.objects.values_list("reference", "updated_at"))

    assert load_demo() == demo

    assert {model: set(model.objects.values_list("pk", flat=True)) for model in MODELS} == pks
    assert {model: model.history.count() for model in history} == history
    assert dict(Convention.objects.values_list("reference", "updated_at")) == updated


def test_reloading_restores_what_a_user_changed(demo):
    convention = Convention.objects.get(reference="PDC2023-A08")
    convention.title = "Titre modifié"
    convention.save()
    convention.memberships.filter(party__slug="gendarmerie_ggd_62").delete()

    load_demo()

    convention.refresh_from_db()
    assert convention.title.startswith("CONVENTION RELATIVE A LA MISE A DISPOSITION")
    assert convention.memberships.count() == 4


def test_ternois_convention_is_employed_and_signed_by_the_cc(demo):
    membership = ConventionParty.objects.get(
        convention__reference="PDC2023-A08", party__slug="epci_cc_ternois"
    )
    assert membership.is_employer
    assert membership.is_signatory
    assert membership.is_funder
    assert membership.is_hierarchical_authority
    assert membership.representative.name == "Marc BRIDOUX"
    assert membership.order == 2
    post = Post.objects.get(slug="isg_ternois")
    assert post.employer.slug == "epci_cc_ternois"
    assert list(post.epcis.values_list("slug", flat=True)) == ["epci_cc_ternois"]


def test_osartis_marquion_convention_is_the_one_left_to_sign(demo):
    convention = Convention.objects.get(reference="PDC2023-A13")
    post = Post.objects.get(slug="isg_osartis_marquion")
    assert list(convention.posts.all()) == [post]
    assert post.start_date == date(2023, 9, 1)
    assert convention.start_date == date(2023, 9, 1)
    assert convention.end_date == date(2023, 12, 31)
    assert convention.status == ConventionStatus.TO_SIGN
    others = Convention.objects.filter(reference__in=PDC_REFERENCES).exclude(pk=convention.pk)
    assert set(others.values_list("status", flat=True)) == {ConventionStatus.SIGNED}


def test_one_year_without_end_date_lasts_twelve_months(demo):
    convention = Convention.objects.get(reference="PDC2023-A05")
    assert convention.end_date is None
    assert convention.duration_months == 12
    assert convention.computed_end_date == date(2024, 1, 4)


def test_dijon_runs_three_years_from_notification(demo):
    convention = Convention.objects.get(reference="DIJON2022")
    assert convention.notification_date == date(2022, 6, 24)
    assert convention.duration_months == 36
    expected_end = rules.add_months(date(2022, 6, 24), 36) - timedelta(days=1)
    assert convention.computed_end_date == expected_end == date(2025, 6, 23)
    assert convention.notice_months == 3
    assert convention.notice_deadline == date(2025, 3, 23)
    assert convention.signature_place == "Dijon"
    assert convention.original_copies == 3


def test_representatives_follow_the_signature_blocks(demo):
    cab = ConventionParty.objects.get(
        convention__reference="PDC2023-A06", party__slug="epci_ca_boulonnais"
    )
    assert cab.representative.name == "Gwenaëlle LOIRE"
    assert "délégation" in cab.representative.delegation
    ccas = ConventionParty.objects.get(convention__reference="DIJON2022", party__slug="ccas_dijon")
    assert ccas.representative.name == "Antoine HOAREAU"
    assert ccas.representative.delegation


def test_boulonnais_absences_come_from_the_2022_bilan(demo):
    assert list(
        PostAbsence.objects.filter(post__slug="isc_boulonnais").values_list("start", "end")
    ) == [(date(2022, 6, 1), None)]
    assert PostAbsence.objects.get(post__slug="isg_boulonnais").start == date(2022, 8, 1)


def test_every_loaded_object_passes_full_clean(demo):
    for model in MODELS:
        for instance in model.objects.all():
            instance.full_clean()


SEEN_STEPS: list[int] = []


def record_step() -> None:
    SEEN_STEPS.append(Convention.objects.count())


def test_extra_steps_run_after_the_cases(monkeypatch):
    SEEN_STEPS.clear()
    monkeypatch.setattr("demo.load.EXTRA_STEPS", [*EXTRA_STEPS, f"{__name__}.record_step"])
    load_demo()
    assert [18 + len(PDC_EXAMPLES) + len(DIJON_EXAMPLES)] == SEEN_STEPS


def test_command_prints_a_french_summary(demo_data):
    """Run again on the shared demo: a second run says the same."""
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert out.getvalue().splitlines()[0] == (
        "Données de démonstration chargées : 4 organisations, 39 parties, 18 postes, "
        "20 conventions."
    )
    assert "gestionnaire@demo.iscg.fr / mot de passe : demo-iscg-2026" in out.getvalue()


def test_the_demo_has_a_signed_illustrative_avenant_and_a_draft_renewal(demo):
    from conventions import documents

    avenant = Convention.objects.get(reference="DIJON2022-AV1")
    parent = Convention.objects.get(reference="DIJON2022")
    assert avenant.title == "Avenant n° 1 à la convention DIJON2022 (exemple illustratif)"
    assert (avenant.kind, avenant.parent, avenant.amendment_number) == ("avenant", parent, 1)
    assert avenant.status == ConventionStatus.SIGNED
    signatories = avenant.memberships.filter(is_signatory=True)
    assert signatories.count() == parent.memberships.filter(is_signatory=True).count() == 3
    assert all(m.signed_on == date(2022, 11, 15) and m.signatory_name for m in signatories)
    assert documents.amendment_changes(avenant) == [
        "2024 — L'État : 12\u00a0484\u00a0€ → 13\u00a0733\u00a0€.",
        "2024 — Le Centre Communal d'Action Sociale (CCAS) de la Ville de Dijon : "
        "29\u00a0132\u00a0€ → 27\u00a0883\u00a0€.",
    ]

    renewal = Convention.objects.get(reference="PDC2024-A10")
    source = Convention.objects.get(reference="PDC2023-A10")
    assert (renewal.status, renewal.renews, renewal.kind) == ("brouillon", source, source.kind)
    assert (renewal.start_date, renewal.end_date) == (date(2024, 1, 1), date(2024, 12, 31))
    assert renewal.template_version == source.template_version
    assert renewal.text == source.text and len(renewal.text["articles"]) == 15
    amounts = dict(renewal.share_lines.filter(year=2024).values_list("party__slug", "amount"))
    assert amounts == {"etat_62": 12000, "departement_62": 12000, "epci_cu_arras": 12000}


def test_the_conventions_to_sign_have_their_circuit_and_can_be_signed(demo, client):
    """The demo's « à signer » conventions went through the real sending: a frozen document
    sent, one request per signatory, the first turn open; its partner's signing page answers
    (it was a 404), and reloading the demo opens no second circuit."""
    from conventions import signing
    from conventions.models import DocumentKind, SignatureRequest, SignatureRequestState
    from demo.users import partner_email
    from iscg.models import User

    for reference in ("PDC2023-A13", "QUIMPER2023"):
        convention = Convention.objects.get(reference=reference)
        requests = signing.current_requests(convention)
        signatories = convention.memberships.filter(is_signatory=True)
        assert sorted(r.party_id for r in requests) == sorted(
            signatories.values_list("party_id", flat=True)
        )
        sent = convention.documents.get(kind=DocumentKind.GENERATED, is_frozen=True)
        assert all(r.document == sent for r in requests)
        first = next(r for r in requests if r.state == SignatureRequestState.OPEN)
        client.force_login(User.objects.get(email=partner_email(first.party)))
        page = client.get(reverse("conventions:sign", args=[reference]))
        assert page.status_code == 200 and "Le document à signer" in page.content.decode()
    count = SignatureRequest.objects.count()
    load_demo()
    assert SignatureRequest.objects.count() == count
