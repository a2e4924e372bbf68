"""Wizard step 2: rows proposed from the post (employer, authorities known) with the
representative in office, the "Représentant" list of the chosen party only, no "Ordre" field
(the rows' order), required fields marked, rows added in place by a small own script."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from conventions import drafting
from conventions.models import ConventionParty
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    PartyFactory,
    PostFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    manager = UserFactory(gestionnaire=True)
    org = manager.organisation
    cc = PartyFactory(organisation=org, name="CC du Ternois", kind="epci")
    gendarmerie = PartyFactory(
        organisation=org, name="Groupement de gendarmerie du Pas-de-Calais", kind="gendarmerie"
    )
    etat = PartyFactory(organisation=org, name="État", kind="etat")
    old = RepresentativeFactory(
        party=cc, name="Ancien PRÉSIDENT", valid_from=date(2014, 4, 1), valid_to=date(2020, 6, 30)
    )
    president = RepresentativeFactory(party=cc, name="Marc BRIDOUX", valid_from=date(2020, 7, 1))
    colonel = RepresentativeFactory(party=gendarmerie, name="Colonel DUPONT", title="Colonel")
    prefet = RepresentativeFactory(party=etat, name="Jacques BILLANT", title="Préfet")
    post = PostFactory(
        organisation=org,
        employer=cc,
        kind="ISG",
        functional_authority="Groupement de gendarmerie du Pas-de-Calais",
    )
    convention = ConventionFactory(
        organisation=org, draft=True, start_date=date(2027, 1, 1), end_date=date(2027, 12, 31)
    )
    convention.posts.add(post)
    return {
        "manager": manager,
        "convention": convention,
        "cc": cc,
        "gendarmerie": gendarmerie,
        "etat": etat,
        "old": old,
        "president": president,
        "colonel": colonel,
        "prefet": prefet,
    }


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<tr class="party-row">(.*?)</tr>', body, re.S)


def _selected(row: str, name: str) -> str:
    select = re.search(rf'<select name="parties-\d+-{name}".*?</select>', row, re.S).group(0)
    found = re.search(r'<option value="(\d*)"[^>]*selected', select)
    return found.group(1) if found else ""


def _options(row: str, name: str) -> list[str]:
    select = re.search(rf'<select name="parties-\d+-{name}".*?</select>', row, re.S).group(0)
    return [v for v in re.findall(r'<option value="(\d*)"', select) if v]


def test_proposed_memberships_come_from_the_post(world):
    rows = drafting.proposed_memberships(world["convention"])
    assert rows == [
        {
            "party": world["cc"].pk,
            "is_signatory": True,
            "representative": world["president"].pk,  # in office on 1 January 2027
            "is_employer": True,
            "is_hierarchical_authority": True,
        },
        {
            "party": world["gendarmerie"].pk,
            "is_signatory": True,
            "representative": world["colonel"].pk,
            "is_functional_authority": True,
        },
    ]


def test_an_authority_is_found_by_the_kind_of_post_when_its_text_names_no_party(world):
    post = world["convention"].posts.get()
    post.functional_authority = ""
    post.save()
    parties = [row["party"] for row in drafting.proposed_memberships(world["convention"])]
    assert parties == [world["cc"].pk, world["gendarmerie"].pk]


def test_step_two_is_prefilled_from_the_post_and_saves_the_proposed_rows(client, world):
    convention = world["convention"]
    client.force_login(world["manager"])
    url = reverse("wizard_parties", args=[convention.reference])
    page = client.get(url).content.decode()
    assert "Lignes proposées d'après le poste" in page
    rows = _rows(page)
    assert len(rows) == 3  # employer, gendarmerie, one empty row
    assert _selected(rows[0], "party") == str(world["cc"].pk)
    assert _selected(rows[0], "representative") == str(world["president"].pk)
    assert re.search(r'name="parties-0-is_employer"[^>]*checked', rows[0])
    assert not re.search(r'name="parties-0-is_funder"[^>]*checked', rows[0])
    assert _selected(rows[1], "party") == str(world["gendarmerie"].pk)
    assert not ConventionParty.objects.filter(convention=convention).exists()  # proposed only
    data = {
        "parties-TOTAL_FORMS": "3",
        "parties-INITIAL_FORMS": "0",
        "parties-0-party": world["cc"].pk,
        "parties-0-is_signatory": "on",
        "parties-0-is_employer": "on",
        "parties-0-is_hierarchical_authority": "on",
        "parties-0-representative": world["president"].pk,
        "parties-1-party": world["gendarmerie"].pk,
        "parties-1-is_signatory": "on",
        "parties-1-is_functional_authority": "on",
        "parties-1-representative": "",  # none chosen: the one in office
        "parties-2-party": world["etat"].pk,  # a row added
        "parties-2-is_signatory": "on",
        "parties-2-is_funder": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    saved = {
        m.party_id: (m.order, m.representative_id, [r.value for r in m.roles])
        for m in convention.memberships.all()
    }
    assert saved == {
        world["cc"].pk: (
            1,
            world["president"].pk,
            ["signataire", "employeur", "autorite_hierarchique"],
        ),
        world["gendarmerie"].pk: (2, world["colonel"].pk, ["signataire", "autorite_fonctionnelle"]),
        world["etat"].pk: (3, world["prefet"].pk, ["signataire", "financeur"]),
    }


def test_a_proposed_row_emptied_is_left_out(client, world):
    convention = world["convention"]
    client.force_login(world["manager"])
    url = reverse("wizard_parties", args=[convention.reference])
    response = client.post(
        url,
        {
            "parties-TOTAL_FORMS": "2",
            "parties-INITIAL_FORMS": "0",
            "parties-0-party": world["cc"].pk,
            "parties-0-is_signatory": "on",
            "parties-0-is_employer": "on",
            "parties-1-party": "",
            "parties-1-is_signatory": "on",
        },
    )
    assert response.status_code == 302
    assert list(convention.memberships.values_list("party_id", flat=True)) == [world["cc"].pk]


def test_the_representative_list_is_the_chosen_partys_and_no_order_field_shows(client, world):
    convention = world["convention"]
    ConventionPartyFactory(
        convention=convention, party=world["etat"], representative=world["prefet"], order=1
    )
    client.force_login(world["manager"])
    page = client.get(reverse("wizard_parties", args=[convention.reference])).content.decode()
    rows = _rows(page)
    assert len(rows) == 3  # the État's row and two empty rows (nothing proposed once saved)
    assert _options(rows[0], "representative") == [str(world["prefet"].pk)]
    # An empty row lists every representative, grouped by party, each saying whose it is.
    assert '<optgroup label="CC du Ternois">' in rows[1]
    assert f'data-party="{world["cc"].pk}"' in rows[1]
    assert re.search(
        rf'value="{world["president"].pk}"[^>]*data-current="1"', rows[1]
    ) or re.search(rf'data-current="1"[^>]*value="{world["president"].pk}"', rows[1])
    assert "-order" not in page and ">Ordre<" not in page
    assert '<abbr title="obligatoire">*</abbr>' in page


def test_rows_are_added_in_place_by_an_own_script_served_locally(client, world):
    client.force_login(world["manager"])
    page = client.get(reverse("wizard_parties", args=[world["convention"].reference]))
    text = page.content.decode()
    assert '<template id="party-row-template">' in text and "parties-__prefix__-party" in text
    assert 'id="add-party-row" hidden' in text  # shown by the script only
    assert re.search(r'<script src="/static/js/wizard-parties\.js" defer>', text)
    script = Path(settings.BASE_DIR, "static", "js", "wizard-parties.js").read_text()
    assert "__prefix__" in script and "data-current" in script
    assert "http" not in script  # nothing fetched from elsewhere


def test_a_representative_of_another_party_is_refused_and_nothing_saved(client, world):
    convention = world["convention"]
    client.force_login(world["manager"])
    response = client.post(
        reverse("wizard_parties", args=[convention.reference]),
        {
            "parties-TOTAL_FORMS": "1",
            "parties-INITIAL_FORMS": "0",
            "parties-0-party": world["cc"].pk,
            "parties-0-is_signatory": "on",
            "parties-0-representative": world["prefet"].pk,
        },
    )
    assert response.status_code == 400
    assert "ne représente pas CC du Ternois" in response.content.decode()
    assert not convention.memberships.exists()


def test_step_two_is_refused_to_a_coordinator(client, world):
    client.force_login(UserFactory(coordinateur=True, organisation=world["manager"].organisation))
    url = reverse("wizard_parties", args=[world["convention"].reference])
    assert client.get(url).status_code == 403
