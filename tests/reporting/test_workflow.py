"""The model's rules and the workflow brouillon → transmis → validé / renvoyé, with who may act."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from reporting import rules, services
from reporting.models import Bilan, BilanStatus
from tests.factories import BilanFactory, OrganisationFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return PostFactory(organisation=OrganisationFactory(slug="org-a"))


@pytest.fixture
def people(post):
    org = post.organisation
    other_org = OrganisationFactory(slug="org-b")
    return {
        "intervenant": UserFactory(intervenant=True, post=post, organisation=org),
        "autre_intervenant": UserFactory(intervenant=True, organisation=org),
        "gestionnaire": UserFactory(gestionnaire=True, organisation=org),
        "gestionnaire_autre_org": UserFactory(gestionnaire=True, organisation=other_org),
        "coordinateur": UserFactory(coordinateur=True, organisation=org),
        "coordinateur_autre_org": UserFactory(coordinateur=True, organisation=other_org),
        "coordinateur_national": UserFactory(
            coordinateur=True, organisation=other_org, is_national=True
        ),
        "partenaire": UserFactory(partenaire=True, organisation=org),
        "admin": UserFactory(admin=True),
    }


def test_one_bilan_per_post_and_year(post):
    BilanFactory(post=post, year=2022)
    duplicate = Bilan(post=post, year=2022)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "Ce poste a déjà un bilan pour cette année." in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Bilan.objects.create(post=post, year=2022)


def test_model_clean_reports_the_sum(post):
    """A draft keeps a sum that does not add up (only its sending waits); a transmitted bilan
    never has one."""
    bilan = BilanFactory.build(post=post, referrals_total=101)
    bilan.full_clean()  # a draft: saved as it is
    bilan.status = BilanStatus.SUBMITTED
    with pytest.raises(ValidationError) as error:
        bilan.full_clean()
    assert error.value.message_dict["referrals_total"] == [
        "Femmes 60 + hommes 25 + enfants 15 = 100, différent du total 101."
    ]


def test_a_draft_is_saved_with_its_inconsistencies_and_sending_is_refused(post, people):
    bilan = services.bilan_create(
        user=people["intervenant"],
        post=post,
        year=2023,
        data={
            "referrals_women": 60,
            "referrals_total": 101,
            "interviews_total": 10,
            "interviews_with_partners": 12,
        },
    )
    bilan.refresh_from_db()
    assert (bilan.referrals_women, bilan.referrals_total, bilan.status) == (60, 101, "brouillon")
    messages = [issue.message for issue in services.submission_issues(bilan)]
    assert messages == [
        "Ventilation (saisines) incomplète : renseignez hommes, enfants, ou cochez « non ventilé ».",
        "Entretiens avec des partenaires 12, plus que le total des entretiens 10.",
    ]
    with pytest.raises(ValidationError) as error:
        services.bilan_submit(user=people["intervenant"], bilan=bilan)
    assert "Entretiens avec des partenaires 12" in str(error.value)
    bilan.refresh_from_db()
    assert bilan.status == BilanStatus.DRAFT and bilan.submitted_at is None
    # Fixed, it goes.
    services.bilan_update(
        user=people["intervenant"],
        bilan=bilan,
        data={"referrals_not_split": True, "interviews_with_partners": 4},
    )
    assert services.bilan_submit(user=people["intervenant"], bilan=bilan).status == "transmis"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"vif_pct": 150}, "vif_pct"),
        ({"comment": "Suivi de Mme Dupont."}, "comment"),
        ({"no_report_reason": "Poste vacant", "referrals_total": 3}, "no_report_reason"),
        ({"problems": {"inconnue": 3}}, "problems"),
    ],
)
def test_a_draft_is_never_saved_out_of_range_nominative_or_unknown(post, people, data, field):
    with pytest.raises(ValidationError) as error:
        services.bilan_create(user=people["intervenant"], post=post, year=2023, data=data)
    assert field in error.value.message_dict
    assert not Bilan.objects.exists()


def test_vif_range_is_a_database_constraint(post):
    with pytest.raises(IntegrityError), transaction.atomic():
        BilanFactory(post=post, vif_pct=101)


@pytest.mark.parametrize("role", ["intervenant", "gestionnaire"])
def test_intervenant_or_gestionnaire_enters_and_submits(post, people, role):
    user = people[role]
    bilan = services.bilan_create(
        user=user,
        post=post,
        year=2023,
        data={"referrals_total": 10, "referrals_women": 10, "referrals_not_split": True},
    )
    assert bilan.status == BilanStatus.DRAFT
    bilan = services.bilan_submit(user=user, bilan=bilan)
    assert bilan.status == BilanStatus.SUBMITTED
    assert bilan.submitted_by == user and bilan.submitted_at
    assert bilan.history.first().history_user == user


@pytest.mark.parametrize(
    "role",
    [
        "autre_intervenant",
        "gestionnaire_autre_org",
        "coordinateur",
        "coordinateur_national",
        "partenaire",
        "admin",
    ],
)
def test_others_may_not_enter_or_submit(post, people, role):
    user = people[role]
    with pytest.raises(PermissionDenied):
        services.bilan_create(user=user, post=post, year=2023)
    bilan = BilanFactory(post=post)
    with pytest.raises(PermissionDenied):
        services.bilan_submit(user=user, bilan=bilan)
    with pytest.raises(PermissionDenied):
        services.bilan_update(user=user, bilan=bilan, data={"referrals_total": 100})
    assert Bilan.objects.get(pk=bilan.pk).status == BilanStatus.DRAFT


def test_submission_needs_figures_or_a_reason(post, people):
    bilan = BilanFactory(
        post=post,
        referrals_women=None,
        referrals_men=None,
        referrals_children=None,
        referrals_total=None,
    )
    with pytest.raises(ValidationError) as error:
        services.bilan_submit(user=people["intervenant"], bilan=bilan)
    assert "Indiquez le total des saisines" in str(error.value)
    services.bilan_update(
        user=people["intervenant"],
        bilan=bilan,
        data={
            "no_report_reason": "Poste vacant.",
            "interviews_in_person": None,
            "interviews_phone": None,
            "interviews_total": None,
            "vif_pct": None,
        },
    )
    assert services.bilan_submit(user=people["intervenant"], bilan=bilan).status == "transmis"


@pytest.mark.parametrize("role", ["coordinateur", "coordinateur_national"])
def test_coordinateur_validates(post, people, role):
    bilan = BilanFactory(post=post, submitted=True)
    bilan = services.bilan_validate(user=people[role], bilan=bilan, comment="Merci.")
    assert bilan.status == BilanStatus.VALIDATED
    assert bilan.reviewed_by == people[role]
    assert bilan.review_comment == "Merci."


@pytest.mark.parametrize(
    "role",
    ["intervenant", "gestionnaire", "coordinateur_autre_org", "partenaire", "admin"],
)
def test_others_may_not_validate_or_return(post, people, role):
    bilan = BilanFactory(post=post, submitted=True)
    with pytest.raises(PermissionDenied):
        services.bilan_validate(user=people[role], bilan=bilan)
    with pytest.raises(PermissionDenied):
        services.bilan_return(user=people[role], bilan=bilan, comment="Non.")
    assert Bilan.objects.get(pk=bilan.pk).status == BilanStatus.SUBMITTED


def test_return_needs_a_comment_then_the_author_corrects_and_resubmits(post, people):
    coordinateur, intervenant = people["coordinateur"], people["intervenant"]
    bilan = BilanFactory(post=post, submitted=True)
    with pytest.raises(ValidationError):
        services.bilan_return(user=coordinateur, bilan=bilan, comment="  ")
    bilan = services.bilan_return(
        user=coordinateur, bilan=bilan, comment="Les entretiens téléphoniques semblent doublés."
    )
    assert bilan.status == BilanStatus.RETURNED
    assert bilan.review_comment.startswith("Les entretiens")
    bilan = services.bilan_update(
        user=intervenant,
        bilan=bilan,
        data={"interviews_phone": 35, "interviews_total": 115},
    )
    bilan = services.bilan_submit(user=intervenant, bilan=bilan)
    bilan = services.bilan_validate(user=coordinateur, bilan=bilan)
    assert bilan.status == BilanStatus.VALIDATED
    statuses = [h.status for h in bilan.history.order_by("history_date")]
    assert statuses == ["transmis", "renvoye", "renvoye", "transmis", "valide"]


def test_no_validation_of_a_draft_and_no_change_once_submitted(post, people):
    bilan = BilanFactory(post=post)
    with pytest.raises(ValidationError):
        services.bilan_validate(user=people["coordinateur"], bilan=bilan)
    with pytest.raises(ValidationError):
        services.bilan_return(user=people["coordinateur"], bilan=bilan, comment="x")
    bilan = services.bilan_submit(user=people["gestionnaire"], bilan=bilan)
    with pytest.raises(ValidationError):
        services.bilan_update(user=people["intervenant"], bilan=bilan, data={"vif_pct": 50})
    with pytest.raises(ValidationError):
        services.bilan_submit(user=people["intervenant"], bilan=bilan)


def test_a_validated_bilan_may_be_reopened(post, people):
    bilan = BilanFactory(post=post, validated=True)
    bilan = services.bilan_return(
        user=people["coordinateur"], bilan=bilan, comment="Erreur de VIF."
    )
    assert bilan.status == BilanStatus.RETURNED


def test_parts_must_add_up_before_submission(post, people):
    bilan = BilanFactory(post=post)
    months = [
        {"kind": "mois", "number": m, "referrals_total": 10, "referrals_not_split": True}
        for m in range(1, 11)
    ]
    months[0]["referrals_total"] = 30
    # Saved as a draft, listed, and its sending refused.
    services.bilan_update(user=people["intervenant"], bilan=bilan, data={}, parts=months)
    assert bilan.parts.get(number=1).referrals_total == 30
    assert [issue.message for issue in rules.parts_issues(bilan.figures(), months)] == [
        "La somme des mois (saisines : 120) diffère du chiffre de l'année (100)."
    ]
    with pytest.raises(ValidationError):
        services.bilan_submit(user=people["intervenant"], bilan=bilan)
    bilan.refresh_from_db()
    assert bilan.status == BilanStatus.DRAFT
    # Months numbered twice are refused outright (the table cannot hold them).
    twice = [dict(months[1]), dict(months[1])]
    with pytest.raises(ValidationError) as error:
        services.bilan_update(user=people["intervenant"], bilan=bilan, data={}, parts=twice)
    assert "« février » figure deux fois." in str(error.value)
    assert bilan.parts.count() == 10
    months[0]["referrals_total"] = 10
    services.bilan_update(user=people["intervenant"], bilan=bilan, data={}, parts=months)
    assert bilan.parts.count() == 10
    with pytest.raises(ValidationError) as error:
        services.bilan_submit(user=people["intervenant"], bilan=bilan)
    assert "manque novembre, décembre" in str(error.value)


@pytest.mark.parametrize(
    ("status", "missing", "message"),
    [
        ("transmis", "submitted_at", "Un bilan transmis ou validé a sa date de transmission."),
        ("valide", "submitted_at", "Un bilan transmis ou validé a sa date de transmission."),
    ],
)
def test_each_status_of_a_bilan_has_its_date(post, status, missing, message):
    bilan = BilanFactory.build(post=post, status=status, **{missing: None})
    with pytest.raises(ValidationError) as error:
        bilan.full_clean()
    assert message in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        bilan.save()


def test_the_workflow_dates_every_status(post, people):
    bilan = BilanFactory(post=post)
    bilan = services.bilan_submit(user=people["intervenant"], bilan=bilan)
    bilan = services.bilan_validate(user=people["coordinateur"], bilan=bilan)
    assert bilan.submitted_at and bilan.reviewed_at
    bilan.full_clean()  # the constraints hold


def test_the_coordinator_s_decision_is_mailed_to_the_intervenant_and_the_gestionnaires(
    post, people, run_tasks, smtp_server
):
    bilan = BilanFactory(post=post, year=2024, submitted=True)
    services.bilan_return(
        user=people["coordinateur"], bilan=bilan, comment="Le total des saisines est à revoir."
    )
    run_tasks()
    to = sorted(m.envelope_to[0] for m in smtp_server.messages)
    assert to == sorted([people["intervenant"].email, people["gestionnaire"].email])
    assert smtp_server.messages[0]["Subject"] == f"Bilan 2024 de {post} à corriger"
    assert "Le total des saisines est à revoir." in smtp_server.bodies()[0]
    assert f"/bilans/bilan/{bilan.pk}/" in smtp_server.bodies()[0]
    # Corrected, sent again and validated: a second notice, of the validation.
    bilan.refresh_from_db()
    bilan.referrals_total = bilan.referrals_women + bilan.referrals_men + bilan.referrals_children
    bilan.save()
    services.bilan_submit(user=people["intervenant"], bilan=bilan)
    services.bilan_validate(user=people["coordinateur"], bilan=bilan)
    run_tasks()
    validated = [m for m in smtp_server.messages if "validé" in m["Subject"]]
    assert sorted(m.envelope_to[0] for m in validated) == to
    # Neither the other organisation's gestionnaire nor another post's intervenant is told.
    everyone = {m.envelope_to[0] for m in smtp_server.messages}
    assert people["gestionnaire_autre_org"].email not in everyone
    assert people["autre_intervenant"].email not in everyone
