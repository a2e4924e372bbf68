"""Plain French for each audience (issue 15): partners' pages carry no staff notes, no e-mail
addresses but their own, no technical terms; history rows name people without their address;
money is labelled from the reader's side."""

import html
import re

import pytest
from django.urls import reverse

from conventions.models import Convention, Party, Post
from financing.models import FinancingPlan
from iscg.history import person_name, without_emails
from iscg.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PARTNERS = [
    "partenaire.pas-de-calais.epci-cc-ternois@demo.iscg.fr",
    "partenaire.pas-de-calais.etat-62@demo.iscg.fr",
    "partenaire.dijon.etat-21@demo.iscg.fr",
]
JARGON = ("SHA-256", "SHA256", "JSON", "CSV", "SCDL", "iCalendar", "XLSX")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def visible_text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def staff_notes() -> list[str]:
    """The beginnings of the notes only staff may read (sources' inconsistencies, remarks)."""
    notes = [n for n in FinancingPlan.objects.values_list("notes", flat=True) if n]
    for model in (Convention, Post, Party):
        notes += [n for n in model.objects.values_list("notes", flat=True) if n]
    return [" ".join(n.split())[:50] for n in notes if len(n) > 20]


def partner_pages(client, user) -> list[str]:
    urls = [reverse("home"), reverse("conventions:list"), reverse("financing:my_financing")]
    conventions = Convention.objects.visible_to(user)
    urls += [c.get_absolute_url() for c in conventions]
    urls += [p.get_absolute_url() for p in Post.objects.visible_to(user).distinct()]
    return urls


@pytest.mark.parametrize("email", PARTNERS)
def test_partner_pages_show_no_staff_note_no_address_no_jargon(client, demo_data, email):
    user = User.objects.get(email=email)
    client.force_login(user)
    notes = staff_notes()
    assert notes  # the demo has them: the test would prove nothing otherwise
    for url in partner_pages(client, user):
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response)
        for note in notes:
            assert note not in text, f"{url} montre une note interne : {note}"
        for word in JARGON:
            assert word not in re.sub(r"<[^>]+>", " ", text), f"{url} : « {word} »"
        assert set(EMAIL.findall(text)) <= {user.email}, url
        assert "Historique des modifications" not in text, url


def test_staff_history_rows_name_people_without_their_address(client, demo_data):
    staff = User.objects.get(email="gestionnaire@demo.iscg.fr")
    client.force_login(staff)
    for reference in ("PDC2023-A08", "PDC2023-A13", "PDC2024-A10"):
        text = visible_text(client.get(reverse("conventions:detail", args=[reference])))
        history = text[text.index('id="historique"') :]
        history = history[: history.index("</section>")]
        assert "<td>" in history
        assert not EMAIL.findall(history), reference


def test_a_change_by_a_named_user_shows_the_name_only(client, demo_data):
    from iscg import history

    staff = User.objects.get(email="gestionnaire@demo.iscg.fr")
    editor = UserFactory(
        gestionnaire=True,
        organisation=staff.organisation,
        email="camille.roy@pas-de-calais.fr",
        first_name="Camille",
        last_name="Roy",
    )
    convention = Convention.objects.get(reference="PDC2024-A10")
    convention.title = "Convention de financement 2024, intitulé revu"
    history.attribute(convention, by=editor)
    convention.save()
    client.force_login(staff)
    for url in (
        convention.get_absolute_url(),
        reverse("conventions:plan", args=[convention.reference]),
    ):
        text = visible_text(client.get(url))
        history_part = text[text.index('id="historique"') :]
        assert "camille.roy@" not in history_part, url
    text = visible_text(client.get(convention.get_absolute_url()))
    assert "<td>Camille Roy</td>" in text


def test_person_name_never_shows_an_address():
    named = UserFactory.build(email="camille@exemple.fr", first_name="Camille", last_name="Roy")
    nameless = UserFactory.build(
        email="x@exemple.fr", first_name="", last_name="", gestionnaire=True
    )
    assert person_name(named) == "Camille Roy"
    assert person_name(nameless) == "Gestionnaire"
    assert person_name(None) == "système"
    assert without_emails("Camille Roy <camille@exemple.fr>") == "Camille Roy"
    assert without_emails("x@exemple.fr") == "Utilisateur sans nom"


def test_the_state_reads_what_it_must_pay_not_what_others_collect(client, demo_data):
    client.force_login(User.objects.get(email="partenaire.pas-de-calais.etat-62@demo.iscg.fr"))
    text = re.sub(r"<[^>]+>", " ", visible_text(client.get(reverse("financing:my_financing"))))
    assert "À verser aux employeurs" in text and "reste à verser" in text
    assert "Dû à d'autres employeurs" not in text and "reste à percevoir" not in text


def test_the_open_data_link_is_a_verb_not_a_format(client, demo_data):
    client.force_login(User.objects.get(email="gestionnaire@demo.iscg.fr"))
    response = client.get(reverse("financing:annual", args=[2023]))
    text = visible_text(response)
    assert "Télécharger pour data.gouv.fr" in text
    assert "CSV SCDL" not in text and "Exporter en XLSX" not in text


def test_an_employer_that_funds_nothing_reads_what_it_bears_and_receives(client, demo_data):
    client.force_login(User.objects.get(email=PARTNERS[0]))  # the CC du Ternois
    text = re.sub(r"<[^>]+>", " ", visible_text(client.get(reverse("financing:my_financing"))))
    assert "Reste à charge comme employeur" in text
    assert "À recevoir des cofinanceurs de vos postes" in text
    assert "À verser aux employeurs" not in text  # nothing to pay: no line of zeros
