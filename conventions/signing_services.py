"""Writes of the electronic signature circuit (the rules they apply: ``conventions.signing``).

Sending to signature opens a circuit (``circuit_open``: one request per signatory party);
the partner's representative, logged in, asks for a one-time code (``code_send``) and signs
(``sign_electronically``) or refuses (``refuse``); the gestionnaire may record a paper
signature instead (``services.convention_sign``, which calls ``paper_signature_recorded``). The
last signature, electronic or paper, goes through ``services.record_party_signature``: the
convention becomes "signée" and every party is told. The daily schedule reminds and expires
(``daily_signature_work``). Every function raises ``ValidationError`` (French) and changes
nothing when refused — except a wrong code, whose try is counted.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from conventions import signing
from conventions.models import (
    Convention,
    ConventionStatus,
    DocumentVersion,
    SignatureMethod,
    SignatureRequest,
    SignatureRequestState,
)
from iscg import history
from iscg.formatting import format_date_long
from iscg.models import Role, User
from iscg.tasks import queue_email, queue_emails_to

OPEN_STATES = (SignatureRequestState.PENDING, SignatureRequestState.OPEN)


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def sign_url(convention: Convention) -> str:
    return _link(reverse("conventions:sign", args=[convention.reference]))


def _partners(party_id: int) -> list[User]:
    return list(
        User.objects.filter(role=Role.PARTENAIRE, party_id=party_id, is_active=True)
        .exclude(email="")
        .order_by("email")
    )


def _gestionnaires(organisation_id: int) -> list[User]:
    return list(
        User.objects.filter(
            role=Role.GESTIONNAIRE, organisation_id=organisation_id, is_active=True
        ).order_by("email")
    )


def current_requests(convention: Convention) -> list[SignatureRequest]:
    return signing.current_requests(convention)


def request_for_party(convention: Convention, party_id: int | None) -> SignatureRequest | None:
    """The party's request in the convention's current circuit (None: none for this party)."""
    if party_id is None:
        return None
    last = convention.signature_requests.aggregate(n=Max("round"))["n"]
    if last is None:
        return None
    return (
        convention.signature_requests.filter(round=last, party_id=party_id)
        .select_related("party", "document", "convention")
        .first()
    )


def _membership(sig: SignatureRequest):
    return (
        sig.convention.memberships.filter(party_id=sig.party_id, is_signatory=True)
        .select_related("representative", "party")
        .first()
    )


def capacity_of(sig: SignatureRequest) -> str:
    """ "Président, Camille DURAND": in what capacity the party's representative signs."""
    membership = _membership(sig)
    if membership is not None and membership.representative is not None:
        return membership.representative.signature_line
    return f"représentant de {sig.party.name}"


def consent_for(sig: SignatureRequest) -> str:
    convention = sig.convention
    return signing.consent_text(
        reference=convention.reference,
        title=convention.title,
        capacity=capacity_of(sig),
        party=sig.party.name,
    )


# --------------------------------------------------------------------------- opening a circuit


def circuit_open(
    *,
    convention: Convention,
    document: DocumentVersion,
    by,
    ranks: dict[int, int],
    expires_on: date,
) -> list[SignatureRequest]:
    """One request per signatory party (``ranks``: party pk → rank), then the first turn
    opened and told. Called by ``services.convention_send_to_signature`` in its transaction."""
    if problem := signing.expiry_problem(expires_on, timezone.localdate()):
        raise ValidationError(problem)
    if problem := signing.ranks_problem(ranks):
        raise ValidationError(problem)
    number = (convention.signature_requests.aggregate(n=Max("round"))["n"] or 0) + 1
    created = []
    for membership in convention.memberships.filter(is_signatory=True).order_by("order", "pk"):
        created.append(
            SignatureRequest.objects.create(
                convention=convention,
                party_id=membership.party_id,
                document=document,
                round=number,
                position=ranks.get(membership.party_id, 1),
                expires_on=expires_on,
                sent_by=by,
            )
        )
    open_turns(convention)
    return created


def open_turns(convention: Convention) -> list[SignatureRequest]:
    """Open the requests whose turn has come, and tell their signatories."""
    opened = []
    now = timezone.now()
    for request in signing.to_open(current_requests(convention)):
        request.state = SignatureRequestState.OPEN
        request.opened_at = now
        request.save(update_fields=["state", "opened_at"])
        notify_turn(request)
        opened.append(request)
    return opened


def notify_turn(sig: SignatureRequest) -> str:
    """E-mail the party's partner accounts that the convention awaits their signature; with no
    account, its representative's address, with an invitation to create one (``iscg``'s
    invitation flow). Returns to whom (empty: nobody to tell, a paper signature is needed).
    Once per sig."""
    if sig.notified_at is not None:
        return sig.notified_to
    convention = sig.convention
    partners = _partners(sig.party_id)
    expiry = format_date_long(sig.expires_on)
    body = (
        "Bonjour,\n\n"
        f"{convention.organisation} vous demande de signer la convention « {convention.title} » "
        f"({convention.reference}) pour {sig.party.name}.\n\n"
        f"Lisez le document et signez-le (ou refusez-le, avec votre motif) avant le {expiry} : "
        f"{sign_url(convention)}\n\n"
        "Un code à usage unique vous sera envoyé par e-mail au moment de signer.\n"
    )
    subject = f"Convention {convention.reference} : votre signature est demandée"
    recipients: list[str] = []
    if partners:
        queue_emails_to(
            partners,
            key=f"signature-demandee:{sig.pk}",
            organisation=convention.organisation,
            reference=convention.reference,
            subject=subject,
            body=body,
        )
        recipients = [user.email for user in partners]
    else:
        recipients = _invite_representative(sig, body)
    sig.notified_at = timezone.now()
    sig.notified_to = ", ".join(recipients)[:500]
    sig.save(update_fields=["notified_at", "notified_to"])
    return sig.notified_to


def _invite_representative(sig: SignatureRequest, body: str) -> list[str]:
    """The representative's address, invited to create the party's account (whose first page
    is the signature to give); nobody when it has no address or the address has an account."""
    from iscg import services as accounts

    membership = _membership(sig)
    representative = membership.representative if membership is not None else None
    email = (representative.email or "").strip().lower() if representative else ""
    by = sig.sent_by
    if not email or by is None or by.organisation_id is None:
        return []
    if User.objects.filter(email=email).exists():
        return []  # an account already uses the address (another party's): nobody told
    try:
        with transaction.atomic():
            new = accounts.invitation_create(
                by=by, email=email, role=Role.PARTENAIRE, party=sig.party
            )
    except ValidationError:
        return []
    accounts.invitation_send(
        new=new,
        base_url=settings.SITE_URL,
        intro=body.removeprefix("Bonjour,\n\n")
        + "\nVous n'avez pas encore de compte : créez-le d'abord avec le lien ci-dessous.\n",
    )
    return [email]


# --------------------------------------------------------------------------- the one-time code


def _code_state(sig: SignatureRequest) -> signing.CodeState:
    return signing.CodeState(
        code_hash=sig.code_hash,
        sent_at=sig.code_sent_at,
        attempts=sig.code_attempts,
        sends=sig.codes_sent,
    )


def _signer(user) -> signing.Signer:
    return signing.Signer(
        is_partner=user.is_authenticated and user.role == Role.PARTENAIRE,
        party_id=getattr(user, "party_id", None),
    )


def _locked(sig: SignatureRequest) -> SignatureRequest:
    return (
        SignatureRequest.objects.select_for_update(of=("self",))
        .select_related("convention__organisation", "party", "document")
        .get(pk=sig.pk)
    )


def _require_signable(sig: SignatureRequest, user, today: date) -> None:
    if sig.convention.status != ConventionStatus.TO_SIGN:
        raise ValidationError(
            f"La convention {sig.convention.reference} n'est pas à la signature (statut « "
            f"{sig.convention.get_status_display()} »)."
        )
    if problem := signing.sign_problem(sig, _signer(user), today):
        raise ValidationError(problem)


@transaction.atomic
def code_send(*, request: SignatureRequest, user, now: datetime | None = None) -> None:
    """Send a new one-time code to the signer's address (its hash only is kept; the earlier
    code no longer works); at most ``CODE_MAX_SENDS`` per request."""
    now = now or timezone.now()
    request = _locked(request)
    _require_signable(request, user, timezone.localdate(now))
    if problem := signing.code_send_problem(_code_state(request), now):
        raise ValidationError(problem)
    code = signing.new_code()
    request.code_sent_at = now
    request.code_hash = signing.code_digest(
        code, secret=settings.SECRET_KEY, request_pk=request.pk, sent_at=now
    )
    request.code_attempts = 0
    request.codes_sent += 1
    request.save(update_fields=["code_sent_at", "code_hash", "code_attempts", "codes_sent"])
    convention = request.convention
    queue_email(
        key=f"code-signature:{request.pk}:{request.codes_sent}",
        to=[user.email],
        organisation=convention.organisation,
        reference=convention.reference,
        personal=True,  # the code is masked in the log once sent
        subject=f"Votre code pour signer la convention {convention.reference}",
        body=(
            "Bonjour,\n\n"
            f"Votre code pour signer la convention {convention.reference} : {code}\n\n"
            "Il est valable 10 minutes et ne sert qu'une fois. Si vous n'avez pas demandé à "
            "signer, ignorez ce message.\n"
        ),
    )


# --------------------------------------------------------------------------- signing, refusing


def sign_electronically(
    *,
    request: SignatureRequest,
    user,
    code: str,
    consent: bool,
    ip: str | None,
    user_agent: str,
    now: datetime | None = None,
) -> SignatureRequest:
    """Sign the request: the explicit consent ticked and the right code given, in time. Records
    who, when, from which IP and browser, the SHA-256 of the document signed; then the next
    turn opens, or the last signature makes the convention signed.

    A wrong code counts as a try (kept even though the signature is refused): past
    ``CODE_MAX_TRIES`` the code is locked and a new one must be asked for."""
    from conventions import services

    now = now or timezone.now()
    problem = ""
    with transaction.atomic():
        request = _locked(request)
        convention = Convention.objects.select_for_update().get(pk=request.convention_id)
        request.convention = convention
        _require_signable(request, user, timezone.localdate(now))
        if not consent:
            raise ValidationError(
                "Cochez la case de consentement : elle dit ce que vous signez, et pour qui."
            )
        state = _code_state(request)
        digest = (
            signing.code_digest(
                code, secret=settings.SECRET_KEY, request_pk=request.pk, sent_at=state.sent_at
            )
            if state.sent_at
            else ""
        )
        problem = signing.code_problem(state, code, now, digest=digest)
        if signing.is_wrong_code(problem):
            request.code_attempts += 1
            request.save(update_fields=["code_attempts"])
        if not problem:
            document = request.document
            if document is None or not document.sha256:
                raise ValidationError(
                    "Le document à signer est en cours de préparation : réessayez dans un instant."
                )
            membership = _membership(request)
            name = (user.get_full_name() or "").strip() or (
                membership.representative.name if membership.representative else ""
            )
            request.state = SignatureRequestState.SIGNED
            request.method = SignatureMethod.ELECTRONIC
            request.signed_at = now
            request.signed_by = user
            request.signer_name = name or user.email
            request.signer_capacity = capacity_of(request)[:500]
            request.consent_text = consent_for(request)
            request.ip_address = ip or None
            request.user_agent = (user_agent or "")[:500]
            request.document_sha256 = document.sha256
            request.code_hash = ""
            request.closed_at = now
            history.attribute(request, by=user, reason="Signature électronique.")
            request.save()
            services.record_party_signature(
                convention=convention,
                membership=membership,
                signed_on=timezone.localdate(now),
                signatory_name=request.signer_name,
                by=user,
            )
            open_turns(convention)
            return request
    raise ValidationError(problem)


@transaction.atomic
def refuse(*, request: SignatureRequest, user, reason: str, now: datetime | None = None):
    """Refuse to sign, with a reason: the circuit stops (the other requests are withdrawn) and
    the gestionnaires are told; the convention stays "à signer" until they withdraw it."""
    now = now or timezone.now()
    request = _locked(request)
    _require_signable(request, user, timezone.localdate(now))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Indiquez le motif du refus : il est transmis au gestionnaire.")
    request.state = SignatureRequestState.REFUSED
    request.refused_at = now
    request.refusal_reason = reason[:2000]
    request.signed_by = user
    request.signer_name = (user.get_full_name() or "").strip() or user.email
    request.closed_at = now
    history.attribute(request, by=user, reason=f"Signature refusée. Motif : {reason}")
    request.save()
    convention = request.convention
    _close_others(convention, request, now, by=user, why="Circuit arrêté par un refus.")
    queue_emails_to(
        _gestionnaires(convention.organisation_id),
        key=f"signature-refusee:{request.pk}",
        organisation=convention.organisation,
        reference=convention.reference,
        subject=f"Convention {convention.reference} : signature refusée par {request.party.name}",
        body=(
            "Bonjour,\n\n"
            f"{request.party.name} refuse de signer la convention « {convention.title} » "
            f"({convention.reference}). Motif : {reason}\n\n"
            "Le circuit de signature est arrêté : les autres demandes sont retirées. Retirez la "
            "demande de signature pour modifier la convention et la renvoyer : "
            f"{_link(convention.get_absolute_url())}\n"
        ),
    )
    return request


def _close_others(convention, keep, now, *, by, why: str, state=SignatureRequestState.WITHDRAWN):
    for other in current_requests(convention):
        if other.pk != getattr(keep, "pk", None) and other.state in OPEN_STATES:
            other.state = state
            other.closed_at = now
            history.attribute(other, by=by, reason=why)
            other.save(update_fields=["state", "closed_at"])


# --------------------------------------------------------------------------- the paper path


def paper_signature_recorded(*, convention: Convention, party, signatory_name: str, by) -> None:
    """The gestionnaire recorded ``party``'s paper signature: its request (if open) is signed
    "manuscrite", and the next turn opens. Called by ``services.convention_sign``."""
    request = request_for_party(convention, party.pk)
    if request is None or request.state not in OPEN_STATES:
        return
    now = timezone.now()
    request.state = SignatureRequestState.SIGNED
    request.method = SignatureMethod.PAPER
    request.signed_at = now
    request.signer_name = signatory_name[:160]
    request.document_sha256 = request.document.sha256 if request.document else ""
    request.closed_at = now
    history.attribute(request, by=by, reason="Signature manuscrite enregistrée.")
    request.save()
    open_turns(convention)


def paper_signature_withdrawn(*, convention: Convention, party, by) -> None:
    """A paper signature withdrawn (recorded by mistake): its request is open again. An
    electronic signature is never withdrawn (``signature_withdraw_problem``)."""
    request = request_for_party(convention, party.pk)
    if request is None or request.method != SignatureMethod.PAPER:
        return
    request.state = SignatureRequestState.OPEN
    request.method = ""
    request.signed_at = request.closed_at = None
    request.signer_name = ""
    history.attribute(request, by=by, reason="Signature manuscrite retirée.")
    request.save()


def signature_withdraw_problem(convention: Convention, party) -> str:
    request = request_for_party(convention, party.pk)
    if request is not None and request.method == SignatureMethod.ELECTRONIC:
        return (
            f"{party} a signé électroniquement : sa signature ne se retire pas. Retirez la "
            "demande de signature pour modifier la convention."
        )
    return ""


def circuit_withdraw(*, convention: Convention, by, reason: str) -> None:
    """The signature request withdrawn: the open requests too (``retirée``)."""
    _close_others(
        convention, None, timezone.now(), by=by, why=f"Demande de signature retirée. {reason}"
    )


# --------------------------------------------------------------------------- the daily schedule


def daily_signature_work(*, today: date) -> dict[str, int]:
    """Remind the signatories whose request expires within ``REMINDER_DAYS_BEFORE`` days (once),
    and expire the circuits past their date (the gestionnaires told). Idempotent."""
    return {"rappels": remind_due(today=today), "expirees": expire_due(today=today)}


def remind_due(*, today: date) -> int:
    sent = 0
    requests = SignatureRequest.objects.filter(
        state=SignatureRequestState.OPEN,
        reminded_at__isnull=True,
        convention__status=ConventionStatus.TO_SIGN,
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=signing.REMINDER_DAYS_BEFORE),
    ).select_related("convention__organisation", "party")
    for request in requests:
        if not signing.reminder_due(request.expires_on, today, already_reminded=False):
            continue
        convention = request.convention
        partners = _partners(request.party_id)
        if partners:
            sent += queue_emails_to(
                partners,
                key=f"signature-rappel:{request.pk}",
                organisation=convention.organisation,
                reference=convention.reference,
                subject=f"Rappel : la convention {convention.reference} attend votre signature",
                body=(
                    "Bonjour,\n\n"
                    f"La demande de signature de la convention « {convention.title} » "
                    f"({convention.reference}) pour {request.party.name} expire le "
                    f"{format_date_long(request.expires_on)}.\n\n"
                    f"Signez-la (ou refusez-la) d'ici là : {sign_url(convention)}\n"
                ),
            )
        SignatureRequest.objects.filter(pk=request.pk).update(reminded_at=timezone.now())
    return sent


def expire_due(*, today: date) -> int:
    expired = 0
    requests = SignatureRequest.objects.filter(
        state__in=OPEN_STATES, convention__status=ConventionStatus.TO_SIGN, expires_on__lt=today
    ).select_related("convention__organisation", "party")
    conventions: dict[int, tuple[Convention, int, list[str]]] = {}
    now = timezone.now()
    for request in requests:
        with transaction.atomic():
            request.state = SignatureRequestState.EXPIRED
            request.closed_at = now
            history.attribute(request, by=None, reason="Demande de signature expirée.")
            request.save(update_fields=["state", "closed_at"])
        conventions.setdefault(request.convention_id, (request.convention, request.round, []))
        conventions[request.convention_id][2].append(request.party.name)
        expired += 1
    for convention, number, parties in conventions.values():
        queue_emails_to(
            _gestionnaires(convention.organisation_id),
            key=f"signature-expiree:{convention.pk}:{number}",
            organisation=convention.organisation,
            reference=convention.reference,
            subject=f"Convention {convention.reference} : demandes de signature expirées",
            body=(
                "Bonjour,\n\n"
                f"Les demandes de signature de la convention « {convention.title} » "
                f"({convention.reference}) ont expiré sans signature de : "
                f"{', '.join(sorted(parties))}.\n\n"
                "Retirez la demande de signature puis renvoyez la convention, ou enregistrez "
                f"les signatures manuscrites : {_link(convention.get_absolute_url())}\n"
            ),
        )
    return expired
