"""Each role's home page shows what that role works on (demo data)."""

import html
import re

import pytest
from django.urls import reverse

from iscg.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_data):
    """The shared module-scoped demo (tests/conftest.py), rolled back at the module's end."""


def text_of(client, email: str) -> str:
    client.force_login(User.objects.get(email=email))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    # Collapse ASCII whitespace only: amounts keep their no-break spaces.
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.text)))


def test_partner_sees_what_its_party_bears_and_is_owed(client, demo):
    text = text_of(client, "partenaire.pas-de-calais.epci-cc-ternois@demo.iscg.fr")
    assert "2023 : reste à charge comme employeur 14\u00a0334\u00a0€" in text
    assert "à recevoir des cofinanceurs de vos postes 28\u00a0666\u00a0€" in text
    assert "PDC2023-A09" not in text


def test_partner_funder_sees_what_it_owes(client, demo):
    text = text_of(client, "partenaire.pas-de-calais.epci-ca-bethune-bruay@demo.iscg.fr")
    # It funds the Béthune commissariat post and employs the gendarmerie one (A09).
    assert (
        "2023 : à verser 17\u00a0500\u00a0€ (déjà versé 0\u00a0€, reste à verser 17\u00a0500\u00a0€)"
        in text
    )
    assert "reste à charge comme employeur 14\u00a0801\u00a0€" in text
    # From the reader's side: what it pays, never "dû à d'autres … reste à percevoir".
    assert "percevoir" not in text and "doit" not in text


def test_gestionnaire_sees_drafts_to_sign_and_recoveries(client, demo):
    text = text_of(client, "gestionnaire@demo.iscg.fr")
    assert "À signer PDC2023-A13 — Convention de partenariat relative au financement" in text
    # No titre is issued in the demo: what is left to issue, by exercice, links to its list.
    assert "Recettes à percevoir Aucun titre en attente d'encaissement." in text
    assert "Titres restant à émettre : 2023 : 35\u00a0parts, 404\u00a0223\u00a0€" in text


def test_coordinator_sees_bilans_to_validate(client, demo):
    assert "Bilans à valider" in text_of(client, "coordinateur@demo.iscg.fr")


def test_intervenant_sees_its_post_and_bilans(client, demo):
    text = text_of(client, "intervenant@demo.iscg.fr")
    assert "Votre poste : Poste ISG Ternois" in text
    assert "2022 — Validé" in text


def test_an_abandoned_draft_leaves_the_recent_conventions(client, demo_data):
    """An abandoned draft counts nowhere: not among the home page's recent conventions."""
    from conventions.models import Convention, ConventionStatus
    from demo.users import GESTIONNAIRE_EMAIL
    from iscg.models import User

    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    assert "PDC2024-A10" in client.get("/").content.decode()
    response = client.post("/conventions/PDC2024-A10/abandonner/", {"reason": "Essai"}, follow=True)
    assert "La convention PDC2024-A10 est abandonnée : elle ne compte plus" in (
        response.content.decode()
    )
    assert Convention.objects.get(reference="PDC2024-A10").status == ConventionStatus.ABANDONED
    assert "PDC2024-A10" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_an_abandoned_avenant_is_masculine(client):
    """« L'avenant … est abandonné : il ne compte plus… »."""
    from tests import lifecycle

    world = lifecycle.territory()
    signed = lifecycle.send_and_sign(
        lifecycle.new_convention(world, world.posts[0], {2027: ("30000", "10000", "10000")}),
        world.manager,
    )
    draft = lifecycle.avenant(world, signed, {2027: ("30000", "12000", "10000")})
    client.force_login(world.manager)
    response = client.post(
        f"/conventions/{draft.reference}/abandonner/", {"reason": "Essai"}, follow=True
    )
    assert f"L'avenant {draft.reference} est abandonné : il ne compte plus" in html.unescape(
        response.content.decode()
    )


def test_the_home_page_and_the_conventions_list_read_in_a_bounded_number_of_queries(
    client, demo_data, django_assert_max_num_queries
):
    """The gestionnaire's home (deadlines, drafts, recoveries) and the filtered list do not read
    once per convention: 16 (one for the failed background tasks, two for the titres left to
    issue and to collect, financing.titres/receivables) and 14 queries for the 20 demo
    conventions (the parties' names for readable titles, the filters' choices counted to offer
    only useful ones)."""
    from conventions.models import Party
    from demo.users import GESTIONNAIRE_EMAIL

    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    with django_assert_max_num_queries(16):
        assert client.get("/").status_code == 200
    party = Party.objects.get(slug="epci_cc_ternois")
    with django_assert_max_num_queries(14):
        assert client.get("/conventions/", {"partie": party.pk}).status_code == 200
