"""The electronic signature circuit (conventions/signing_services.py, the signing page): sending
opens one request per signatory in order and e-mails them; a partner signs with consent and a
one-time code; the refusals (expired, wrong code, another party, twice, not its turn), a refusal
that stops the circuit, withdrawal, reminders and expiry; paper signatures still work."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conventions import services, signing, signing_services
from conventions.models import (
    Convention,
    ConventionStatus,
    SignatureMethod,
    SignatureRequest,
    SignatureRequestState,
)
from iscg.models import EmailLog, Invitation
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    PartyFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
CODE = "246810"


@pytest.fixture(autouse=True)
def _known_code(monkeypatch):
    monkeypatch.setattr(signing, "new_code", lambda: CODE)


@pytest.fixture
def draft():
    convention = ConventionFactory(
        reference="ESIG-1",
        title="Poste ISG du Ternois",
        status=ConventionStatus.DRAFT,
        text_frozen_at=None,
        start_date=TODAY - timedelta(days=30),
        end_date=TODAY + timedelta(days=300),
        signature_place="Arras",
        original_copies=3,
    )
    for order, name in enumerate(("Préfecture", "Département", "CC du Ternois")):
        party = PartyFactory(organisation=convention.organisation, name=name)
        representative = RepresentativeFactory(
            party=party, name=f"Signataire {name}", title="Président"
        )
        ConventionPartyFactory(
            convention=convention, party=party, representative=representative, order=order
        )
    return convention


@pytest.fixture
def manager(draft):
    return UserFactory(gestionnaire=True, organisation=draft.organisation, email="gestion@dept.fr")


@pytest.fixture
def partners(draft):
    """One partner account per signatory party, in the parties' order."""
    return [
        UserFactory(
            partenaire=True,
            party=m.party,
            email=f"partenaire{i}@exemple.fr",
            first_name="Alex",
            last_name=f"Signataire{i}",
        )
        for i, m in enumerate(draft.memberships.order_by("order"))
    ]


def _send(draft, manager, **kwargs):
    services.convention_send_to_signature(
        convention=draft, by=manager, send_with_blanks=True, reason="Test", **kwargs
    )
    draft.refresh_from_db()
    return signing.current_requests(draft)


def _state(request) -> str:
    return SignatureRequest.objects.get(pk=request.pk).state


def _sign(request, user, code=CODE, consent=True):
    signing_services.code_send(
        request=request, user=user, now=timezone.now() - timedelta(minutes=1)
    )
    return signing_services.sign_electronically(
        request=request,
        user=user,
        code=code,
        consent=consent,
        ip="192.0.2.7",
        user_agent="Firefox/140",
    )


def _ready(run_tasks):
    """The worker renders the frozen PDF (its SHA-256) and sends the queued e-mails."""
    run_tasks()


# --------------------------------------------------------------------------- sending


def test_sending_in_order_opens_the_first_request_and_emails_its_partners(
    draft, manager, partners, run_tasks
):
    requests = _send(draft, manager)
    assert [(r.party.name, r.position, r.state) for r in requests] == [
        ("Préfecture", 1, SignatureRequestState.OPEN),
        ("Département", 2, SignatureRequestState.PENDING),
        ("CC du Ternois", 3, SignatureRequestState.PENDING),
    ]
    assert all(r.expires_on == TODAY + timedelta(days=30) for r in requests)
    assert requests[0].document == draft.documents.get(is_frozen=True)
    run_tasks()
    (message,) = [m for m in mail.outbox if m.to == ["partenaire0@exemple.fr"]]
    assert message.subject == "Convention ESIG-1 : votre signature est demandée"
    assert "« Poste ISG du Ternois » (ESIG-1)" in message.body
    assert "/conventions/ESIG-1/signer/" in message.body
    assert not [m for m in mail.outbox if m.to == ["partenaire1@exemple.fr"]]
    # keyed: opening the turns again sends nothing more
    signing_services.open_turns(draft)
    signing_services.notify_turn(SignatureRequest.objects.get(pk=requests[0].pk))
    assert EmailLog.objects.filter(key__startswith="signature-demandee:").count() == 1


def test_all_at_once_and_custom_ranks_and_expiry(draft, manager, partners):
    requests = _send(draft, manager, order=signing.ALL_AT_ONCE)
    assert {r.state for r in requests} == {SignatureRequestState.OPEN}
    assert EmailLog.objects.filter(key__startswith="signature-demandee:").count() == 3


def test_the_send_page_takes_the_order_and_the_expiry(client, draft, manager, partners):
    client.force_login(manager)
    url = reverse("conventions:send_confirm", args=[draft.reference])
    page = client.get(url).content.decode()
    assert "Circuit de signature électronique" in page and "Rang de Préfecture" in page
    ids = [m.party_id for m in draft.memberships.order_by("order")]
    expiry = TODAY + timedelta(days=10)
    past = {
        "order": "sequentiel",
        "expires_on": (TODAY - timedelta(days=1)).isoformat(),
        "send_with_blanks": "on",
        "reason": "Test",
    }
    response = client.post(url, past)
    assert response.status_code == 400
    assert "doit être dans le futur" in response.content.decode()
    assert Convention.objects.get(pk=draft.pk).status == ConventionStatus.DRAFT
    assert not SignatureRequest.objects.exists()
    data = past | {
        "expires_on": expiry.isoformat(),
        f"rang-{ids[0]}": "3",
        f"rang-{ids[1]}": "1",
        f"rang-{ids[2]}": "2",
    }
    assert client.post(url, data).status_code == 302
    requests = {r.party_id: r for r in SignatureRequest.objects.all()}
    assert [requests[i].position for i in ids] == [3, 1, 2]
    assert requests[ids[1]].state == SignatureRequestState.OPEN
    assert {r.expires_on for r in requests.values()} == {expiry}


def test_a_party_without_account_gets_an_invitation_at_its_representatives_address(
    draft, manager, run_tasks
):
    first = draft.memberships.order_by("order").first()
    first.representative.email = "prefet@exemple.gouv.fr"
    first.representative.save()
    requests = _send(draft, manager)
    invitation = Invitation.objects.get(email="prefet@exemple.gouv.fr")
    assert invitation.party == first.party and invitation.role == "partenaire"
    assert requests[0].notified_to == "prefet@exemple.gouv.fr"
    run_tasks()
    (message,) = [m for m in mail.outbox if m.to == ["prefet@exemple.gouv.fr"]]
    assert "vous demande de signer la convention « Poste ISG du Ternois »" in message.body
    assert "/comptes/invitation/" in message.body


def test_a_representative_whose_address_has_an_account_is_not_invited(draft, manager):
    """Invitations no longer refuse an address that has an account (no enumeration): the
    circuit checks it itself and invites nobody, as before (its e-mail says « créez-le »)."""
    first = draft.memberships.order_by("order").first()
    first.representative.email = "Prefet@Exemple.gouv.fr"
    first.representative.save()
    UserFactory(email="prefet@exemple.gouv.fr")
    requests = _send(draft, manager)
    assert requests[0].notified_to == ""
    assert not Invitation.objects.filter(email="prefet@exemple.gouv.fr").exists()


def test_nobody_to_reach_means_a_paper_signature_which_opens_the_next_turn(
    client, draft, manager, run_tasks
):
    requests = _send(draft, manager)
    assert requests[0].notified_to == ""
    client.force_login(manager)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Personne à prévenir" in page
    services.convention_sign(
        convention=draft,
        party=requests[0].party,
        signed_on=TODAY,
        signatory_name="M. le Préfet",
        by=manager,
    )
    signed = SignatureRequest.objects.get(pk=requests[0].pk)
    assert (signed.state, signed.method, signed.signer_name) == (
        SignatureRequestState.SIGNED,
        SignatureMethod.PAPER,
        "M. le Préfet",
    )
    assert _state(requests[1]) == SignatureRequestState.OPEN
    # A paper signature withdrawn reopens its request
    services.convention_unsign(convention=draft, party=requests[0].party, by=manager)
    assert _state(requests[0]) == SignatureRequestState.OPEN


# --------------------------------------------------------------------------- signing


def test_three_parties_sign_in_order_and_the_last_signature_signs_the_convention(
    draft, manager, partners, run_tasks
):
    requests = _send(draft, manager)
    _ready(run_tasks)
    for index, (request, partner) in enumerate(zip(requests, partners, strict=True)):
        signed = _sign(SignatureRequest.objects.get(pk=request.pk), partner)
        assert signed.state == SignatureRequestState.SIGNED
        assert signed.method == SignatureMethod.ELECTRONIC
        assert (signed.ip_address, signed.user_agent) == ("192.0.2.7", "Firefox/140")
        assert signed.signed_by == partner and signed.signer_name == f"Alex Signataire{index}"
        sent = draft.documents.filter(is_frozen=True, is_sealed=False).order_by("number").first()
        assert signed.document_sha256 == sent.sha256  # the document sent, not the final one
        assert len(signed.document_sha256) == 64 and signed.code_hash == ""
        assert signed.consent_text == (
            f"Je signe la convention ESIG-1 « Poste ISG du Ternois » en tant que Président, "
            f"Signataire {request.party.name} pour {request.party.name}"
        )
        if index < 2:
            assert _state(requests[index + 1]) == SignatureRequestState.OPEN
            assert Convention.objects.get(pk=draft.pk).status == ConventionStatus.TO_SIGN
    draft.refresh_from_db()
    assert draft.status in (ConventionStatus.SIGNED, ConventionStatus.IN_FORCE)
    assert draft.signature_date == TODAY
    assert all(m.signed_on == TODAY for m in draft.memberships.all())
    run_tasks()
    signed_all = [m for m in mail.outbox if "signée par toutes les parties" in m.subject]
    assert sorted(m.to[0] for m in signed_all) == [
        "gestion@dept.fr",
        "partenaire0@exemple.fr",
        "partenaire1@exemple.fr",
        "partenaire2@exemple.fr",
    ]
    evidence = signing.signature_evidence(draft)
    assert [(e.party_label, e.method, e.ip) for e in evidence] == [
        ("Préfecture", signing.METHOD_ELECTRONIC, "192.0.2.7"),
        ("Département", signing.METHOD_ELECTRONIC, "192.0.2.7"),
        ("CC du Ternois", signing.METHOD_ELECTRONIC, "192.0.2.7"),
    ]
    assert evidence[0].signer_name == "Alex Signataire0" and evidence[0].signed_at is not None


def test_the_code_is_hashed_emailed_and_masked_in_the_log_once_sent(
    draft, manager, partners, run_tasks
):
    requests = _send(draft, manager)
    signing_services.code_send(request=requests[0], user=partners[0])
    stored = SignatureRequest.objects.get(pk=requests[0].pk)
    assert stored.code_hash and CODE not in stored.code_hash and stored.codes_sent == 1
    assert stored.history.exists() and not hasattr(stored.history.first(), "code_hash")
    run_tasks()
    (message,) = [m for m in mail.outbox if "Votre code" in m.subject]
    assert message.to == ["partenaire0@exemple.fr"] and CODE in message.body
    log = EmailLog.objects.get(key=f"code-signature:{requests[0].pk}:1")
    assert CODE not in log.body and "[code retiré]" in log.body


def test_a_wrong_code_is_counted_then_locked_and_a_new_code_unlocks(
    draft, manager, partners, run_tasks
):
    requests = _send(draft, manager)
    _ready(run_tasks)
    request, partner = requests[0], partners[0]
    signing_services.code_send(request=request, user=partner)
    for tries_left in (4, 3, 2, 1):
        with pytest.raises(ValidationError, match=f"il vous reste {tries_left} essai"):
            signing_services.sign_electronically(
                request=request, user=partner, code="000000", consent=True, ip=None, user_agent=""
            )
    with pytest.raises(ValidationError, match="bloqué après 5 essais"):
        signing_services.sign_electronically(
            request=request, user=partner, code="000000", consent=True, ip=None, user_agent=""
        )
    with pytest.raises(ValidationError, match="bloqué après 5 essais"):  # even the right code
        signing_services.sign_electronically(
            request=request, user=partner, code=CODE, consent=True, ip=None, user_agent=""
        )
    assert SignatureRequest.objects.get(pk=request.pk).code_attempts == 5
    assert _state(request) == SignatureRequestState.OPEN
    # a new code (after a short wait) resets the tries
    signing_services.code_send(
        request=request, user=partner, now=timezone.now() + timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="attendez"):
        signing_services.code_send(
            request=request, user=partner, now=timezone.now() + timedelta(minutes=1)
        )
    signed = signing_services.sign_electronically(
        request=request,
        user=partner,
        code=CODE,
        consent=True,
        ip=None,
        user_agent="",
        now=timezone.now() + timedelta(minutes=2),
    )
    assert signed.state == SignatureRequestState.SIGNED


def test_codes_sent_are_limited(draft, manager, partners):
    requests = _send(draft, manager)
    start = timezone.now()
    for n in range(signing.CODE_MAX_SENDS):
        signing_services.code_send(
            request=requests[0], user=partners[0], now=start + timedelta(minutes=n)
        )
    with pytest.raises(ValidationError, match="déjà demandé 5 codes"):
        signing_services.code_send(
            request=requests[0], user=partners[0], now=start + timedelta(minutes=9)
        )


def test_an_expired_code_and_a_missing_consent_are_refused(draft, manager, partners, run_tasks):
    requests = _send(draft, manager)
    _ready(run_tasks)
    signing_services.code_send(request=requests[0], user=partners[0])
    with pytest.raises(ValidationError, match="Cochez la case de consentement"):
        signing_services.sign_electronically(
            request=requests[0], user=partners[0], code=CODE, consent=False, ip=None, user_agent=""
        )
    with pytest.raises(ValidationError, match="valable 10 minutes"):
        signing_services.sign_electronically(
            request=requests[0],
            user=partners[0],
            code=CODE,
            consent=True,
            ip=None,
            user_agent="",
            now=timezone.now() + timedelta(minutes=11),
        )
    assert _state(requests[0]) == SignatureRequestState.OPEN


def test_not_your_turn_twice_and_expired_requests_are_refused(draft, manager, partners, run_tasks):
    requests = _send(draft, manager)
    _ready(run_tasks)
    with pytest.raises(ValidationError, match="pas encore votre tour"):
        signing_services.code_send(request=requests[1], user=partners[1])
    _sign(requests[0], partners[0])
    with pytest.raises(ValidationError, match="déjà signée"):
        _sign(SignatureRequest.objects.get(pk=requests[0].pk), partners[0])
    # a partner of another party cannot sign this one
    with pytest.raises(ValidationError, match="Seul un représentant"):
        signing_services.code_send(request=requests[1], user=partners[2])
    SignatureRequest.objects.filter(pk=requests[1].pk).update(expires_on=TODAY - timedelta(days=1))
    with pytest.raises(ValidationError, match="a expiré"):
        _sign(SignatureRequest.objects.get(pk=requests[1].pk), partners[1])


def test_a_refusal_stops_the_circuit_and_tells_the_gestionnaires(
    draft, manager, partners, run_tasks
):
    requests = _send(draft, manager, order=signing.ALL_AT_ONCE)
    with pytest.raises(ValidationError, match="Indiquez le motif du refus"):
        signing_services.refuse(request=requests[1], user=partners[1], reason="  ")
    assert _state(requests[1]) == SignatureRequestState.OPEN
    signing_services.refuse(
        request=requests[1], user=partners[1], reason="Le montant de notre part est erroné."
    )
    assert [_state(r) for r in requests] == [
        SignatureRequestState.WITHDRAWN,
        SignatureRequestState.REFUSED,
        SignatureRequestState.WITHDRAWN,
    ]
    with pytest.raises(ValidationError, match="retirée"):
        _sign(SignatureRequest.objects.get(pk=requests[0].pk), partners[0])
    run_tasks()
    (message,) = [m for m in mail.outbox if "refusée" in m.subject]
    assert message.to == ["gestion@dept.fr"]
    assert "Le montant de notre part est erroné." in message.body
    assert Convention.objects.get(pk=draft.pk).status == ConventionStatus.TO_SIGN


def test_withdrawal_withdraws_open_requests_and_a_new_sending_opens_a_new_circuit(
    draft, manager, partners, run_tasks
):
    requests = _send(draft, manager)
    _ready(run_tasks)
    _sign(requests[0], partners[0])
    with pytest.raises(ValidationError, match="signé électroniquement"):
        services.convention_unsign(convention=draft, party=requests[0].party, by=manager)
    services.convention_signature_withdraw(convention=draft, by=manager, reason="Erreur de montant")
    assert [_state(r) for r in requests] == [
        SignatureRequestState.SIGNED,
        SignatureRequestState.WITHDRAWN,
        SignatureRequestState.WITHDRAWN,
    ]
    draft.refresh_from_db()
    assert draft.status == ConventionStatus.DRAFT
    again = _send(draft, manager)
    assert {r.round for r in again} == {2}
    assert [r.state for r in again][:2] == [
        SignatureRequestState.OPEN,
        SignatureRequestState.PENDING,
    ]


def test_daily_reminder_once_then_expiry_tells_the_gestionnaires(
    draft, manager, partners, run_tasks
):
    requests = _send(draft, manager, expires_on=TODAY + timedelta(days=5))
    assert signing_services.daily_signature_work(today=TODAY) == {"rappels": 0, "expirees": 0}
    soon = TODAY + timedelta(days=2)
    assert signing_services.daily_signature_work(today=soon) == {"rappels": 1, "expirees": 0}
    assert signing_services.daily_signature_work(today=soon) == {"rappels": 0, "expirees": 0}
    run_tasks()
    (reminder,) = [m for m in mail.outbox if m.subject.startswith("Rappel")]
    assert reminder.to == ["partenaire0@exemple.fr"] and "expire le" in reminder.body
    later = TODAY + timedelta(days=6)
    assert signing_services.daily_signature_work(today=later) == {"rappels": 0, "expirees": 3}
    assert {_state(r) for r in requests} == {SignatureRequestState.EXPIRED}
    run_tasks()
    (expired,) = [m for m in mail.outbox if "expirées" in m.subject]
    assert expired.to == ["gestion@dept.fr"]
    assert signing_services.daily_signature_work(today=later) == {"rappels": 0, "expirees": 0}


def test_the_daily_task_runs_the_signature_work(draft, manager, partners):
    from conventions.tasks import daily_reminders

    requests = _send(draft, manager, expires_on=TODAY + timedelta(days=1))
    daily_reminders.call(day=(TODAY + timedelta(days=3)).isoformat())
    assert {_state(r) for r in requests} == {SignatureRequestState.EXPIRED}


# --------------------------------------------------------------------------- the pages


def test_the_partner_signs_from_the_page(client, draft, manager, partners, run_tasks):
    requests = _send(draft, manager)
    _ready(run_tasks)
    client.force_login(partners[0])
    url = reverse("conventions:sign", args=[draft.reference])
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Lire et signer la convention" in page
    page = client.get(url).content.decode()
    document = draft.documents.get(is_frozen=True)
    assert document.sha256 in page
    assert (
        "Je signe la convention ESIG-1 « Poste ISG du Ternois » en tant que Président, "
        "Signataire Préfecture pour Préfecture" in page
    )
    assert reverse("conventions:document", args=[draft.reference, document.number]) in page
    assert (
        client.get(
            reverse("conventions:document", args=[draft.reference, document.number])
        ).status_code
        == 200
    )
    assert client.post(url, {"action": "code"}).status_code == 302
    run_tasks()
    (message,) = [m for m in mail.outbox if "Votre code" in m.subject]
    code = re.search(r"\b(\d{6})\b", message.body).group(1)
    response = client.post(url, {"action": "signer", "code": "111111", "consent": "on"})
    assert response.status_code == 400 and "il vous reste 4 essais" in response.content.decode()
    response = client.post(
        url,
        {"action": "signer", "code": code, "consent": "on"},
        HTTP_USER_AGENT="Chromium/140",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    signed = SignatureRequest.objects.get(pk=requests[0].pk)
    assert (signed.state, signed.ip_address, signed.user_agent) == (
        SignatureRequestState.SIGNED,
        "203.0.113.9",
        "Chromium/140",
    )
    # a second signature of the same request is refused, nothing changes
    response = client.post(url, {"action": "signer", "code": code, "consent": "on"})
    assert response.status_code == 400 and "déjà signée" in response.content.decode()
    # the staff page shows the circuit with the trail; the partner's page its own request only
    client.force_login(manager)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Circuit de signature électronique" in page and "203.0.113.9" in page
    assert signed.document_sha256 in page
    client.force_login(partners[1])
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "203.0.113.9" not in page and "Préfecture</td>" not in page.split('id="circuit"')[1]


def test_a_partner_of_another_party_gets_404_and_staff_403(client, draft, manager, partners):
    _send(draft, manager)
    url = reverse("conventions:sign", args=[draft.reference])
    outsider = UserFactory(partenaire=True, party=PartyFactory(organisation=draft.organisation))
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "code"}).status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(manager)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(gestionnaire=True))
    assert client.get(url).status_code == 404
    assert not EmailLog.objects.filter(key__startswith="code-signature").exists()


def test_partners_see_conventions_awaiting_their_signature_only(draft, manager, partners):
    outsider = UserFactory(partenaire=True, party=PartyFactory(organisation=draft.organisation))
    visible = Convention.objects.visible_to
    assert not visible(partners[0]).filter(pk=draft.pk).exists()  # a draft: never
    _send(draft, manager)
    assert visible(partners[0]).filter(pk=draft.pk).exists()
    assert not visible(outsider).filter(pk=draft.pk).exists()
    # a non-signatory party of a convention to sign does not see it before it is signed
    party = PartyFactory(organisation=draft.organisation)
    ConventionPartyFactory(convention=draft, party=party, is_signatory=False)
    reader = UserFactory(partenaire=True, party=party)
    assert not visible(reader).filter(pk=draft.pk).exists()


def test_the_partner_refuses_from_the_page(client, draft, manager, partners, run_tasks):
    requests = _send(draft, manager)
    client.force_login(partners[0])
    url = reverse("conventions:sign", args=[draft.reference])
    response = client.post(url, {"action": "refuser", "reason": ""})
    assert response.status_code == 400 and "Indiquez le motif du refus" in response.content.decode()
    assert client.post(url, {"action": "refuser", "reason": "Pas d'accord."}).status_code == 302
    assert _state(requests[0]) == SignatureRequestState.REFUSED
    assert "Pas d&#x27;accord." in client.get(url).content.decode()


def test_abandoning_an_act_to_sign_withdraws_its_open_requests(draft, manager, partners):
    from conventions import drafting

    requests = _send(draft, manager)
    drafting.convention_abandon(convention=draft, by=manager, reason="Projet arrêté")
    assert {_state(r) for r in requests} == {SignatureRequestState.WITHDRAWN}
    with pytest.raises(ValidationError, match="n'est pas à la signature"):
        signing_services.code_send(request=requests[0], user=partners[0])


def test_the_partners_home_lists_what_its_party_is_asked_to_sign(client, draft, manager, partners):
    _send(draft, manager)
    client.force_login(partners[0])
    page = client.get(reverse("home")).content.decode()
    assert "Conventions à signer" in page
    assert reverse("conventions:sign", args=[draft.reference]) in page
    client.force_login(partners[1])  # not yet its turn
    assert "Conventions à signer" not in client.get(reverse("home")).content.decode()
