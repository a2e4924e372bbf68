"""Convention references (issue 18): what a reference may hold, where it is checked, unique in
its organisation without revealing another's, four creations at once; and the party lookups of
the signatures page scoped to the convention."""

import threading
import unicodedata
from datetime import date
from io import StringIO

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import include, path, reverse

from conventions import drafting, services
from conventions.forms import ReferenceField
from conventions.management.commands.check_references import reference_problems
from conventions.models import Convention, ConventionParty, ConventionStatus
from conventions.validators import (
    REFERENCE_TAKEN,
    normalize_reference,
    reference_problem,
    reserved_reference_names,
    validate_convention_reference,
)
from iscg.models import Invitation, Role
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    OrganisationFactory,
    PartyFactory,
    PostFactory,
    RepresentativeFactory,
    UserFactory,
)

# --------------------------------------------------------------------------- the rule (pure)

GOOD = ["PDC2023-A08", "PDC2023-A08-AV1", "Frévent_2023.1", "ŒUVRE-2024", "a", "X" * 40]
BAD = [
    ("PDC/2023", "barre oblique"),
    ("PDC\\2023", "barre oblique"),
    ("PDC\n2023", "une ligne"),
    ("PDC\r2023", "une ligne"),
    ("PDC\u20282023", "une ligne"),
    ("PDC\u200b2023", "U+200B"),  # zero-width space
    ("PDC\u202e2023", "U+202E"),  # right-to-left override
    ("PDC\u20662023", "U+2066"),  # left-to-right isolate
    ("PDC\ufeff2023", "U+FEFF"),
    ("PDC\t2023", "caractère de contrôle"),
    ("PDC\x002023", "caractère de contrôle"),
    ("PDC 2023", "pas d'espace"),
    ("PDC\u00a02023", "pas d'espace"),
    ("=1+1", "« = »"),
    ("PDC<script>", "« < »"),
    ("PDC2023-А08", "« А »"),  # a Cyrillic А, which looks Latin
    ("ＰＤＣ", "« Ｐ »"),  # full-width letters
    ("PDC٢٠٢٣", "« ٢ »"),  # Arabic-Indic digits
    ("X" * 41, "au plus 40 caractères (celle-ci en a 41)"),
    ("-PDC", "commence et finit"),
    ("PDC.", "commence et finit"),
    ("..", "commence et finit"),
    ("", "Indiquez une référence"),
    ("nouvelle", "nom d'une page"),
    ("postes", "nom d'une page"),
    ("POSTES", "nom d'une page"),
    ("Parties", "nom d'une page"),
    ("deliberations", "nom d'une page"),
    ("modeles", "nom d'une page"),
    ("verifier", "nom d'une page"),
    ("pdf", "nom d'une page"),
    ("financement", "nom d'une page"),
]


@pytest.mark.parametrize("value", GOOD)
def test_good_references_pass(value):
    assert reference_problem(value, {"postes"}) is None


@pytest.mark.parametrize(("value", "words"), BAD)
def test_bad_references_are_refused_in_french(value, words):
    problem = reference_problem(normalize_reference(value), reserved_reference_names())
    assert problem is not None and words in problem
    with pytest.raises(ValidationError) as refused:
        validate_convention_reference(value)
    assert refused.value.messages == [problem]


def test_a_reference_is_compared_in_nfc():
    decomposed = unicodedata.normalize("NFD", "Frévent-2023")
    assert decomposed != "Frévent-2023"
    assert normalize_reference(decomposed) == "Frévent-2023"
    validate_convention_reference(decomposed)  # the accent typed apart is still a letter
    assert ReferenceField().clean(f" {decomposed} ") == "Frévent-2023"


def test_every_fixed_word_of_the_conventions_urls_is_reserved():
    names = reserved_reference_names()
    # The wizard's, conventions/urls.py's and the plan's (financing.plan_urls, below a reference).
    for word in ("nouvelle", "postes", "parties", "lot", "e-mails", "brouillons-supprimes"):
        assert word in names
    assert {"brouillon", "texte", "signatures", "financement", "modifier"} <= names
    # Nothing of the other apps' URLs (``/bilans/``, ``/financement/<année>/``'s own words).
    assert "bilans" not in names and "comptes" not in names


def _view(request):
    return HttpResponse("")


urlpatterns = [
    path("conventions/", include(([path("tout-nouveau/", _view, name="x")], "extra"))),
    path("conventions/", include("conventions.urls")),
]


def test_a_new_url_is_reserved_without_a_list_to_keep():
    compute = reserved_reference_names.__wrapped__
    assert "tout-nouveau" not in compute()
    with override_settings(ROOT_URLCONF=__name__):
        assert "tout-nouveau" in compute()
        assert reference_problem("Tout-Nouveau", compute()) is not None


# --------------------------------------------------------------------------- the wizard


def _start(client, post, reference):
    return client.post(
        reverse("wizard_start"),
        {
            "mode": "nouvelle",
            "post": post.pk,
            "kind": "financement",
            "reference": reference,
            "title": "Convention de financement 2027",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "notice_months": 3,
        },
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "words"), [b for b in BAD if b[0]])
def test_the_wizard_refuses_each_bad_reference_and_writes_nothing(
    client, gestionnaire, value, words
):
    post = PostFactory(organisation=gestionnaire.organisation)
    client.force_login(gestionnaire)
    response = _start(client, post, value)
    assert response.status_code == 400
    if "\x00" in value:  # refused before any view (iscg.middleware.RejectNulMiddleware)
        assert not Convention.objects.exists()
        return
    assert words.replace("'", "&#x27;").replace("<", "&lt;") in response.text
    assert not Convention.objects.exists()


@pytest.mark.django_db
def test_the_wizard_stores_the_nfc_form(client, gestionnaire):
    post = PostFactory(organisation=gestionnaire.organisation)
    client.force_login(gestionnaire)
    response = _start(client, post, unicodedata.normalize("NFD", "Frévent-2027"))
    assert response.status_code == 302
    assert Convention.objects.get().reference == "Frévent-2027"


@pytest.mark.django_db
def test_a_reference_is_unique_in_the_organisation_without_case(client, gestionnaire):
    ConventionFactory(organisation=gestionnaire.organisation, reference="PDC2027-N01")
    post = PostFactory(organisation=gestionnaire.organisation)
    client.force_login(gestionnaire)
    for value in ("PDC2027-N01", "pdc2027-n01"):
        response = _start(client, post, value)
        assert response.status_code == 400
        assert "déjà celle d&#x27;une autre convention de votre organisation" in response.text
    assert Convention.objects.count() == 1


@pytest.mark.django_db
def test_another_organisations_reference_is_free_and_never_revealed(client, gestionnaire):
    ConventionFactory(reference="PDC2027-N01", title="Convention secrète du voisin")
    post = PostFactory(organisation=gestionnaire.organisation)
    client.force_login(gestionnaire)
    response = _start(client, post, "PDC2027-N01")
    assert response.status_code == 302
    mine = Convention.objects.get(organisation=gestionnaire.organisation)
    assert mine.reference == "PDC2027-N01"
    page = client.get(reverse("conventions:detail", args=["PDC2027-N01"])).text
    assert "Convention de financement 2027" in page and "voisin" not in page
    # The reference proposed for the next one ignores other organisations.
    other = OrganisationFactory(slug="dordogne-bretagne")
    ConventionFactory(organisation=other, reference="DB2027-N01")
    assert drafting.next_reference(other, 2027) == "DB2027-N02"


@pytest.mark.django_db
def test_an_avenant_reference_is_proposed_only_when_valid_and_free_in_the_organisation():
    parent = ConventionFactory(reference="PDC2023-A08")
    ConventionFactory(reference="PDC2023-A08-AV1")  # another organisation's: no matter
    proposal = drafting.proposal("avenant", parent)
    assert proposal["reference"] == "PDC2023-A08-AV1"
    ConventionFactory(organisation=parent.organisation, reference="pdc2023-a08-av1")
    assert "reference" not in drafting.proposal("avenant", parent)
    Convention.objects.filter(pk=parent.pk).update(reference="X" * 37)  # -AV1 makes it 41
    parent.refresh_from_db()
    assert "reference" not in drafting.proposal("avenant", parent)


# --------------------------------------------------------------------------- the race


@pytest.mark.django_db
def test_a_reference_taken_between_the_check_and_the_insert_gets_the_french_message(
    monkeypatch, gestionnaire
):
    """SQLite serialises writers, so the race is made by hand: the checks pass (as they do
    for two requests that read before either writes), the other convention is there at the
    insert. The database refuses, the savepoint rolls back, the message is the French one."""
    organisation = gestionnaire.organisation
    post = PostFactory(organisation=organisation)
    ConventionFactory(organisation=organisation, reference="PDC2027-N01")
    monkeypatch.setattr(drafting, "reference_taken", _false_once(drafting.reference_taken))
    monkeypatch.setattr(Convention, "validate_constraints", lambda self, exclude=None: None)
    with transaction.atomic():  # the request's transaction, still usable afterwards
        with pytest.raises(ValidationError) as refused:
            drafting.convention_draft_start(
                organisation=organisation,
                mode="nouvelle",
                by=gestionnaire,
                reference="PDC2027-N01",
                title="Doublon",
                kind="financement",
                posts=[post],
            )
        assert refused.value.message_dict == {"reference": [REFERENCE_TAKEN]}
        assert Convention.objects.filter(reference="PDC2027-N01").count() == 1


def _false_once(real):
    calls = []

    def taken(*args, **kwargs):
        calls.append(1)
        return False if len(calls) == 1 else real(*args, **kwargs)

    return taken


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need PostgreSQL")
def test_four_parallel_creations_of_one_reference_on_postgresql():
    """Four browsers post the same new reference at once (the red team's defect: three 500s):
    one draft is created, the three others get the form back with the French message."""
    gestionnaire = UserFactory(gestionnaire=True)
    post = PostFactory(organisation=gestionnaire.organisation)
    barrier = threading.Barrier(4)
    results: list[tuple[int, str]] = []

    def create():
        client = Client()
        client.force_login(gestionnaire)
        try:
            barrier.wait()
            response = _start(client, post, "PDC2027-N01")
            results.append((response.status_code, response.text))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _text in results)
    assert statuses == [302, 400, 400, 400]
    for status, text in results:
        if status == 400:
            assert "déjà celle d&#x27;une autre convention de votre organisation" in text
    assert Convention.objects.filter(reference="PDC2027-N01").count() == 1


# --------------------------------------------------------------------------- the admin


@pytest.mark.django_db
def test_the_admin_checks_and_normalises_the_reference():
    admin = admin_site._registry[Convention]
    request = RequestFactory().get("/")
    request.user = UserFactory(admin=True)
    field = admin.formfield_for_dbfield(Convention._meta.get_field("reference"), request)
    assert isinstance(field, ReferenceField)
    with pytest.raises(ValidationError, match="barre oblique"):
        field.clean("PDC/2023")
    assert field.clean(unicodedata.normalize("NFD", "Évian-1")) == "Évian-1"
    # The model's own check (full_clean, as the admin's form runs it).
    convention = ConventionFactory.build(
        organisation=OrganisationFactory(), reference="PDC\n2023", status=ConventionStatus.DRAFT
    )
    with pytest.raises(ValidationError) as refused:
        convention.full_clean()
    assert "une ligne" in refused.value.message_dict["reference"][0]


# --------------------------------------------------------------------------- existing data


@pytest.mark.django_db
def test_check_references_lists_the_old_bad_ones_and_changes_nothing():
    good = ConventionFactory(reference="PDC2023-A08")
    slash = ConventionFactory(reference="tmp-1")
    newline = ConventionFactory(reference="tmp-2")
    Convention.objects.filter(pk=slash.pk).update(reference="PDC/2023")
    Convention.objects.filter(pk=newline.pk).update(reference="PDC\n2023")
    found = {c.pk: problem for c, problem in reference_problems()}
    assert set(found) == {slash.pk, newline.pk}
    assert "barre oblique" in found[slash.pk] and "une ligne" in found[newline.pk]
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("check_references", stdout=out, stderr=err)
    assert exit_.value.code == 1
    assert "'PDC/2023'" in out.getvalue() and "2\u00a0références à corriger" in err.getvalue()
    assert set(Convention.objects.values_list("reference", flat=True)) == {
        good.reference,
        "PDC/2023",
        "PDC\n2023",
    }
    Convention.objects.filter(pk__in=[slash.pk, newline.pk]).delete()
    out = StringIO()
    call_command("check_references", stdout=out)
    assert "Toutes les références sont conformes." in out.getvalue()


# --------------------------------------------------------------------------- two organisations


@pytest.mark.django_db
def test_a_reference_two_organisations_use_is_chosen_by_who_sees_both(client):
    first = ConventionFactory(reference="PDC2023-A08", title="Convention du Finistère")
    second = ConventionFactory(reference="PDC2023-A08", title="Convention du Morbihan")
    url = reverse("conventions:detail", args=["PDC2023-A08"])
    for convention in (first, second):
        client.force_login(UserFactory(gestionnaire=True, organisation=convention.organisation))
        page = client.get(url)
        assert page.status_code == 200 and convention.title in page.text
        other = second if convention is first else first
        assert other.title not in page.text
    national = UserFactory(role=Role.COORDINATEUR, is_national=True)
    for user in (UserFactory(admin=True), national):
        client.force_login(user)
        choice = client.get(url)
        assert choice.status_code == 300
        assert first.organisation.name in choice.text and second.organisation.name in choice.text
        chosen = client.get(f"{url}?organisation={second.organisation.slug}")
        assert chosen.status_code == 200 and "Convention du Morbihan" in chosen.text
        # A page below the convention too (its plan, in financing).
        plan = reverse("conventions:plan", args=["PDC2023-A08"])
        assert client.get(plan).status_code == 300
        assert client.get(f"{plan}?organisation={first.organisation.slug}").status_code == 200


@pytest.fixture
def to_sign():
    convention = ConventionFactory(
        status=ConventionStatus.DRAFT,
        start_date=date(2030, 1, 1),
        end_date=date(2030, 12, 31),
        signature_place="Arras",
        original_copies=3,
    )
    for name in ("État", "Département"):
        party = PartyFactory(organisation=convention.organisation, name=name)
        ConventionPartyFactory(
            convention=convention,
            party=party,
            representative=RepresentativeFactory(party=party, name=f"Signataire {name}"),
        )
    manager = UserFactory(gestionnaire=True, organisation=convention.organisation)
    services.convention_send_to_signature(convention=convention, by=manager)
    return convention, manager


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["signer", "retirer"])
def test_the_signatures_page_never_takes_nor_names_another_organisations_party(
    client, to_sign, action
):
    convention, manager = to_sign
    foreign = PartyFactory(name="Commune secrète de l'autre département")
    outsider = PartyFactory(organisation=convention.organisation, name="Partie hors convention")
    client.force_login(manager)
    url = reverse("conventions:signatures", args=[convention.reference])
    for party in (foreign.pk, outsider.pk, "abc", ""):
        response = client.post(
            url,
            {
                "action": action,
                "party": party,
                f"p{party}-signed_on": "2026-01-05",
                f"p{party}-signatory_name": "X",
            },
        )
        assert response.status_code == 404
        assert "secrète" not in response.text and "hors convention" not in response.text
    assert not ConventionParty.objects.filter(signed_on__isnull=False).exists()
    assert not ConventionParty.objects.filter(party__in=[foreign, outsider]).exists()


@pytest.mark.django_db
def test_the_wizard_parties_step_refuses_another_organisations_party(client, gestionnaire):
    convention = ConventionFactory(organisation=gestionnaire.organisation, draft=True)
    foreign = PartyFactory(name="Commune secrète de l'autre département")
    client.force_login(gestionnaire)
    response = client.post(
        reverse("wizard_parties", args=[convention.reference]),
        {
            "parties-TOTAL_FORMS": "1",
            "parties-INITIAL_FORMS": "0",
            "parties-0-party": foreign.pk,
            "parties-0-is_signatory": "on",
        },
    )
    assert response.status_code in (200, 400)
    assert "Sélectionnez un choix valide" in response.text and "secrète" not in response.text
    assert not convention.memberships.exists()


@pytest.mark.django_db
def test_pages_of_another_organisations_party_are_404_without_its_name(client, gestionnaire):
    foreign = PartyFactory(name="Commune secrète de l'autre département")
    client.force_login(gestionnaire)
    for url in (
        reverse("conventions:party_detail", args=[foreign.pk]),
        reverse("conventions:party_edit", args=[foreign.pk]),
        reverse("conventions:representative_create", args=[foreign.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404 and "secrète" not in response.text
    response = client.post(
        reverse("conventions:representative_create", args=[foreign.pk]),
        {"name": "Intrus", "title": "Maire"},
    )
    assert response.status_code == 404 and not foreign.representatives.exists()


@pytest.mark.django_db
def test_an_invitation_to_another_organisations_party_is_refused(client, gestionnaire):
    foreign = PartyFactory(name="Commune secrète de l'autre département")
    client.force_login(gestionnaire)
    response = client.post(
        reverse("invitation_create"),
        {"email": "x@example.fr", "role": Role.PARTENAIRE, "party": foreign.pk},
    )
    assert response.status_code in (200, 400)
    assert "Sélectionnez un choix valide" in response.text and "secrète" not in response.text
    assert not Invitation.objects.exists()
