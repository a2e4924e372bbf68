"""The load test's own data (``manage.py loadtest_dataset``, run by ``scripts/loadtest``).

On top of the demo: an organisation of its own whose conventions wait for an electronic
signature (so that signing can be repeated by the load test, one fresh request per signature,
without touching the demo's conventions), intervenant accounts with a draft bilan each and
transmitted bilans for the coordinator to review (Pas-de-Calais posts, year ``BILAN_YEAR``).
Everything the load test needs to know (accounts, references, primary keys) is returned as a
manifest, written as JSON for locust.

Rows are created directly (no history entries: nothing here is a user's change), in bulk, so
that a thousand conventions take seconds.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from conventions.models import (
    Convention,
    ConventionKind,
    ConventionParty,
    ConventionStatus,
    Deliberation,
    DocumentKind,
    DocumentVersion,
    Party,
    PartyKind,
    Post,
    SignatureRequest,
    SignatureRequestState,
)
from iscg.models import Organisation, Role, User
from reporting.models import Bilan

ORGANISATION_SLUG = "charge"
DEMO_ORGANISATION = "pas-de-calais"
DEMO_PASSWORD = "demo-iscg-2026"
BILAN_YEAR = 2025
REVIEW_YEAR = 2024
SIGNER_EMAIL = "signataire.charge.{n:03d}@demo.iscg.fr"
INTERVENANT_EMAIL = "intervenant.charge.{n:03d}@demo.iscg.fr"
REFERENCE = "CHARGE-{signer:03d}-{n:03d}"

FIGURES = {
    "referrals_women": 60,
    "referrals_men": 25,
    "referrals_children": 15,
    "referrals_total": 100,
    "interviews_in_person": 80,
    "interviews_phone": 70,
    "interviews_total": 150,
    "vif_pct": 60,
}


def _minimal_pdf(title: str) -> bytes:
    """A one-page PDF (the document every load-test request signs: its content is not read)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({title}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _signing_organisation(signers: int, password_hash: str):
    organisation, _ = Organisation.objects.update_or_create(
        slug=ORGANISATION_SLUG, defaults={"name": "Département de charge (test de charge)"}
    )
    department, _ = Party.objects.update_or_create(
        organisation=organisation,
        slug="departement-charge",
        defaults={
            "kind": PartyKind.DEPARTEMENT,
            "name": "Département de charge",
            "short_name": "Département de charge",
        },
    )
    parties = []
    for n in range(signers):
        party, _ = Party.objects.update_or_create(
            organisation=organisation,
            slug=f"epci-charge-{n:03d}",
            defaults={
                "kind": PartyKind.EPCI,
                "name": f"Communauté de communes de charge n°{n}",
                "short_name": f"CC de charge n°{n}",
            },
        )
        User.objects.update_or_create(
            email=SIGNER_EMAIL.format(n=n),
            defaults={
                "role": Role.PARTENAIRE,
                "party": party,
                "first_name": "Camille",
                "last_name": f"Signataire{n}",
                "password": password_hash,
                "is_active": True,
            },
        )
        parties.append(party)
    return organisation, department, parties


def _signing_conventions(organisation, department, parties, per_signer: int) -> dict:
    """``per_signer`` conventions "à signer" per signer party: its request open (first turn),
    the département's waiting (second turn, nobody to tell): a signature never completes a
    convention, so no final document is rendered and sealed during the load test."""
    pdf = _minimal_pdf("Convention de test de charge")
    name = default_storage.save("conventions/documents/test-de-charge.pdf", ContentFile(pdf))
    sha256 = hashlib.sha256(pdf).hexdigest()
    now = timezone.now()
    today = timezone.localdate()
    conventions = Convention.objects.bulk_create(
        Convention(
            organisation=organisation,
            reference=REFERENCE.format(signer=s, n=n),
            title="Convention de financement d'un poste d'intervenant social (test de charge)",
            kind=ConventionKind.FINANCEMENT,
            start_date=date(today.year, 1, 1),
            end_date=date(today.year, 12, 31),
            notice_months=3,
            status=ConventionStatus.TO_SIGN,
            text="Article 1 — Objet\n\nConvention de test de charge.",
            text_frozen_at=now,
        )
        for s in range(len(parties))
        for n in range(per_signer)
    )
    signer_of = {}
    memberships, documents = [], []
    for index, convention in enumerate(conventions):
        party = parties[index // per_signer]
        signer_of[convention.pk] = party
        memberships += [
            ConventionParty(
                convention=convention, party=party, order=1, is_signatory=True, is_funder=True
            ),
            ConventionParty(convention=convention, party=department, order=2, is_signatory=True),
        ]
        documents.append(
            DocumentVersion(
                convention=convention,
                number=1,
                kind=DocumentKind.GENERATED,
                file=name,
                sha256=sha256,
                size=len(pdf),
                pages=1,
                is_frozen=True,
            )
        )
    ConventionParty.objects.bulk_create(memberships)
    DocumentVersion.objects.bulk_create(documents)
    expires = today + timedelta(days=30)
    requests = []
    for document in documents:
        convention = document.convention
        requests += [
            SignatureRequest(
                convention=convention,
                party=signer_of[convention.pk],
                document=document,
                position=1,
                state=SignatureRequestState.OPEN,
                opened_at=now,
                expires_on=expires,
            ),
            SignatureRequest(
                convention=convention,
                party=department,
                document=document,
                position=2,
                expires_on=expires,
            ),
        ]
    SignatureRequest.objects.bulk_create(requests)
    by_signer: dict[str, list[str]] = {}
    for convention in conventions:
        party = signer_of[convention.pk]
        email = SIGNER_EMAIL.format(n=parties.index(party))
        by_signer.setdefault(email, []).append(convention.reference)
    return by_signer


def _bilans(intervenants: int, password_hash: str) -> dict:
    """One intervenant account per demo post (up to ``intervenants``) with a draft bilan of
    ``BILAN_YEAR`` to save again and again, and a transmitted bilan of ``REVIEW_YEAR`` on
    each post for the coordinator to open."""
    posts = list(
        Post.objects.filter(organisation__slug=DEMO_ORGANISATION).order_by("pk")[:intervenants]
    )
    entries, reviews = {}, []
    for n, post in enumerate(posts):
        email = INTERVENANT_EMAIL.format(n=n)
        User.objects.update_or_create(
            email=email,
            defaults={
                "role": Role.INTERVENANT,
                "post": post,
                "first_name": "Dominique",
                "last_name": f"Intervenant{n}",
                "password": password_hash,
                "is_active": True,
            },
        )
        draft, _ = Bilan.objects.update_or_create(
            post=post, year=BILAN_YEAR, defaults=FIGURES | {"status": "brouillon"}
        )
        entries[email] = draft.pk
        review, _ = Bilan.objects.update_or_create(
            post=post,
            year=REVIEW_YEAR,
            defaults=FIGURES | {"status": "transmis", "submitted_at": timezone.now()},
        )
        reviews.append(review.pk)
    return {"intervenants": entries, "reviews": reviews}


def _demo_journeys() -> dict:
    """What the demo's gestionnaire and partners open: references, a deliberation to zip, and
    for each partner account the signed conventions it is party to (its PDF downloads)."""
    demo = Convention.objects.filter(organisation__slug=DEMO_ORGANISATION)
    signed = list(
        demo.filter(status=ConventionStatus.SIGNED)
        .order_by("reference")
        .values_list("reference", flat=True)
    )
    drafts = list(
        demo.filter(status=ConventionStatus.DRAFT)
        .order_by("reference")
        .values_list("reference", flat=True)
    )
    partners = {}
    for user in User.objects.filter(
        role=Role.PARTENAIRE, party__organisation__slug=DEMO_ORGANISATION, is_active=True
    ).order_by("email"):
        refs = list(
            demo.filter(status=ConventionStatus.SIGNED, memberships__party_id=user.party_id)
            .distinct()
            .order_by("reference")
            .values_list("reference", flat=True)
        )
        if refs:
            partners[user.email] = refs
    deliberation = (
        Deliberation.objects.filter(party__organisation__slug=DEMO_ORGANISATION)
        .order_by("pk")
        .first()
    )
    return {
        "signed": signed,
        "drafts": drafts,
        "partners": partners,
        "deliberation": deliberation.pk if deliberation else None,
    }


@transaction.atomic
def build(*, signers: int, per_signer: int, intervenants: int) -> dict:
    """Create (again) the load test's data; returns the manifest. The demo must be loaded."""
    if not Organisation.objects.filter(slug=DEMO_ORGANISATION).exists():
        raise ValueError("La démonstration n'est pas chargée : lancez manage.py load_demo.")
    old = Convention.objects.filter(organisation__slug=ORGANISATION_SLUG)
    SignatureRequest.objects.filter(convention__in=old).delete()
    DocumentVersion.objects.filter(convention__in=old).delete()
    ConventionParty.objects.filter(convention__in=old).delete()
    old.delete()
    password_hash = make_password(DEMO_PASSWORD)
    organisation, department, parties = _signing_organisation(signers, password_hash)
    return {
        "password": DEMO_PASSWORD,
        "gestionnaire": "gestionnaire@demo.iscg.fr",
        "coordinateur": "coordinateur@demo.iscg.fr",
        "signers": _signing_conventions(organisation, department, parties, per_signer),
        **_bilans(intervenants, password_hash),
        **_demo_journeys(),
    }
