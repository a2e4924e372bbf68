"""Demo step: the conventions loaded « à signer » (PDC2023-A13, QUIMPER2023) get their
signature circuit through the product's own services, so that a user of the demo can sign
them: the document sent is decided as sending would (``services.convention_document``, a
frozen version rendered by the worker), then ``signing_services.circuit_open`` creates one
request per signatory party, in the parties' order, and tells the first (its demo partner
accounts, by e-mail through the queue).

Idempotent: a convention whose current circuit still waits for a signature is left as it is;
one whose circuit ended (expired, withdrawn, refused, or signed then reloaded « à signer »)
gets a new one, its signatures cleared as sending clears them.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from conventions import services, signing, signing_services
from conventions.models import Convention, ConventionStatus, SignatureRequestState
from demo.users import GESTIONNAIRE_EMAIL, MAIN_ORGANISATION
from iscg.models import Role, User

#: How long a demo circuit stays open (the demo is reloaded by each ``make run``).
VALIDITY_DAYS = signing.DEFAULT_VALIDITY_DAYS

LIVE = (SignatureRequestState.PENDING, SignatureRequestState.OPEN)


def _gestionnaire(convention: Convention) -> User:
    """Who sends it: the demo gestionnaire of the convention's organisation."""
    email = (
        GESTIONNAIRE_EMAIL
        if convention.organisation.slug == MAIN_ORGANISATION
        else f"gestionnaire.{convention.organisation.slug}@demo.iscg.fr"
    )
    return User.objects.get(email=email, role=Role.GESTIONNAIRE)


def _live(convention: Convention) -> bool:
    return any(r.state in LIVE for r in signing.current_requests(convention))


@transaction.atomic
def open_demo_circuits() -> list[str]:
    """Open the circuit of every demo convention « à signer » that has none waiting; returns
    their references."""
    from demo.load import DEMO_ORGANISATION_SLUGS

    opened = []
    conventions = Convention.objects.filter(
        status=ConventionStatus.TO_SIGN, organisation__slug__in=DEMO_ORGANISATION_SLUGS
    ).select_related("organisation")
    for convention in conventions.order_by("reference"):
        if _live(convention):
            continue
        by = _gestionnaire(convention)
        convention.memberships.filter(is_signatory=True).update(
            signed_on=None,
            signatory_name="",
            signature_recorded_by=None,
            signature_recorded_at=None,
        )
        document = services.convention_document(convention=convention, by=by)
        signatories = list(
            convention.memberships.filter(is_signatory=True)
            .order_by("order", "pk")
            .values_list("party_id", flat=True)
        )
        signing_services.circuit_open(
            convention=convention,
            document=document,
            by=by,
            ranks=signing.positions_for(signatories, order=signing.SEQUENTIAL),
            expires_on=timezone.localdate() + timedelta(days=VALIDITY_DAYS),
        )
        opened.append(convention.reference)
    return opened
