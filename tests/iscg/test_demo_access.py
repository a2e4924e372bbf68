"""Access on the real demo data: a partner sees its own conventions only; another
organisation's gestionnaire sees nothing of the Pas-de-Calais."""

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from conventions.models import Convention, Party, Post
from demo.load import load_demo
from demo.users import DEMO_PASSWORD, DemoPassword, partner_email
from iscg.models import User
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_data):
    """The shared demo (tests/conftest.py)."""


def login(client, email: str) -> None:
    """Through the login form, as a user would (django-axes needs the request)."""
    response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, "la connexion de démonstration a échoué"


def test_partner_of_cc_ternois_opens_a08_but_not_a09(client, demo):
    ternois = Party.objects.get(slug="epci_cc_ternois", organisation__slug="pas-de-calais")
    partner = User.objects.get(email=partner_email(ternois))
    login(client, partner.email)
    assert client.get(reverse("conventions:detail", args=["PDC2023-A08"])).status_code == 200
    assert client.get(reverse("conventions:detail", args=["PDC2023-A09"])).status_code == 404
    listing = client.get(reverse("conventions:list"))
    assert [c.reference for c in listing.context["conventions"]] == ["PDC2023-A08"]


def test_partner_never_sees_a_draft_of_its_own(client, demo):
    """A draft, never; a convention awaiting its party's signature, yes (to read and sign it:
    issue 16)."""
    renewal = Convention.objects.get(reference="PDC2024-A10")
    assert renewal.status == "brouillon"
    party = renewal.memberships.order_by("order").first().party
    client.force_login(User.objects.get(email=partner_email(party)))
    assert client.get(reverse("conventions:detail", args=["PDC2024-A10"])).status_code == 404
    osartis = Party.objects.get(slug="epci_cc_osartis_marquion")
    assert Convention.objects.get(reference="PDC2023-A13").status == "a_signer"
    client.force_login(User.objects.get(email=partner_email(osartis)))
    assert client.get(reverse("conventions:detail", args=["PDC2023-A13"])).status_code == 200


def test_gestionnaire_of_another_organisation_sees_nothing_of_the_pas_de_calais(client, demo):
    client.force_login(
        UserFactory(gestionnaire=True, organisation=OrganisationFactory(slug="nord"))
    )
    listing = client.get(reverse("conventions:list"))
    assert list(listing.context["conventions"]) == []
    assert client.get(reverse("conventions:detail", args=["PDC2023-A08"])).status_code == 404
    post = Post.objects.get(slug="isg_ternois")
    assert client.get(reverse("conventions:post_detail", args=[post.pk])).status_code == 404
    party = Party.objects.get(slug="epci_cc_ternois")
    assert client.get(reverse("conventions:party_detail", args=[party.pk])).status_code == 404
    assert list(client.get(reverse("conventions:post_list")).context["posts"]) == []


def test_demo_gestionnaire_sees_the_15_pas_de_calais_conventions_only(client, demo):
    login(client, "gestionnaire@demo.iscg.fr")
    references = [
        c.reference for c in client.get(reverse("conventions:list")).context["conventions"]
    ]
    # The deliberation's 15, and the demo's draft renewal of PDC2023-A10 (conventions/demo.py).
    assert references == [f"PDC2023-A{n:02d}" for n in range(3, 18)] + ["PDC2024-A10"]


def test_demo_intervenant_sees_its_post_conventions(client, demo):
    client.force_login(User.objects.get(email="intervenant@demo.iscg.fr"))
    references = [
        c.reference for c in client.get(reverse("conventions:list")).context["conventions"]
    ]
    assert references == ["PDC2023-A08"]


def test_every_party_of_a_demo_convention_has_a_partner_login(demo):
    parties = Party.objects.filter(conventions__isnull=False).distinct()
    assert parties.count() > 30
    assert User.objects.filter(role="partenaire", party__in=parties).count() == parties.count()


def test_load_demo_twice_keeps_one_user_per_email(demo):
    before = User.objects.count()
    load_demo()
    assert User.objects.count() == before


def test_reloading_gives_every_demo_account_the_demo_password_back(demo):
    user = User.objects.get(email="gestionnaire@demo.iscg.fr")
    user.set_password("un-autre-mot-de-passe")
    user.save()
    load_demo()
    accounts = User.objects.filter(email__endswith="@demo.iscg.fr")
    assert accounts.count() > 30
    assert all(account.check_password(DEMO_PASSWORD) for account in accounts)


def test_the_demo_password_is_hashed_once_for_all_accounts(monkeypatch):
    hashed = []
    monkeypatch.setattr(
        "demo.users.make_password", lambda raw: hashed.append(raw) or make_password(raw)
    )
    password = DemoPassword()
    assert password.hash == password.hash
    assert hashed == [DEMO_PASSWORD]
    assert password.matches(password.hash)
    assert not password.matches(make_password("un-autre-mot-de-passe"))


def test_partner_does_not_see_the_back_office_history(client, demo):
    ternois = Party.objects.get(slug="epci_cc_ternois")
    client.force_login(User.objects.get(email=partner_email(ternois)))
    response = client.get(reverse("conventions:detail", args=["PDC2023-A08"]))
    assert response.status_code == 200
    assert "Historique des modifications" not in response.text
    client.force_login(User.objects.get(email="gestionnaire@demo.iscg.fr"))
    response = client.get(reverse("conventions:detail", args=["PDC2023-A08"]))
    assert "Historique des modifications" in response.text
