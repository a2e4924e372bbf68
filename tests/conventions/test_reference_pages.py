"""Reference data pages of a gestionnaire: parties, representatives, délibérations, posts,
budget lines and the spreadsheet imports — what they write, and what they refuse."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conventions import drafting, reference
from conventions.models import (
    ConventionStatus,
    Deliberation,
    HostUnit,
    Party,
    PartyKind,
    Post,
    PostAbsence,
    Representative,
)
from financing.models import BudgetLine
from tests.conflicts import post_loaded
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    PartyFactory,
    PostFactory,
    RepresentativeFactory,
    UserFactory,
)
from tests.queue import import_through_page

pytestmark = pytest.mark.django_db

VALID_SIRET = "73282932000074"


# --------------------------------------------------------------------------- identifiers


def test_generated_slug_reads_the_name_and_stays_unique():
    assert reference.generated_slug("CC du Ternois", set()) == "cc_du_ternois"
    assert reference.generated_slug("CC du Ternois", {"cc_du_ternois"}) == "cc_du_ternois_2"
    taken = {"cc_du_ternois", "cc_du_ternois_2"}
    assert reference.generated_slug("CC du Ternois", taken) == "cc_du_ternois_3"
    assert reference.generated_slug("État", set()) == "etat"
    assert len(reference.generated_slug("x" * 200, set())) == 80


# --------------------------------------------------------------------------- parties


def test_party_created_with_generated_identifier_and_history(client_g, organisation):
    response = client_g.post(
        reverse("conventions:party_create"),
        {
            "kind": PartyKind.COMMUNE,
            "name": "Commune de Concarneau",
            "short_name": "Concarneau",
            "siret": "732 829 320 00074",
            "address": "Hôtel de ville\n29900 Concarneau",
        },
    )
    party = Party.objects.get(name="Commune de Concarneau")
    assert response.status_code == 302 and response["Location"] == party.get_absolute_url()
    assert party.organisation == organisation
    assert party.slug == "concarneau"
    assert party.siret == VALID_SIRET
    assert party.history.count() == 1
    # the same short name again gets another identifier
    client_g.post(
        reverse("conventions:party_create"),
        {"kind": PartyKind.CCAS_CIAS, "name": "CCAS de Concarneau", "short_name": "Concarneau"},
    )
    assert Party.objects.get(name="CCAS de Concarneau").slug == "concarneau_2"


@pytest.mark.parametrize(
    ("siret", "message"),
    [
        ("12345678901234", "la clé de contrôle ne correspond pas"),
        ("1234", "Le SIRET doit comporter 14 chiffres."),
    ],
)
def test_party_with_bad_siret_is_refused_and_nothing_written(client_g, siret, message):
    response = client_g.post(
        reverse("conventions:party_create"),
        {"kind": PartyKind.EPCI, "name": "CA Quimper Bretagne Occidentale", "siret": siret},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Party.objects.exists()


def test_party_rna_is_cleaned_checked_and_kept_in_history(client_g, organisation):
    """An association's RNA number (open data: rnaBeneficiaire), « W » and 9 digits."""
    party = PartyFactory(organisation=organisation, kind=PartyKind.ASSOCIATION, name="France V.")
    url = reverse("conventions:party_edit", args=[party.pk])
    values = {"kind": PartyKind.ASSOCIATION, "name": "France Victimes 29"}
    response = client_g.post(url, values | {"rna": "W29"})
    assert response.status_code == 400
    assert "Le numéro RNA s&#x27;écrit W suivi de 9 chiffres" in response.content.decode()
    party.refresh_from_db()
    assert (party.name, party.rna) == ("France V.", "")
    assert post_loaded(client_g, url, values | {"rna": "w 291 000 123"}).status_code == 302
    party.refresh_from_db()
    assert party.rna == "W291000123"
    assert party.history.first().rna == "W291000123"
    assert "W291000123" in client_g.get(party.get_absolute_url()).content.decode()


def test_party_edit_keeps_its_identifier(client_g, organisation):
    party = PartyFactory(organisation=organisation, slug="epci_quimper", name="CA Quimper")
    response = post_loaded(
        client_g,
        reverse("conventions:party_edit", args=[party.pk]),
        {"kind": PartyKind.EPCI, "name": "Quimper Bretagne Occidentale", "short_name": "QBO"},
    )
    assert response.status_code == 302
    party.refresh_from_db()
    assert (party.name, party.slug) == ("Quimper Bretagne Occidentale", "epci_quimper")
    assert party.history.count() == 2


def test_party_pages_refused_to_other_roles(client, organisation):
    party = PartyFactory(organisation=organisation)
    coordinator = UserFactory(coordinateur=True, organisation=organisation)
    other = UserFactory(gestionnaire=True)
    partner = UserFactory(partenaire=True, party=party, organisation=organisation)
    client.force_login(coordinator)
    assert client.get(reverse("conventions:party_create")).status_code == 403
    assert client.post(reverse("conventions:party_edit", args=[party.pk]), {}).status_code == 403
    client.force_login(partner)
    assert client.get(reverse("conventions:party_edit", args=[party.pk])).status_code == 403
    client.force_login(other)
    response = client.post(
        reverse("conventions:party_edit", args=[party.pk]), {"kind": "epci", "name": "Piraté"}
    )
    assert response.status_code == 404
    party.refresh_from_db()
    assert party.name != "Piraté"


# --------------------------------------------------------------------------- representatives


def test_new_representative_replaces_the_previous_one_in_drafts_only(client_g, organisation):
    prefecture = PartyFactory(organisation=organisation, kind=PartyKind.ETAT, name="Préfecture")
    previous = RepresentativeFactory(
        party=prefecture, name="Philippe MAHÉ", title="Préfet", valid_from=date(2020, 1, 1)
    )
    draft = ConventionFactory(organisation=organisation, status=ConventionStatus.DRAFT)
    draft_membership = ConventionPartyFactory(
        convention=draft, party=prefecture, representative=previous
    )
    sent = ConventionFactory(organisation=organisation, status=ConventionStatus.TO_SIGN)
    sent_membership = ConventionPartyFactory(
        convention=sent, party=prefecture, representative=previous
    )
    signed = ConventionFactory(organisation=organisation, status=ConventionStatus.SIGNED)
    signed_membership = ConventionPartyFactory(
        convention=signed, party=prefecture, representative=previous
    )
    start = date.today() - timedelta(days=10)
    response = client_g.post(
        reverse("conventions:representative_create", args=[prefecture.pk]),
        {
            "name": "Alexandre ROCHATTE",
            "title": "Préfet du Finistère",
            "valid_from": start.isoformat(),
            "replaces": str(previous.pk),
        },
        follow=True,
    )
    assert response.status_code == 200
    new = Representative.objects.get(name="Alexandre ROCHATTE")
    assert f"1 brouillon de convention nomme désormais ce représentant : {draft.reference}" in (
        response.content.decode()
    )
    draft_membership.refresh_from_db()
    sent_membership.refresh_from_db()
    signed_membership.refresh_from_db()
    assert draft_membership.representative == new
    assert sent_membership.representative == previous
    assert signed_membership.representative == previous
    previous.refresh_from_db()
    assert previous.valid_to == start - timedelta(days=1)
    assert prefecture.current_representative() == new
    assert draft_membership.history.count() == 2


def test_representative_replace_service_refuses_another_partys(organisation):
    a = RepresentativeFactory(party=PartyFactory(organisation=organisation))
    b = RepresentativeFactory(party=PartyFactory(organisation=organisation))
    with pytest.raises(Exception, match="même partie"):
        reference.representative_replace(previous=a, new=b, by=None)


def test_representative_dates_out_of_order_refused(client_g, organisation):
    party = PartyFactory(organisation=organisation)
    response = client_g.post(
        reverse("conventions:representative_create", args=[party.pk]),
        {"title": "Président", "valid_from": "2024-05-01", "valid_to": "2024-01-01"},
    )
    assert response.status_code == 400
    assert "La fin de fonction précède son début." in response.content.decode()
    assert not party.representatives.exists()


def test_new_party_of_a_draft_gets_the_current_representative(organisation, gestionnaire):
    party = PartyFactory(organisation=organisation)
    RepresentativeFactory(
        party=party, name="Ancien", valid_from=date(2015, 1, 1), valid_to=date(2020, 12, 31)
    )
    current = RepresentativeFactory(party=party, name="Actuel", valid_from=date(2021, 1, 1))
    draft = ConventionFactory(organisation=organisation, status=ConventionStatus.DRAFT)
    drafting.convention_parties_save(
        convention=draft,
        changes=[(None, {"party": party, "is_signatory": True, "order": 1})],
        removed=[],
        by=gestionnaire,
    )
    assert draft.memberships.get().representative == current


# --------------------------------------------------------------------------- délibérations


def test_deliberation_created_listed_and_edited(client_g, organisation):
    party = PartyFactory(organisation=organisation, name="Département du Finistère")
    response = client_g.post(
        reverse("conventions:deliberation_create"),
        {
            "party": party.pk,
            "body": "Commission permanente",
            "date": "2023-07-03",
            "number": "CP-2023-07",
        },
    )
    assert response.status_code == 302
    deliberation = Deliberation.objects.get()
    page = client_g.get(reverse("conventions:deliberation_list")).content.decode()
    assert "Commission permanente" in page and "3 juillet 2023" in page
    post_loaded(
        client_g,
        reverse("conventions:deliberation_edit", args=[deliberation.pk]),
        {"party": party.pk, "body": "Commission permanente", "date": "2023-07-04"},
    )
    deliberation.refresh_from_db()
    assert deliberation.date == date(2023, 7, 4)
    assert deliberation.history.count() == 2


def test_deliberation_of_another_organisations_party_refused(client_g):
    foreign = PartyFactory()
    response = client_g.post(
        reverse("conventions:deliberation_create"),
        {"party": foreign.pk, "body": "Conseil", "date": "2023-07-03"},
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Deliberation.objects.exists()


# --------------------------------------------------------------------------- posts


def _post_data(employer, **extra):
    data = {
        "name": "ISCG Quimper",
        "kind": "ISCG",
        "employer": employer.pk,
        "functional_authority": "Commissaire de Quimper",
        "working_time_pct": "100",
        "territory_text": "Quimper et Concarneau",
        "start_date": "2023-09-01",
        "unites-TOTAL_FORMS": "2",
        "unites-INITIAL_FORMS": "0",
        "unites-0-name": "Commissariat de Quimper",
        "unites-0-kind": "commissariat",
        "unites-0-time_share": "50",
        "unites-1-name": "Compagnie de gendarmerie de Quimper",
        "unites-1-kind": "compagnie_gendarmerie",
        "unites-1-time_share": "50",
        "titulaires-TOTAL_FORMS": "1",
        "titulaires-INITIAL_FORMS": "0",
        "titulaires-0-name": "Intervenante A",
        "titulaires-0-start": "2023-09-01",
        "absences-TOTAL_FORMS": "1",
        "absences-INITIAL_FORMS": "0",
        "absences-0-start": "2024-06-01",
        "absences-0-reason": "Congé maternité",
    }
    data.update(extra)
    return data


def test_post_created_with_two_units_holder_and_absence(client_g, organisation):
    employer = PartyFactory(organisation=organisation, kind=PartyKind.CCAS_CIAS, name="CIAS")
    response = client_g.post(reverse("conventions:post_create"), _post_data(employer))
    post = Post.objects.get(name="ISCG Quimper")
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    assert post.slug == "iscg_quimper" and post.employer == employer
    assert sorted(post.units.values_list("time_share", flat=True)) == [Decimal(50), Decimal(50)]
    assert post.holders.get().name == "Intervenante A"
    assert post.absences.get().reason == "Congé maternité"
    assert post.history.count() == 1 and PostAbsence.history.count() == 1


def test_post_time_split_not_100_refused_nothing_written(client_g, organisation):
    employer = PartyFactory(organisation=organisation)
    response = client_g.post(
        reverse("conventions:post_create"), _post_data(employer, **{"unites-1-time_share": "40"})
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "totalisent 90\u00a0% au lieu de 100" in page
    assert not Post.objects.exists() and not HostUnit.objects.exists()


def test_post_employer_of_another_organisation_refused(client_g, organisation):
    foreign = PartyFactory()  # another organisation's party
    response = client_g.post(reverse("conventions:post_create"), _post_data(foreign))
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Post.objects.exists()
    with pytest.raises(Exception, match="pas une partie de votre organisation"):
        reference.post_save(
            organisation=organisation,
            values={"name": "X", "kind": "ISG", "employer": foreign},
            by=None,
        )
    assert not Post.objects.exists()


def test_post_form_offers_only_the_organisations_parties(client_g, organisation):
    own = PartyFactory(organisation=organisation, name="CIAS du Pays de Quimper")
    foreign = PartyFactory(name="CC d'un autre département")
    page = client_g.get(reverse("conventions:post_create")).content.decode()
    assert own.name in page and foreign.name not in page


def test_post_edit_changes_split_and_removes_a_unit(client_g, organisation):
    post = PostFactory(organisation=organisation)
    a = HostUnit.objects.create(post=post, name="A", kind="commissariat", time_share=50)
    b = HostUnit.objects.create(post=post, name="B", kind="commissariat", time_share=50)
    data = _post_data(
        post.employer,
        **{
            "unites-TOTAL_FORMS": "2",
            "unites-INITIAL_FORMS": "2",
            "unites-0-id": str(a.pk),
            "unites-0-post": str(post.pk),
            "unites-0-name": "A",
            "unites-0-kind": "commissariat",
            "unites-0-time_share": "100",
            "unites-1-id": str(b.pk),
            "unites-1-post": str(post.pk),
            "unites-1-name": "B",
            "unites-1-kind": "commissariat",
            "unites-1-time_share": "50",
            "unites-1-DELETE": "on",
        },
    )
    response = post_loaded(client_g, reverse("conventions:post_edit", args=[post.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(post.units.values_list("name", "time_share")) == [("A", Decimal(100))]


def test_post_pages_refused_to_coordinator_and_intervenant(client, organisation):
    post = PostFactory(organisation=organisation)
    for user in (
        UserFactory(coordinateur=True, organisation=organisation),
        UserFactory(intervenant=True, post=post, organisation=organisation),
    ):
        client.force_login(user)
        assert client.get(reverse("conventions:post_edit", args=[post.pk])).status_code == 403
        assert client.get(reverse("conventions:post_create")).status_code == 403


# --------------------------------------------------------------------------- budget lines


def test_budget_line_entered_from_the_annual_check(client_g, organisation):
    page = client_g.get(reverse("financing:annual", args=[2027])).content.decode()
    assert "Aucune ligne budgétaire saisie pour 2027" in page
    assert reverse("financing:budget_line", args=[2027]) in page
    response = post_loaded(
        client_g,
        reverse("financing:budget_line", args=[2027]),
        {"imputation": "6568//934213", "credits": "250000", "available": "180000"},
    )
    assert response.status_code == 302
    line = BudgetLine.objects.get(organisation=organisation, year=2027)
    assert (line.credits, line.available) == (Decimal(250000), Decimal(180000))
    page = client_g.get(reverse("financing:annual", args=[2027])).content.decode()
    assert "Aucune ligne budgétaire saisie pour 2027" not in page
    post_loaded(
        client_g,
        reverse("financing:budget_line", args=[2027]),
        {"imputation": "6568//934213", "credits": "250000", "available": "100000"},
    )
    assert BudgetLine.objects.get().available == Decimal(100000)
    assert line.history.count() == 2


def test_budget_line_available_over_credits_refused(client_g, organisation):
    response = client_g.post(
        reverse("financing:budget_line", args=[2027]),
        {"imputation": "6568", "credits": "1000", "available": "2000"},
    )
    assert response.status_code == 400
    assert "Le disponible ne peut dépasser les crédits de paiement." in response.content.decode()
    assert not BudgetLine.objects.exists()


def test_budget_line_refused_to_coordinator(client, organisation):
    client.force_login(UserFactory(coordinateur=True, organisation=organisation))
    assert client.get(reverse("financing:budget_line", args=[2027])).status_code == 403
    page = client.get(reverse("financing:annual", args=[2027])).content.decode()
    assert reverse("financing:budget_line", args=[2027]) not in page


# --------------------------------------------------------------------------- imports


def _upload(text: str, name: str = "parties.csv"):
    return {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")}


def test_parties_import_writes_every_row(client_g, organisation):
    content = "\n".join(
        [
            "Nature;Dénomination;Nom court;SIRET",
            "État;Préfecture du Finistère;État;",
            "EPCI;Concarneau Cornouaille Agglomération;CCA;" + VALID_SIRET,
        ]
    )
    response = import_through_page(client_g, reverse("conventions:party_import"), _upload(content))
    assert "Import terminé : 2 parties ajoutées, 0 mise à jour." in response.content.decode()
    assert set(Party.objects.values_list("slug", "kind")) == {("etat", "etat"), ("cca", "epci")}
    assert Party.objects.get(slug="cca").history.get().history_user.organisation == organisation


def test_parties_import_with_one_bad_row_writes_nothing(client_g, organisation):
    content = "\n".join(
        [
            "nature;denomination;siret",
            "epci;CC du Haut Pays Bigouden;",
            "commune;Commune de Quimper;",
            "etat;Préfecture;12345678901234",
        ]
    )
    response = import_through_page(client_g, reverse("conventions:party_import"), _upload(content))
    page = response.content.decode()
    assert "Rien n'a été enregistré" in page
    assert "Ligne 4, colonne « siret » : Ce SIRET n&#x27;est pas valide" in page
    assert not Party.objects.exists()


def test_posts_import_finds_the_employer_and_refuses_unknown_ones(client_g, organisation):
    PartyFactory(organisation=organisation, name="CIAS du Pays de Quimper", short_name="CIAS")
    PartyFactory(name="Commune d'ailleurs")  # another organisation's
    good = "\n".join(["intitule;type;employeur;temps_de_travail", "ISCG Quimper;iscg;CIAS;80,5 %"])
    response = import_through_page(
        client_g, reverse("conventions:post_import"), _upload(good, "postes.csv")
    )
    assert "1 poste ajouté" in response.content.decode()
    post = Post.objects.get()
    assert (post.kind, post.working_time_pct, post.slug) == (
        "ISCG",
        Decimal("80.5"),
        "iscg_quimper",
    )
    bad = "\n".join(
        [
            "intitule;type;employeur",
            "ISG Concarneau;ISG;CIAS",
            "ISG Ailleurs;ISG;Commune d'ailleurs",
        ]
    )
    response = import_through_page(
        client_g, reverse("conventions:post_import"), _upload(bad, "postes.csv")
    )
    assert "Ligne 3, colonne « employeur » : aucune partie" in response.content.decode()
    assert Post.objects.count() == 1


def test_import_of_an_unreadable_file_or_unknown_column(client_g):
    response = client_g.post(reverse("conventions:party_import"), _upload("x", "parties.pdf"))
    assert response.status_code == 400  # refused by the page itself: nothing stored
    assert "Format non reconnu" in response.content.decode()
    response = import_through_page(
        client_g,
        reverse("conventions:party_import"),
        _upload("nature;denomination;couleur\nepci;X;bleu"),
    )
    assert "Colonne « couleur » inconnue (ligne 1)." in response.content.decode()
    assert not Party.objects.exists()


def test_import_xlsx(client_g, organisation):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nature", "Dénomination"])
    sheet.append(["Commune", "Commune d'Ergué-Gabéric"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("parties.xlsx", buffer.getvalue())
    response = import_through_page(client_g, reverse("conventions:party_import"), {"file": upload})
    assert "Import terminé : 1 partie ajoutée" in response.content.decode()
    assert Party.objects.get().slug == "commune_d_ergue_gaberic"


def test_imports_refused_to_coordinator(client, organisation):
    client.force_login(UserFactory(coordinateur=True, organisation=organisation))
    response = client.post(
        reverse("conventions:party_import"), _upload("nature;denomination\nepci;X")
    )
    assert response.status_code == 403
    assert not Party.objects.exists()


def test_list_pages_link_to_the_new_pages_for_gestionnaire_only(client, client_g, organisation):
    page = client_g.get(reverse("conventions:party_list")).content.decode()
    assert (
        reverse("conventions:party_create") in page and reverse("conventions:party_import") in page
    )
    page = client_g.get(reverse("conventions:post_list")).content.decode()
    assert reverse("conventions:post_create") in page and reverse("conventions:post_import") in page
    client.force_login(UserFactory(coordinateur=True, organisation=organisation))
    page = client.get(reverse("conventions:party_list")).content.decode()
    assert reverse("conventions:party_create") not in page


def test_demo_post_and_party_edit_pages_show_what_is_recorded(client, demo_data):
    from iscg.models import User

    client.force_login(User.objects.get(email="gestionnaire@demo.iscg.fr"))
    post = (
        Post.objects.filter(organisation__slug="pas-de-calais", units__isnull=False)
        .distinct()
        .first()
    )
    page = client.get(reverse("conventions:post_edit", args=[post.pk])).content.decode()
    assert post.units.first().name in page
    assert f'value="{post.name}"' in page
    party = Party.objects.get(organisation__slug="pas-de-calais", slug="etat_62")
    page = client.get(reverse("conventions:party_detail", args=[party.pk])).content.decode()
    assert reverse("conventions:representative_create", args=[party.pk]) in page
    assert "en fonction" in page or "Aucun." in page


def test_renewal_names_the_representative_in_office_not_the_one_whose_mandate_ended(
    organisation, gestionnaire
):
    prefecture = PartyFactory(organisation=organisation, kind=PartyKind.ETAT)
    former = RepresentativeFactory(
        party=prefecture,
        name="Ancien PRÉFET",
        valid_from=date(2019, 1, 1),
        valid_to=date(2023, 12, 31),
    )
    current = RepresentativeFactory(
        party=prefecture, name="Nouveau PRÉFET", valid_from=date(2024, 1, 1)
    )
    still = RepresentativeFactory(party=PartyFactory(organisation=organisation), name="Toujours")
    source = ConventionFactory(
        organisation=organisation,
        status=ConventionStatus.SIGNED,
        start_date=date(2023, 1, 1),
        end_date=date(2023, 12, 31),
    )
    ConventionPartyFactory(convention=source, party=prefecture, representative=former)
    ConventionPartyFactory(convention=source, party=still.party, representative=still)
    started = drafting.convention_draft_start(
        organisation=organisation,
        mode="renouvellement",
        source=source,
        by=gestionnaire,
        reference="RENOUV-1",
    )
    named = dict(started.convention.memberships.values_list("party_id", "representative_id"))
    assert named == {prefecture.pk: current.pk, still.party_id: still.pk}


def test_the_import_models_are_accepted_as_they_are(client_g, organisation):
    """The models offered for download import cleanly (parties first: the post names its
    employer)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "conventions" / "static" / "conventions"
    for name, url in (
        ("modele-import-parties.csv", "conventions:party_import"),
        ("modele-import-postes.csv", "conventions:post_import"),
    ):
        page = client_g.get(reverse(url)).content.decode()
        assert name in page
        upload = SimpleUploadedFile(name, (folder / name).read_bytes())
        response = import_through_page(client_g, reverse(url), {"file": upload})
        assert "Import terminé" in response.content.decode(), response.content.decode()[-3000:]
    post = Post.objects.get()
    assert post.employer.short_name == "CC du Ternois"
    assert post.start_date == date(2023, 9, 1)


def test_replacing_a_representative_needs_the_new_mandates_start(client_g, organisation):
    party = PartyFactory(organisation=organisation)
    previous = RepresentativeFactory(party=party)
    response = client_g.post(
        reverse("conventions:representative_create", args=[party.pk]),
        {"title": "Président", "replaces": str(previous.pk)},
    )
    assert response.status_code == 400
    assert "Indiquez le début du mandat" in response.content.decode()
    assert party.representatives.count() == 1


def test_partner_sees_its_party_without_edit_links(client, organisation):
    party = PartyFactory(organisation=organisation)
    client.force_login(UserFactory(partenaire=True, party=party, organisation=organisation))
    page = client.get(reverse("conventions:party_detail", args=[party.pk])).content.decode()
    assert reverse("conventions:party_edit", args=[party.pk]) not in page
    assert reverse("conventions:representative_create", args=[party.pk]) not in page


def test_post_page_shows_the_history_of_its_units(client_g, organisation):
    employer = PartyFactory(organisation=organisation)
    client_g.post(reverse("conventions:post_create"), _post_data(employer))
    post = Post.objects.get()
    page = client_g.get(post.get_absolute_url()).content.decode()
    assert "Historique des unités, titulaires et absences" in page
    assert "Unité Commissariat de Quimper" in page and "Absence : Congé maternité" in page


def test_party_page_shows_the_history_of_its_representatives(client_g, organisation):
    party = PartyFactory(organisation=organisation)
    representative = RepresentativeFactory(party=party, name="Jean PREMIER", title="Président")
    post_loaded(
        client_g,
        reverse("conventions:representative_edit", args=[party.pk, representative.pk]),
        {"name": "Jean PREMIER", "title": "Président délégué"},
    )
    page = client_g.get(party.get_absolute_url()).content.decode()
    assert "Représentant Jean PREMIER" in page
    assert "qualité : « Président » → « Président délégué »" in page


def test_post_page_fixes_a_split_saved_wrong_elsewhere(client_g, organisation):
    post = PostFactory(organisation=organisation)
    a = HostUnit.objects.create(post=post, name="A", kind="commissariat", time_share=60)
    b = HostUnit.objects.create(post=post, name="B", kind="commissariat", time_share=60)
    rows = {"unites-TOTAL_FORMS": "2", "unites-INITIAL_FORMS": "2"}
    for index, unit in enumerate((a, b)):
        rows.update(
            {
                f"unites-{index}-id": str(unit.pk),
                f"unites-{index}-post": str(post.pk),
                f"unites-{index}-name": unit.name,
                f"unites-{index}-kind": "commissariat",
                f"unites-{index}-time_share": "50",
            }
        )
    response = post_loaded(
        client_g,
        reverse("conventions:post_edit", args=[post.pk]),
        _post_data(post.employer, **rows),
    )
    assert response.status_code == 302
    assert list(post.units.values_list("time_share", flat=True)) == [Decimal(50), Decimal(50)]


def test_post_save_service_refuses_a_split_not_100_and_writes_nothing(organisation, gestionnaire):
    employer = PartyFactory(organisation=organisation)
    units = reference.Rows(
        kept=[
            (None, {"name": "A", "kind": "commissariat", "time_share": Decimal(70)}),
            (None, {"name": "B", "kind": "commissariat", "time_share": Decimal(20)}),
        ]
    )
    with pytest.raises(Exception, match="totalisent 90"):
        reference.post_save(
            organisation=organisation,
            values={"name": "ISC Brest", "kind": "ISC", "employer": employer},
            by=gestionnaire,
            units=units,
        )
    assert not Post.objects.exists() and not HostUnit.objects.exists()
    assert not Post.history.exists()
