"""Spreadsheet imports of parties and posts are atomic: one bad row writes nothing."""

import pytest
import tablib

from conventions.models import Party, Post
from conventions.resources import PartyResource, PostResource
from tests.factories import OrganisationFactory, PartyFactory

pytestmark = pytest.mark.django_db

HEADERS = ["organisation", "slug", "kind", "name", "short_name", "siret", "address", "notes"]


def party_rows(*rows):
    return tablib.Dataset(*rows, headers=HEADERS)


def test_valid_parties_are_imported():
    OrganisationFactory(slug="pas-de-calais")
    data = party_rows(
        [
            "pas-de-calais",
            "epci_cc_ternois",
            "epci",
            "Communauté de communes du Ternois",
            "CC du Ternois",
            "",
            "",
            "",
        ],
        ["pas-de-calais", "etat_62", "etat", "Préfecture du Pas-de-Calais", "État", "", "", ""],
    )
    result = PartyResource().import_data(data, dry_run=False, raise_errors=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert set(Party.objects.values_list("slug", flat=True)) == {"epci_cc_ternois", "etat_62"}


def test_one_bad_siret_writes_nothing_and_names_the_row():
    OrganisationFactory(slug="pas-de-calais")
    data = party_rows(
        ["pas-de-calais", "epci_cc_ternois", "epci", "CC du Ternois", "", "", "", ""],
        ["pas-de-calais", "etat_62", "etat", "Préfecture", "", "12345678901234", "", ""],
    )
    result = PartyResource().import_data(data, dry_run=False, raise_errors=False)
    assert result.has_validation_errors()
    invalid = result.invalid_rows[0]
    assert invalid.number == 2
    assert "clé de contrôle" in str(invalid.error_dict["siret"])
    assert not Party.objects.exists()


def test_unknown_organisation_is_reported_in_french():
    data = party_rows(["inconnue", "x", "epci", "X", "", "", "", ""])
    result = PartyResource().import_data(data, dry_run=False, raise_errors=False)
    assert result.has_errors()
    assert "Organisation « inconnue » inconnue." in str(result.rows[0].errors[0].error)
    assert not Party.objects.exists()


def test_post_import_finds_the_employer_in_the_rows_organisation():
    organisation = OrganisationFactory(slug="pas-de-calais")
    employer = PartyFactory(organisation=organisation, slug="epci_cc_ternois")
    PartyFactory(slug="epci_cc_ternois")  # same slug in another organisation
    data = tablib.Dataset(
        ["pas-de-calais", "isg_ternois", "Poste ISG Ternois", "ISG", "epci_cc_ternois", "100"],
        headers=["organisation", "slug", "name", "kind", "employer", "working_time_pct"],
    )
    result = PostResource().import_data(data, dry_run=False, raise_errors=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Post.objects.get(slug="isg_ternois").employer == employer


def test_post_with_unknown_employer_writes_nothing():
    OrganisationFactory(slug="pas-de-calais")
    data = tablib.Dataset(
        ["pas-de-calais", "isg_ternois", "Poste ISG Ternois", "ISG", "inconnu", "100"],
        headers=["organisation", "slug", "name", "kind", "employer", "working_time_pct"],
    )
    result = PostResource().import_data(data, dry_run=False, raise_errors=False)
    assert result.has_validation_errors() or result.has_errors()
    assert not Post.objects.exists()
