"""Rules of the electronic signature circuit, as plain typed functions (no database).

A convention sent to signature has one request per signatory party (``SignatureRequest``), each
with a rank: the parties sign in the order of their ranks (one rank each: one after the other;
the same rank for all: all at once). These functions say whose turn it is, whether a user may
sign a request, whether it has expired, and check the one-time code; the writes that use them
are in ``conventions.signing_services``. ``signature_evidence`` (the one function here that
reads the database) lists what the sealed PDF's "certificat de signature" prints.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

PENDING, OPEN, SIGNED, REFUSED, EXPIRED, WITHDRAWN = (
    "en_attente",
    "ouverte",
    "signee",
    "refusee",
    "expiree",
    "retiree",
)
#: A request in one of these states is over: nothing happens to it any more.
CLOSED_STATES = frozenset({SIGNED, REFUSED, EXPIRED, WITHDRAWN})
#: A request in one of these states stops the whole circuit.
STOPPING_STATES = frozenset({REFUSED, EXPIRED, WITHDRAWN})

SEQUENTIAL, ALL_AT_ONCE = "sequentiel", "simultane"
ORDER_LABELS = {
    SEQUENTIAL: "Dans l'ordre (chaque partie signe après la précédente)",
    ALL_AT_ONCE: "Toutes en même temps",
}

DEFAULT_VALIDITY_DAYS = 30
REMINDER_DAYS_BEFORE = 3

CODE_DIGITS = 6
CODE_VALIDITY = timedelta(minutes=10)
CODE_MAX_TRIES = 5
CODE_MAX_SENDS = 5

METHOD_ELECTRONIC = "électronique (code à usage unique par e-mail)"
METHOD_PAPER = "manuscrite"


class RequestLike(Protocol):
    """What the rules read of a request (a ``SignatureRequest`` or a test's stand-in)."""

    @property
    def party_id(self) -> int: ...
    @property
    def position(self) -> int: ...
    @property
    def state(self) -> str: ...
    @property
    def expires_on(self) -> date: ...


# --------------------------------------------------------------------------- order and turns


def positions_for(party_ids: Sequence[int], *, order: str) -> dict[int, int]:
    """Each party's rank: 1, 2, 3… in the given order (sequential), or 1 for all (at once)."""
    if order == ALL_AT_ONCE:
        return dict.fromkeys(party_ids, 1)
    return {party: rank for rank, party in enumerate(party_ids, start=1)}


def ranks_problem(ranks: Mapping[int, int | None]) -> str:
    """Why these ranks (party → rank typed by the gestionnaire) cannot be an order, or ""."""
    if any(rank is None or rank < 1 for rank in ranks.values()):
        return "Donnez à chaque partie un rang d'au moins 1."
    if any(rank is not None and rank > 99 for rank in ranks.values()):
        return "Un rang va de 1 à 99."
    return ""


def is_stopped(requests: Iterable[RequestLike]) -> bool:
    """A refusal, an expiry or a withdrawal stops the circuit: nobody else is asked to sign."""
    return any(r.state in STOPPING_STATES for r in requests)


def to_open[R: RequestLike](requests: Sequence[R]) -> list[R]:
    """The requests whose turn has come and that are still waiting for it: those of the lowest
    rank not yet signed, once every lower rank has signed. Nothing when the circuit stopped."""
    if is_stopped(requests):
        return []
    unsigned = [r for r in requests if r.state != SIGNED]
    if not unsigned:
        return []
    current = min(r.position for r in unsigned)
    return [r for r in unsigned if r.position == current and r.state == PENDING]


def is_complete(requests: Sequence[RequestLike]) -> bool:
    return bool(requests) and all(r.state == SIGNED for r in requests)


def is_expired(expires_on: date, today: date) -> bool:
    """A request expires at the end of its last day."""
    return today > expires_on


def expiry_problem(expires_on: date | None, today: date) -> str:
    """Why ``expires_on`` cannot be the expiry date of a new circuit (French), or ""."""
    if expires_on is None:
        return "Indiquez la date d'expiration des demandes de signature."
    if expires_on <= today:
        return "La date d'expiration des demandes de signature doit être dans le futur."
    if expires_on > today + timedelta(days=366):
        return "Les demandes de signature expirent au plus tard dans un an."
    return ""


def reminder_due(expires_on: date, today: date, *, already_reminded: bool) -> bool:
    """Once, from ``REMINDER_DAYS_BEFORE`` days before the expiry, to an open request."""
    return not already_reminded and 0 <= (expires_on - today).days <= REMINDER_DAYS_BEFORE


# --------------------------------------------------------------------------- who may sign


@dataclass(frozen=True)
class Signer:
    """What the rules read of the user who wants to sign."""

    is_partner: bool
    party_id: int | None


def sign_problem(sig: RequestLike, signer: Signer, today: date) -> str:
    """Why this user cannot sign (or refuse) this sig now (French), or "".

    Another party's sig is never reached (the views answer 404 before asking)."""
    if not signer.is_partner or signer.party_id != sig.party_id:
        return "Seul un représentant de la partie signataire signe sa demande."
    if sig.state == SIGNED:
        return "Cette demande est déjà signée : une partie ne signe qu'une fois."
    if sig.state == PENDING:
        return (
            "Ce n'est pas encore votre tour : les parties signent dans l'ordre, vous serez "
            "prévenu par e-mail quand ce sera le vôtre."
        )
    if sig.state == REFUSED:
        return "Cette demande a été refusée : le circuit de signature est arrêté."
    if sig.state == EXPIRED or (sig.state == OPEN and is_expired(sig.expires_on, today)):
        return "Cette demande de signature a expiré : demandez au gestionnaire de la renvoyer."
    if sig.state == WITHDRAWN:
        return "Cette demande de signature a été retirée."
    return ""


def consent_text(*, reference: str, title: str, capacity: str, party: str) -> str:
    """The sentence the signer ticks, word for word (kept with the signature)."""
    return f"Je signe la convention {reference} « {title} » en tant que {capacity} pour {party}"


# --------------------------------------------------------------------------- one-time code


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(code: str, *, secret: str, request_pk: int, sent_at: datetime) -> str:
    """The code's keyed hash, bound to its request and its sending (a code never serves
    another request, nor the next code of the same one)."""
    message = f"{request_pk}:{sent_at.isoformat()}:{code.strip()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CodeState:
    code_hash: str
    sent_at: datetime | None
    attempts: int
    sends: int


def code_send_problem(state: CodeState, now: datetime) -> str:
    """Why no new code may be sent (French), or ""."""
    if state.sends >= CODE_MAX_SENDS:
        return (
            f"Vous avez déjà demandé {CODE_MAX_SENDS} codes : la signature électronique est "
            "bloquée pour cette demande. Contactez le gestionnaire de la convention."
        )
    if state.sent_at is not None and now - state.sent_at < timedelta(seconds=30):
        return (
            "Un code vient d'être envoyé : attendez quelques instants avant d'en demander un autre."
        )
    return ""


def code_problem(state: CodeState, code: str, now: datetime, *, digest: str) -> str:
    """Why ``code`` (whose ``digest`` the caller computed) does not open the signature
    (French), or "" when it is the right one, in time, within the tries allowed."""
    if not state.code_hash or state.sent_at is None:
        return "Demandez d'abord un code : il vous est envoyé par e-mail."
    if state.attempts >= CODE_MAX_TRIES:
        return f"Code bloqué après {CODE_MAX_TRIES} essais erronés : demandez un nouveau code."
    if now - state.sent_at > CODE_VALIDITY:
        return "Ce code a expiré (il est valable 10 minutes) : demandez un nouveau code."
    code = (code or "").strip()
    if not (len(code) == CODE_DIGITS and code.isdigit()):
        return f"Le code se compose de {CODE_DIGITS} chiffres."
    if not hmac.compare_digest(digest, state.code_hash):
        left = CODE_MAX_TRIES - state.attempts - 1
        if left <= 0:
            return (
                f"Code erroné. Code bloqué après {CODE_MAX_TRIES} essais erronés : demandez un "
                "nouveau code."
            )
        return f"Code erroné : il vous reste {left} essai{'s' if left > 1 else ''}."
    return ""


def is_wrong_code(problem: str) -> bool:
    """Whether ``code_problem``'s answer counts as a try (a wrong code, not a missing one)."""
    return problem.startswith("Code erroné")


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class SignatureEvidence:
    """One line of the "certificat de signature": who signed for which party, when, how."""

    party_label: str
    signer_name: str
    signed_at: datetime | None
    method: str
    ip: str
    user_agent: str
    document_sha256: str


def signature_evidence(convention: Any) -> list[SignatureEvidence]:
    """Each signatory's signature of ``convention``, in signing order: the electronic ones with
    their trail (from the current circuit), the paper ones recorded by the gestionnaire."""
    from conventions.models import SignatureMethod

    requests = {r.party_id: r for r in current_requests(convention)}
    lines = []
    memberships = (
        convention.memberships.filter(is_signatory=True)
        .select_related("party")
        .order_by("order", "pk")
    )
    ordered = sorted(
        memberships,
        key=lambda m: (requests[m.party_id].position if m.party_id in requests else 0, m.order),
    )
    for membership in ordered:
        request = requests.get(membership.party_id)
        if (
            request is not None
            and request.method == SignatureMethod.ELECTRONIC
            and request.signed_at
        ):
            lines.append(
                SignatureEvidence(
                    party_label=membership.party.name,
                    signer_name=request.signer_name,
                    signed_at=request.signed_at,
                    method=METHOD_ELECTRONIC,
                    ip=request.ip_address or "",
                    user_agent=request.user_agent,
                    document_sha256=request.document_sha256,
                )
            )
        elif membership.signed_on is not None:
            lines.append(
                SignatureEvidence(
                    party_label=membership.party.name,
                    signer_name=membership.signatory_name,
                    signed_at=(request.signed_at if request and request.signed_at else None)
                    or membership.signature_recorded_at,
                    method=METHOD_PAPER,
                    ip="",
                    user_agent="",
                    document_sha256=request.document_sha256 if request else "",
                )
            )
    return lines


def current_requests(convention: Any) -> list[Any]:
    """The requests of the convention's last sending (its current circuit), in order."""
    from django.db.models import Max

    last = convention.signature_requests.aggregate(n=Max("round"))["n"]
    if last is None:
        return []
    return list(
        convention.signature_requests.filter(round=last)
        .select_related("party", "signed_by")
        .order_by("position", "pk")
    )
