"""Transmission of a signed convention to the contrôle de légalité: the package built by the
worker, Pastell's connector against a local fake server (recorded pairs), the page and its
refusals, the « exécutoire » rule."""

import base64
import io
import tarfile
from datetime import date

import pytest
from django.urls import reverse

from conventions import actes, transmission
from conventions.models import ConventionStatus, TransmissionStatus
from tests.access import minimal_pdf, with_signed_copy
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    OrganisationFactory,
    PartyFactory,
    UserFactory,
)
from tests.pastell_server import FakePastell

pytestmark = pytest.mark.django_db

VALUES = {
    "number": "A_C1",
    "decision_date": date(2023, 7, 3),
    "classification": "7.5",
    "subject": "Convention A-C1 : financement d'un poste ISCG",
}


@pytest.fixture
def convention():
    organisation = OrganisationFactory(slug="dept-62", actes_department="062")
    departement = PartyFactory(organisation=organisation, siret="22620001200012")
    organisation.party = departement
    organisation.save()
    convention = ConventionFactory(
        organisation=organisation,
        reference="A-C1",
        status=ConventionStatus.SIGNED,
        signature_date=date(2023, 7, 3),
    )
    ConventionPartyFactory(convention=convention, party=departement)
    with_signed_copy(convention)
    return convention


@pytest.fixture
def gestionnaire(convention):
    """Not the shared one (tests/conftest.py): a gestionnaire of the convention's own
    organisation, made by its factory."""
    return UserFactory(gestionnaire=True, organisation=convention.organisation)


@pytest.fixture
def pastell(settings):
    with FakePastell() as server:
        settings.PASTELL_URL = server.url
        settings.PASTELL_LOGIN = "iscg"
        settings.PASTELL_PASSWORD = "secret"
        settings.PASTELL_ENTITY_ID = "12"
        yield server


def _members(item) -> dict[str, bytes]:
    with item.package.open("rb") as stored, tarfile.open(fileobj=stored, mode="r:gz") as tar:
        return {name: tar.extractfile(name).read() for name in tar.getnames()}


def test_initial_values_come_from_the_convention(convention):
    assert transmission.initial(convention) == {
        "number": "A_C1",
        "classification": "7.5",
        "decision_date": date(2023, 7, 3),
        "subject": "Convention A-C1 : Convention de financement d'un poste d'intervenant social",
    }


def test_the_worker_builds_the_package_with_the_signed_act(convention, gestionnaire, run_tasks):
    item = transmission.transmission_prepare(convention=convention, values=VALUES, by=gestionnaire)
    assert item.status == TransmissionStatus.PREPARING and not item.package
    run_tasks()
    item.refresh_from_db()
    assert item.status == TransmissionStatus.READY
    members = _members(item)
    base = "062-226200012-20230703-A_C1-DC-1-1"
    assert set(members) == {
        item.package_name.removesuffix(".tar.gz") + ".xml",
        f"{base}_0.xml",
        f"99_DC-{base}_1.pdf",
    }
    assert members[f"99_DC-{base}_1.pdf"] == minimal_pdf()
    assert actes.validate(members[f"{base}_0.xml"]) == []
    assert item.history.count() == 2  # recorded, then built


def test_a_second_transmission_of_the_same_act_is_refused(convention, gestionnaire):
    transmission.transmission_prepare(convention=convention, values=VALUES, by=gestionnaire)
    with pytest.raises(Exception, match="déjà en cours ou acquittée"):
        transmission.transmission_prepare(convention=convention, values=VALUES, by=gestionnaire)
    assert convention.transmissions.count() == 1


def test_a_decision_date_is_required(convention, gestionnaire):
    with pytest.raises(Exception, match="Indiquez la date de la décision"):
        transmission.transmission_prepare(
            convention=convention, values={**VALUES, "decision_date": None}, by=gestionnaire
        )


def test_a_draft_is_not_transmitted(convention, gestionnaire):
    draft = ConventionFactory(organisation=convention.organisation, draft=True)
    with pytest.raises(Exception, match="Seule une convention signée"):
        transmission.transmission_prepare(convention=draft, values=VALUES, by=gestionnaire)
    assert not draft.transmissions.exists()


def test_an_act_number_is_not_given_twice(convention, gestionnaire):
    transmission.transmission_prepare(convention=convention, values=VALUES, by=gestionnaire)
    other = ConventionFactory(organisation=convention.organisation, signature_date=date(2023, 7, 3))
    with pytest.raises(Exception, match="déjà celui d'un autre acte"):
        transmission.transmission_prepare(convention=other, values=VALUES, by=gestionnaire)


def test_pastell_creates_uploads_sends_then_reads_the_acknowledgement(
    convention, gestionnaire, pastell, run_tasks
):
    item = transmission.transmission_prepare(convention=convention, values=VALUES, by=gestionnaire)
    run_tasks()
    item.refresh_from_db()
    assert item.status == TransmissionStatus.SENT
    assert item.pastell_id == "Ab3dE9f"
    assert pastell.paths() == [
        ("POST", "/api/v2/entite/12/document"),
        ("PATCH", "/api/v2/entite/12/document/Ab3dE9f"),
        ("POST", "/api/v2/entite/12/document/Ab3dE9f/file/arrete/0"),
        ("POST", "/api/v2/entite/12/document/Ab3dE9f/action/send-tdt"),
    ]
    create, patch, upload, _ = pastell.received
    assert create.headers["authorization"] == "Basic " + base64.b64encode(b"iscg:secret").decode()
    assert b"actes-generique" in create.body
    for field in (b"acte_nature=4", b"numero_de_lacte=A_C1", b"date_de_lacte=2023-07-03"):
        assert field in patch.body
    assert b"classification=7.5" in patch.body and b"type_acte=99_DC" in patch.body
    assert b"99_DC-062-226200012-20230703-A_C1-DC-1-1_1.pdf" in upload.body
    assert minimal_pdf() in upload.body

    assert transmission.is_executory(convention) is True  # this organisation: at signature
    transmission.refresh(item.pk)
    item.refresh_from_db()
    assert item.status == TransmissionStatus.ACKNOWLEDGED
    assert item.acknowledged_on == date(2023, 8, 2)
    assert item.pastell_state == "accusé de réception reçu"


def test_pastell_refusal_is_kept_in_french_and_retried(
    convention, gestionnaire, pastell, run_tasks
):
    pastell.answer(
        "POST",
        "/api/v2/entite/12/document/Ab3dE9f/action/send-tdt",
        400,
        {"status": "error", "error-message": "Le connecteur TdT n'est pas configuré"},
    )
    item = transmission.transmission_prepare(convention=convention, values=VALUES, by=gestionnaire)
    run_tasks()
    item.refresh_from_db()
    assert item.status == TransmissionStatus.ERROR
    assert item.error == (
        "Pastell a refusé la demande (HTTP 400) : Le connecteur TdT n'est pas configuré"
    )
    pastell.answer(
        "POST",
        "/api/v2/entite/12/document/Ab3dE9f/action/send-tdt",
        201,
        {"result": True, "message": "ok"},
    )
    transmission.transmission_retry(transmission=item, by=gestionnaire)
    run_tasks()
    item.refresh_from_db()
    assert item.status == TransmissionStatus.SENT
    # The document created the first time is reused, not created again.
    assert pastell.paths().count(("POST", "/api/v2/entite/12/document")) == 1


def test_pastell_unreachable(convention, gestionnaire, settings, run_tasks):
    settings.PASTELL_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.PASTELL_ENTITY_ID = "12"
    item = transmission.transmission_prepare(convention=convention, values=VALUES, by=gestionnaire)
    run_tasks()
    item.refresh_from_db()
    assert item.status == TransmissionStatus.ERROR
    assert item.error.startswith("Pastell ne répond pas (http://127.0.0.1:9)")


def test_an_error_reported_by_pastell_after_sending(convention, gestionnaire, pastell, run_tasks):
    pastell.answer(
        "GET",
        "/api/v2/entite/12/document/Ab3dE9f",
        200,
        {"last_action": {"action": "send-tdt-erreur", "message": "Certificat expiré"}, "data": {}},
    )
    item = transmission.transmission_prepare(convention=convention, values=VALUES, by=gestionnaire)
    run_tasks()
    transmission.refresh(item.pk)
    item.refresh_from_db()
    assert item.status == TransmissionStatus.ERROR
    assert item.error == "Pastell signale : erreur de transmission (Certificat expiré)"


def test_executory_only_from_the_acknowledgement_when_the_organisation_says_so(
    convention, gestionnaire, pastell, run_tasks
):
    assert transmission.is_executory(convention) is True
    convention.organisation.actes_required = True
    convention.organisation.save()
    assert transmission.is_executory(convention) is False
    item = transmission.transmission_prepare(convention=convention, values=VALUES, by=gestionnaire)
    run_tasks()
    assert transmission.is_executory(convention) is False
    transmission.refresh(item.pk)
    assert transmission.is_executory(convention) is True


def test_daily_task_reads_back_every_pending_act(convention, gestionnaire, pastell, run_tasks):
    from conventions.tasks import refresh_transmissions

    item = transmission.transmission_prepare(convention=convention, values=VALUES, by=gestionnaire)
    run_tasks()
    refresh_transmissions.enqueue(day="2023-08-03")
    run_tasks()
    item.refresh_from_db()
    assert item.status == TransmissionStatus.ACKNOWLEDGED


# --------------------------------------------------------------------------- the page


def test_page_prepares_then_offers_the_package(client, convention, gestionnaire, run_tasks):
    client.force_login(gestionnaire)
    url = reverse("conventions:transmission", args=[convention.reference])
    page = client.get(url)
    assert page.status_code == 200
    assert "Pastell n'est pas configuré" in page.content.decode()
    response = client.post(
        url,
        {
            "action": "preparer",
            "number": "A_C1",
            "decision_date": "2023-07-03",
            "classification": "7.5",
            "subject": "Convention A-C1",
        },
    )
    assert response.status_code == 302
    run_tasks()
    item = convention.transmissions.get()
    page = client.get(url).content.decode()
    assert "Paquet prêt" in page and item.package_name in page
    package = client.get(
        reverse("conventions:transmission_package", args=[convention.reference, item.pk])
    )
    assert package.status_code == 200
    assert package["Content-Type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(package.content)) as archive:
        names = archive.getnames()
    assert "99_DC-062-226200012-20230703-A_C1-DC-1-1_1.pdf" in names
    detail = client.get(convention.get_absolute_url()).content.decode()
    assert "Contrôle de légalité" in detail and "Paquet prêt" in detail


def test_page_refuses_bad_values_in_french_and_writes_nothing(client, convention, gestionnaire):
    client.force_login(gestionnaire)
    url = reverse("conventions:transmission", args=[convention.reference])
    response = client.post(
        url,
        {
            "action": "preparer",
            "number": "a-c1",
            "decision_date": "2999-01-01",
            "classification": "7.5",
            "subject": "Convention",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "15 caractères au plus" in body
    assert "ne peut pas être dans le futur" in body
    assert not convention.transmissions.exists()


def test_settings_of_the_organisation(client, convention, gestionnaire):
    client.force_login(gestionnaire)
    url = reverse("conventions:transmission", args=[convention.reference])
    bad = client.post(
        url, {"action": "parametres", "actes_department": "62", "actes_classification": "7.5"}
    )
    assert bad.status_code == 400
    assert "trois caractères" in bad.content.decode()
    good = client.post(
        url,
        {
            "action": "parametres",
            "actes_department": "059",
            "actes_classification": "8.2",
            "actes_required": "on",
        },
    )
    assert good.status_code == 302
    convention.organisation.refresh_from_db()
    assert convention.organisation.actes_department == "059"
    assert convention.organisation.actes_classification == "8.2"
    assert convention.organisation.actes_required is True


@pytest.mark.parametrize("role", ["partenaire", "intervenant"])
def test_partners_and_intervenants_never_see_it(client, convention, role):
    party = convention.memberships.first().party
    user = (
        UserFactory(partenaire=True, party=party, organisation=convention.organisation)
        if role == "partenaire"
        else UserFactory(intervenant=True, organisation=convention.organisation)
    )
    client.force_login(user)
    url = reverse("conventions:transmission", args=[convention.reference])
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "preparer", **VALUES}).status_code == 403
    assert not convention.transmissions.exists()


def test_another_organisation_gets_404(client, convention, gestionnaire, run_tasks):
    item = transmission.transmission_prepare(convention=convention, values=VALUES, by=gestionnaire)
    run_tasks()
    other = UserFactory(gestionnaire=True, organisation=OrganisationFactory(slug="dept-59"))
    client.force_login(other)
    assert (
        client.get(reverse("conventions:transmission", args=[convention.reference])).status_code
        == 404
    )
    package = reverse("conventions:transmission_package", args=[convention.reference, item.pk])
    assert client.get(package).status_code == 404


def test_coordinator_reads_but_does_not_prepare(client, convention):
    coordinator = UserFactory(coordinateur=True, organisation=convention.organisation)
    client.force_login(coordinator)
    url = reverse("conventions:transmission", args=[convention.reference])
    page = client.get(url)
    assert page.status_code == 200 and "Préparer la transmission" not in page.content.decode()
    assert client.post(url, {"action": "preparer", **VALUES}).status_code == 403


def test_a_demo_convention_gives_a_package_that_validates(demo_data, run_tasks):
    """The Pas-de-Calais' signed convention A05: its package is built by the worker, named with
    the Département's SIREN (its SIRET in the demo: 22620001200012) and département code 062, and
    both XML files validate against the shipped XSD."""
    from conventions.models import Convention
    from demo.users import GESTIONNAIRE_EMAIL
    from iscg.models import User

    convention = Convention.objects.get(reference="PDC2023-A05")
    gestionnaire = User.objects.get(email=GESTIONNAIRE_EMAIL)
    values = transmission.initial(convention)
    assert values["number"] == "PDC2023_A05"
    # The demo's act does not give its signature date: the gestionnaire types it.
    values["decision_date"] = convention.signature_date or date(2023, 7, 3)
    item = transmission.transmission_prepare(convention=convention, values=values, by=gestionnaire)
    run_tasks()
    item.refresh_from_db()
    assert item.status == TransmissionStatus.READY, item.error
    members = _members(item)
    base = f"062-226200012-{values['decision_date']:%Y%m%d}-PDC2023_A05-DC-1-1"
    assert f"99_DC-{base}_1.pdf" in members
    assert members[f"99_DC-{base}_1.pdf"].startswith(b"%PDF")
    for name, content in members.items():
        if name.endswith(".xml"):
            assert actes.validate(content) == [], name


def test_the_page_shows_pastells_refusal_in_french_and_offers_to_retry(
    client, convention, gestionnaire, pastell, run_tasks
):
    pastell.answer(
        "POST",
        "/api/v2/entite/12/document/Ab3dE9f/action/send-tdt",
        400,
        {"status": "error", "error-message": "Le connecteur TdT n'est pas configuré"},
    )
    transmission.transmission_prepare(convention=convention, values=VALUES, by=gestionnaire)
    run_tasks()
    client.force_login(gestionnaire)
    page = client.get(reverse("conventions:transmission", args=[convention.reference]))
    body = page.content.decode()
    assert (
        "Pastell a refusé la demande (HTTP 400) : Le connecteur TdT n&#x27;est pas configuré"
        in body
    )
    assert "Réessayer la transmission" in body
