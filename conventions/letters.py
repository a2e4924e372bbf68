"""Letters of dénonciation and résiliation: a model text per kind, filled from the recorded
ending, rendered to PDF by the documents machinery (same stylesheet and fonts).

The model texts are plain French with ``{names}``; ``letter_text`` fills them (pure, tested
without the database) and ``termination_letter_pdf`` renders the letter of a convention.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from conventions.documents import render_pdf
from conventions.templating import french_typography
from conventions.wording import capitalise, title_with_article, with_article
from iscg.formatting import format_date_long

#: The model texts: subject, then paragraphs (blank-line separated). ``{motif}`` paragraphs
#: are left out when no reason is given.
LETTER_TEMPLATES: dict[str, dict[str, str]] = {
    "denonciation": {
        "subject": "Objet : dénonciation de la convention {reference} — {title}",
        "body": (
            "Madame, Monsieur,\n\n"
            "Par la présente, {organisation} vous notifie la dénonciation de la convention "
            "{reference} « {title} »{signed}.\n\n"
            "Cette dénonciation vous est adressée le {notice_date}, dans le respect du préavis "
            "de {notice_months} mois que fixe la convention (au plus tard le {deadline}). "
            "La convention prendra donc fin à son terme, le {effective_date}, et ne sera pas "
            "renouvelée. Aucune somme ne sera due au titre d'une période postérieure.\n\n"
            "Motif : {motif}\n\n"
            "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations "
            "distinguées."
        ),
    },
    "resiliation": {
        "subject": "Objet : résiliation de la convention {reference} — {title}",
        "body": (
            "Madame, Monsieur,\n\n"
            "Par la présente, {organisation} vous notifie la résiliation de la convention "
            "{reference} « {title} »{signed}.\n\n"
            "Motif : {motif}\n\n"
            "La résiliation prend effet le {effective_date}. À compter de cette date, la "
            "convention cesse de produire ses effets et les financements qu'elle prévoit ne "
            "sont plus dus ; les titres de recettes déjà émis au-delà de ce qui reste dû seront "
            "annulés.\n\n"
            "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations "
            "distinguées."
        ),
    },
}


@dataclass(frozen=True)
class Letter:
    sender: str
    place_and_date: str
    recipients: list[str]
    subject: str
    paragraphs: list[str]
    signature: str
    #: Under "Pour le Département …,": the delegation, the title, the name of who signs
    #: (only the lines known; none when the sender has no representative on record).
    signatory: tuple[str, ...] = ()


def letter_text(
    *,
    kind: str,
    organisation: str,
    reference: str,
    title: str,
    recipients: list[str],
    letter_date: date,
    effective_date: date,
    notice_months: int,
    deadline: date | None = None,
    signature_date: date | None = None,
    reason: str = "",
    place: str = "",
    organisation_kind: str | None = None,
    signatory: tuple[str, ...] = (),
) -> Letter:
    """The letter of a dénonciation (``kind="denonciation"``) or a résiliation, in French.

    ``organisation`` is the sender's name ("Département du Pas-de-Calais"): the letter names
    it with its article ("Par la présente, le Département du Pas-de-Calais vous notifie …",
    "Pour le Département du Pas-de-Calais,"); ``organisation_kind`` is its party kind when
    known ("la commune de Quimper")."""
    model = LETTER_TEMPLATES[kind]
    sender = with_article(organisation, organisation_kind)
    values = {
        "organisation": sender,
        "reference": reference,
        "title": title,
        "signed": f", signée le {format_date_long(signature_date)}" if signature_date else "",
        "notice_date": format_date_long(letter_date),
        "notice_months": notice_months,
        "deadline": format_date_long(deadline),
        "effective_date": format_date_long(effective_date),
        "motif": reason.strip(),
    }
    paragraphs = []
    for paragraph in model["body"].split("\n\n"):
        if "{motif}" in paragraph and not values["motif"]:
            continue
        paragraphs.append(french_typography(paragraph.format_map(values)))
    dated = (
        f"{place}, le {format_date_long(letter_date)}"
        if place
        else (f"Le {format_date_long(letter_date)}")
    )
    return Letter(
        sender=organisation,
        place_and_date=dated,
        recipients=recipients,
        subject=french_typography(model["subject"].format_map(values)),
        paragraphs=paragraphs,
        signature=f"Pour {sender}",
        signatory=tuple(capitalise(line.strip()) for line in signatory if line and line.strip()),
    )


def signatory_lines(representative) -> tuple[str, ...]:
    """ "Par délégation, le Vice-Président", "Jean DUPONT": who signs for the sender."""
    if representative is None:
        return ()
    title = title_with_article(representative.title) if representative.title else ""
    return tuple(
        line for line in (representative.delegation, title, representative.name) if line.strip()
    )


def convention_letter(convention) -> Letter:
    """The letter of the dénonciation or résiliation recorded on ``convention``."""
    if not convention.termination_kind:
        raise ValidationError("Aucune dénonciation ni résiliation n'est enregistrée.")
    sender = convention.organisation.party  # the party that represents the organisation
    memberships = list(
        convention.memberships.filter(is_signatory=True)
        .select_related("party", "representative")
        .order_by("order", "pk")
    )
    # Addressed to the other parties, never to the sender itself.
    recipients = [m.party.name for m in memberships if sender is None or m.party_id != sender.pk]
    letter_date = convention.termination_notice_date or convention.termination_effective_date
    representative = None
    if sender is not None:
        own = next((m for m in memberships if m.party_id == sender.pk), None)
        representative = (own.representative if own else None) or sender.current_representative(
            letter_date
        )
    return letter_text(
        kind=convention.termination_kind,
        organisation=sender.name if sender is not None else convention.organisation.name,
        organisation_kind=sender.kind if sender is not None else None,
        signatory=signatory_lines(representative),
        reference=convention.reference,
        title=convention.title,
        recipients=recipients,
        letter_date=letter_date,
        effective_date=convention.termination_effective_date,
        notice_months=convention.notice_months,
        deadline=convention.notice_deadline,
        signature_date=convention.signature_date,
        reason=convention.termination_reason,
        place=convention.signature_place,
    )


def termination_letter_html(convention) -> str:
    letter = convention_letter(convention)
    return render_to_string(
        "conventions/letters/termination.html", {"convention": convention, "letter": letter}
    )


def termination_letter_pdf(convention) -> bytes:
    """The letter as a PDF (rendered from the recorded ending: always in step)."""
    pdf, _pages = render_pdf(termination_letter_html(convention))
    return pdf


def prepared_pdf(prepared, progress) -> bytes:
    """``iscg.downloads`` builder: the worker renders the letter's HTML the request decided
    (the HTML says the recorded ending: a new ending is a new file)."""
    pdf, _pages = render_pdf(prepared.source)
    return pdf
