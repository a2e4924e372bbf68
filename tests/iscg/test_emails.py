"""Every e-mail in text and HTML (the layout built from the text, escaped), the notice
preferences (« Mes notifications ») and the organisation's e-mail log, read back from a real
local SMTP server."""

import pytest
from django.urls import reverse

from iscg.emails import blocks
from iscg.models import EmailLog, NoticeKind, Role
from iscg.services import invitation_create, invitation_send
from iscg.tasks import queue_email, queue_emails_to
from tests.factories import ConventionFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = (
    "Bonjour,\n\nLe titre « <script>alert('x')</script> & Cie » a changé.\n"
    "Voir https://iscg.exemple.fr/conventions/A-1/?a=1&b=2\n\n- premier <b>point</b>\n- second\n"
)


def parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_an_e_mail_goes_in_text_and_html_and_the_html_escapes_the_text(run_tasks, smtp_server):
    organisation = OrganisationFactory(name="Département <du> Nord & Co")
    queue_email(
        key="essai",
        to=["a@exemple.fr"],
        subject="Essai",
        body=HOSTILE,
        organisation=organisation,
        reference="A-1",
    )
    assert run_tasks() == 1
    (message,) = smtp_server.messages
    assert message.is_multipart()
    text, html = parts(message)
    # The text part is the text as written, with the footer to the preferences.
    assert "« <script>alert('x')</script> & Cie »" in text
    assert (
        "Pour choisir les e-mails que vous recevez : http://127.0.0.1:8000/comptes/notifications/"
        in text
    )
    # The HTML part: nothing of the text is markup, the address is a link, the list a list.
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Cie" in html
    assert '<a href="https://iscg.exemple.fr/conventions/A-1/?a=1&amp;b=2"' in html
    assert "<li>premier &lt;b&gt;point&lt;/b&gt;</li><li>second</li>" in html
    assert "Département &lt;du&gt; Nord &amp; Co" in html
    assert "<h1" in html and "Convention A-1</h1>" in html
    assert '<a href="http://127.0.0.1:8000/comptes/notifications/">Mes notifications</a>' in html
    assert '<html lang="fr">' in html


def test_an_e_mail_given_its_own_html_keeps_it():
    log = queue_email(
        key="propre", to=["a@exemple.fr"], subject="S", body="Texte", html="<p>Mon HTML</p>"
    )
    assert log.html == "<p>Mon HTML</p>" and log.body == "Texte"


def test_the_blocks_of_a_text_are_paragraphs_and_lists():
    found = blocks("Bonjour,\r\n\r\nLigne 1\nLigne 2\n\n\n- a\n- b & c\n")
    assert [(b.is_list, [str(line) for line in b.lines]) for b in found] == [
        (False, ["Bonjour,"]),
        (False, ["Ligne 1", "Ligne 2"]),
        (True, ["a", "b &amp; c"]),
    ]


def test_an_invitation_has_no_preferences_link_and_its_link_is_masked_once_sent(
    run_tasks, smtp_server
):
    manager = UserFactory(gestionnaire=True)
    from tests.factories import PartyFactory

    party = PartyFactory(organisation=manager.organisation)
    new = invitation_create(by=manager, email="nouveau@exemple.fr", role="partenaire", party=party)
    invitation_send(new=new, base_url="http://127.0.0.1:8000/")
    run_tasks()
    text, html = parts(smtp_server.messages[0])
    assert new.token in text and new.token in html  # the person receives a working link
    assert "notifications" not in text and "Mes notifications" not in html
    log = EmailLog.objects.get(key=f"invitation:{new.invitation.pk}")
    assert new.token not in log.body and new.token not in log.html
    assert "[lien personnel retiré]" in log.html


# --------------------------------------------------------------------------- preferences


def test_a_user_who_turned_a_kind_off_is_skipped_and_nothing_is_logged_for_them(
    run_tasks, smtp_server
):
    keen = UserFactory(gestionnaire=True, email="keen@exemple.fr")
    quiet = UserFactory(
        gestionnaire=True,
        email="quiet@exemple.fr",
        organisation=keen.organisation,
        muted_notices=[NoticeKind.CONVENTION_SIGNED],
    )
    message = {"subject": "Signée", "body": "Texte", "organisation": keen.organisation}
    queued = queue_emails_to(
        [keen, quiet], key="signee", kind=NoticeKind.CONVENTION_SIGNED, **message
    )
    assert queued == 1
    # Another kind still reaches the quiet one; a mandatory e-mail (no kind) too.
    assert queue_emails_to([quiet], key="decision", kind=NoticeKind.BILAN_DECISION, **message)
    assert queue_email(key="obligatoire", to=[quiet.email], **message) is not None
    # queue_email with addresses: the quiet one's address is dropped, alone nothing is logged.
    assert (
        queue_email(
            key="seul", to=["QUIET@exemple.fr"], kind=NoticeKind.CONVENTION_SIGNED, **message
        )
        is None
    )
    both = queue_email(
        key="deux", to=[keen.email, quiet.email], kind=NoticeKind.CONVENTION_SIGNED, **message
    )
    assert both.to == ["keen@exemple.fr"]
    run_tasks()
    assert sorted(m.envelope_to[0] for m in smtp_server.messages) == sorted(
        ["keen@exemple.fr", "quiet@exemple.fr", "quiet@exemple.fr", "keen@exemple.fr"]
    )
    assert not EmailLog.objects.filter(key__in=[f"signee:{quiet.pk}", "seul"]).exists()


def test_the_preferences_page_offers_the_role_s_notices_all_on_and_saves_them(client):
    manager = UserFactory(gestionnaire=True)
    client.force_login(manager)
    page = client.get(reverse("notice_preferences")).content.decode()
    assert "<h1>Mes notifications</h1>" in page
    for kind in (NoticeKind.CONVENTION_SIGNED, NoticeKind.BILAN_DUE, NoticeKind.DEADLINES):
        assert f'value="{kind.value}"' in page
    assert page.count("checked") == 4  # defaults: all on
    assert NoticeKind.TITRE_ISSUED.value not in page  # a gestionnaire never receives it
    assert "demandes de signature" in page  # said to be always sent, not offered
    response = client.post(
        reverse("notice_preferences"),
        {"received": [NoticeKind.CONVENTION_SIGNED, NoticeKind.BILAN_DECISION]},
    )
    assert response.status_code == 302
    manager.refresh_from_db()
    assert sorted(manager.muted_notices) == sorted(
        [NoticeKind.BILAN_DUE.value, NoticeKind.DEADLINES.value]
    )
    assert not manager.receives(NoticeKind.DEADLINES) and manager.receives(
        NoticeKind.CONVENTION_SIGNED
    )
    page = client.get(reverse("notice_preferences")).content.decode()
    assert "Vos préférences de notification sont enregistrées." in page
    assert page.count("checked") == 2


def test_a_kind_the_role_is_not_offered_is_refused_and_nothing_changes(client):
    partner = UserFactory(partenaire=True)
    client.force_login(partner)
    page = client.get(reverse("notice_preferences")).content.decode()
    assert NoticeKind.TITRE_ISSUED.value in page and NoticeKind.BILAN_DUE.value not in page
    response = client.post(reverse("notice_preferences"), {"received": [NoticeKind.BILAN_DUE]})
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    partner.refresh_from_db()
    assert partner.muted_notices == []


def test_a_coordinator_is_told_it_receives_no_optional_notice(client):
    client.force_login(UserFactory(coordinateur=True))
    page = client.get(reverse("notice_preferences")).content.decode()
    assert "Votre rôle ne reçoit aucun avis facultatif" in page
    assert 'type="checkbox"' not in page


def test_the_user_menu_links_to_the_preferences(client):
    client.force_login(UserFactory(intervenant=True))
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("notice_preferences")}"' in page and "Mes notifications" in page


# --------------------------------------------------------------------------- the e-mail log


@pytest.fixture
def two_organisations():
    manager = UserFactory(gestionnaire=True)
    other = UserFactory(gestionnaire=True)
    mine = ConventionFactory(organisation=manager.organisation, reference="A-1")
    theirs = ConventionFactory(organisation=other.organisation, reference="B-1")
    for convention, subject in ((mine, "Notre avis"), (theirs, "Leur avis")):
        queue_email(
            key=f"log:{convention.pk}",
            to=[f"{convention.reference.lower()}@exemple.fr"],
            subject=subject,
            body="Texte secret du message",
            organisation=convention.organisation,
            reference=convention.reference,
        )
    queue_email(
        key="bilan",
        to=["i@exemple.fr"],
        subject="Bilan 2026",
        body="B",
        organisation=manager.organisation,
    )
    return manager, other, mine, theirs


def test_the_log_lists_the_organisation_s_e_mails_only_and_filters_by_convention(
    client, two_organisations, run_tasks
):
    manager, other, mine, theirs = two_organisations
    run_tasks()
    queue_email(
        key="tard",
        to=["t@exemple.fr"],
        subject="En file",
        body="x",
        organisation=manager.organisation,
        reference="A-1",
    )
    url = reverse("conventions:email_log")
    client.force_login(manager)
    page = client.get(url).content.decode()
    assert "Notre avis" in page and "Bilan 2026" in page and "En file" in page
    assert "Leur avis" not in page and "b-1@exemple.fr" not in page
    assert "Texte secret" not in page  # never the texts
    assert "3\xa0e-mails" in page and "en attente" in page and "envoyé le" in page
    filtered = client.get(url, {"convention": "A-1"}).content.decode()
    assert "Notre avis" in filtered and "Bilan 2026" not in filtered
    # Another organisation's convention: not found, whatever its e-mails.
    assert client.get(url, {"convention": "B-1"}).status_code == 404
    client.force_login(other)
    page = client.get(url).content.decode()
    assert "Leur avis" in page and "Notre avis" not in page and "Bilan 2026" not in page
    assert client.get(url, {"convention": "A-1"}).status_code == 404
    coordinator = UserFactory(coordinateur=True, organisation=manager.organisation)
    client.force_login(coordinator)
    assert "Notre avis" in client.get(url).content.decode()


@pytest.mark.parametrize("role", ["partenaire", "intervenant"])
def test_partners_and_intervenants_are_refused_the_log(client, two_organisations, role):
    manager, _, mine, _ = two_organisations
    if role == "partenaire":
        user = UserFactory(partenaire=True, organisation=manager.organisation)
    else:
        user = UserFactory(intervenant=True, organisation=manager.organisation)
    assert user.role == Role(role)
    client.force_login(user)
    assert client.get(reverse("conventions:email_log")).status_code == 403
    assert client.get(reverse("conventions:email_log"), {"convention": "A-1"}).status_code == 403


def test_the_convention_page_says_sent_or_pending_and_links_to_its_log(
    client, two_organisations, run_tasks
):
    manager, _, mine, _ = two_organisations
    client.force_login(manager)
    page = client.get(reverse("conventions:detail", args=["A-1"])).content.decode()
    assert "E-mails envoyés (1)" in page and "en attente d'envoi" in page
    assert f"{reverse('conventions:email_log')}?convention=A-1" in page
    run_tasks()
    page = client.get(reverse("conventions:detail", args=["A-1"])).content.decode()
    assert "envoyé le" in page and "Leur avis" not in page
