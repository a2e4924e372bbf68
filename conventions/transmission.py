"""Transmission of signed conventions and avenants to the contrôle de légalité (@ctes).

A gestionnaire prepares the transmission (number, classification, subject, decision date); the
worker builds the package (``conventions.actes``: the act's XML, its envelope and the signed PDF
in a .tar.gz named as S²LOW expects), downloadable to deposit by hand on the operator's site;
when Pastell is configured (settings ``PASTELL_*``) the worker creates the act's document there,
uploads the files, sends it to the TdT and reads back its state every day until the
préfecture's acknowledgement (AR). An organisation whose acts need transmission
(``Organisation.actes_required``) holds a signed convention "exécutoire" only from that AR.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from conventions import actes
from conventions.models import (
    SIGNED_STATUSES,
    Convention,
    ConventionKind,
    DocumentKind,
    Transmission,
    TransmissionStatus,
)
from conventions.pastell import PastellClient, PastellConfig, PastellError
from iscg import history

#: States in which a new transmission would be a second one for the same act.
LIVE = (
    TransmissionStatus.PREPARING,
    TransmissionStatus.READY,
    TransmissionStatus.SENDING,
    TransmissionStatus.SENT,
    TransmissionStatus.ACKNOWLEDGED,
)


def pastell_config() -> PastellConfig | None:
    """Pastell's connection from the settings, or ``None`` when it is not configured."""
    if not settings.PASTELL_URL:
        return None
    return PastellConfig(
        url=settings.PASTELL_URL,
        login=settings.PASTELL_LOGIN,
        password=settings.PASTELL_PASSWORD,
        entity_id=settings.PASTELL_ENTITY_ID,
        flow=settings.PASTELL_FLOW,
        timeout=settings.PASTELL_TIMEOUT,
    )


def current(convention: Convention) -> Transmission | None:
    return convention.transmissions.order_by("-created_at", "-pk").first()


def is_executory(convention: Convention) -> bool | None:
    """Whether a signed act is executory: at once, unless its organisation's acts wait for the
    préfecture's acknowledgement. ``None`` for an act not signed."""
    if convention.status not in SIGNED_STATUSES:
        return None
    if not convention.organisation.actes_required:
        return True
    return convention.transmissions.filter(status=TransmissionStatus.ACKNOWLEDGED).exists()


def default_subject(convention: Convention) -> str:
    kind = "Avenant" if convention.kind == ConventionKind.AVENANT else "Convention"
    subject = f"{kind} {convention.reference} : {convention.title}"
    return " ".join(subject.split())[: actes.SUBJECT_MAX]


def initial(convention: Convention) -> dict:
    """What the preparation form proposes."""
    return {
        "number": actes.acte_number(convention.reference),
        "classification": convention.organisation.actes_classification
        or actes.DEFAULT_CLASSIFICATION,
        "decision_date": convention.signature_date,
        "subject": default_subject(convention),
    }


def _siren(convention: Convention) -> str:
    party = convention.organisation.party
    return (party.siret or "")[:9] if party else ""


def _check(convention: Convention, values: dict) -> None:
    if convention.status not in SIGNED_STATUSES:
        raise ValidationError(
            "Seule une convention signée part au contrôle de légalité (la convention est « "
            f"{convention.get_status_display()} »)."
        )
    if values.get("decision_date") is None:
        raise ValidationError(
            "Indiquez la date de la décision (pour une convention : sa signature)."
        )
    data = actes.ActeData(
        number=values["number"],
        decision_date=values["decision_date"],
        subject=values["subject"],
        classification=values["classification"],
        siren=_siren(convention),
        department=convention.organisation.actes_department,
        pdf=b"%PDF",  # the signed PDF is taken by the worker
    )
    problems = actes.check(data, today=timezone.localdate())
    if problems:
        raise ValidationError(problems)
    number_taken = (
        Transmission.objects.filter(
            convention__organisation=convention.organisation, number=values["number"]
        )
        .exclude(convention=convention)
        .exclude(status=TransmissionStatus.ERROR)
    )
    if number_taken.exists():
        raise ValidationError(
            f"Le numéro {values['number']} est déjà celui d'un autre acte transmis : chaque "
            "acte a son numéro."
        )


@transaction.atomic
def transmission_prepare(*, convention: Convention, values: dict, by) -> Transmission:
    """Record a transmission and queue the building of its package (then, with Pastell, its
    sending). Refused while one is under way or acknowledged."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.transmissions.filter(status__in=LIVE).exists():
        raise ValidationError(
            "Une transmission de cet acte est déjà en cours ou acquittée : elle n'est pas refaite."
        )
    _check(convention, values)
    transmission = Transmission(
        convention=convention,
        number=values["number"],
        classification=values["classification"],
        decision_date=values["decision_date"],
        subject=" ".join(values["subject"].split()),
        created_by=by,
    )
    history.attribute(transmission, by=by, reason="Transmission au contrôle de légalité")
    transmission.save()
    from conventions.tasks import build_transmission

    build_transmission.enqueue(
        transmission_id=transmission.pk, organisation_id=convention.organisation_id
    )
    return transmission


def _act_pdf(convention: Convention) -> bytes:
    """The signed act: the signed copy deposited (the act as signed on paper, or elsewhere),
    else the product's signed document."""
    from conventions import services

    copy = convention.signed_copy
    document = (
        copy
        if copy is not None
        else services.convention_document(convention=convention, render_sent=True)
    )
    if document.kind == DocumentKind.GENERATED:
        document = services.document_rendered(document)
    with document.file.open("rb") as stored:
        return stored.read()


def acte_data(transmission: Transmission) -> actes.ActeData:
    convention = transmission.convention
    organisation = convention.organisation
    referent = transmission.created_by
    email = getattr(referent, "email", "") or ""
    return actes.ActeData(
        number=transmission.number,
        decision_date=transmission.decision_date,
        subject=transmission.subject,
        classification=transmission.classification,
        siren=_siren(convention),
        department=organisation.actes_department,
        pdf=_act_pdf(convention),
        referent_name=referent.get_full_name() if referent else "",
        referent_email=email,
        return_emails=(email,) if email else (),
    )


def _set(transmission: Transmission, reason: str, **values) -> Transmission:
    for name, value in values.items():
        setattr(transmission, name, value)
    history.attribute(transmission, by=None, reason=reason)
    transmission.save()
    return transmission


def build(transmission_id: int) -> Transmission:
    """Build and store the package (worker); then send it when Pastell is configured.
    Idempotent: a package already built is kept."""
    transmission = Transmission.objects.select_related("convention__organisation").get(
        pk=transmission_id
    )
    if transmission.status != TransmissionStatus.PREPARING:
        return transmission
    try:
        name, content = actes.package(acte_data(transmission), today=timezone.localdate())
    except actes.ActeError as error:
        return _set(
            transmission,
            "Paquet refusé",
            status=TransmissionStatus.ERROR,
            error=f"Le paquet n'a pas pu être préparé : {error}",
        )
    transmission.package.save(name, ContentFile(content), save=False)
    _set(transmission, "Paquet préparé", status=TransmissionStatus.READY, package_name=name)
    if pastell_config() is not None:
        send(transmission.pk)
    return transmission


def _pastell_fields(transmission: Transmission) -> dict[str, str]:
    """The fields of Pastell's ``actes-generique`` form (module/actes-generique/definition.yml)."""
    return {
        "acte_nature": str(actes.CONVENTION_NATURE),
        "numero_de_lacte": transmission.number,
        "objet": transmission.subject,
        "date_de_lacte": transmission.decision_date.isoformat(),
        "classification": transmission.classification,
        "type_acte": actes.CONVENTION_TYPOLOGY,
        "type_pj": "[]",
        "envoi_tdt": "on",
    }


def send(transmission_id: int, client: PastellClient | None = None) -> Transmission:
    """Create the act in Pastell, upload it and send it to the TdT (worker). A failure is kept
    on the transmission with Pastell's answer, in French; "Réessayer" starts again."""
    transmission = Transmission.objects.select_related("convention").get(pk=transmission_id)
    if transmission.status not in (TransmissionStatus.READY, TransmissionStatus.SENDING):
        return transmission
    config = pastell_config()
    if config is None and client is None:
        return transmission
    client = client or PastellClient(config)  # type: ignore[arg-type]
    _set(transmission, "Envoi à Pastell", status=TransmissionStatus.SENDING, error="")
    try:
        if not transmission.pastell_id:
            transmission.pastell_id = client.create()
            _set(transmission, "Document créé dans Pastell")
        client.fill(transmission.pastell_id, _pastell_fields(transmission))
        data = acte_data(transmission)
        _, act_name, _ = actes.file_names(data)
        if not client.upload(transmission.pastell_id, "arrete", 0, act_name, data.pdf):
            raise PastellError(
                "Pastell juge le formulaire de l'acte incomplet"
                + (f" : {client.last_message}" if client.last_message else ".")
            )
        client.action(transmission.pastell_id, "send-tdt")
    except PastellError as error:
        return _set(
            transmission, "Erreur de Pastell", status=TransmissionStatus.ERROR, error=str(error)
        )
    return _set(
        transmission,
        "Transmis par Pastell",
        status=TransmissionStatus.SENT,
        pastell_state="transmis au tiers de télétransmission",
    )


def refresh(transmission_id: int, client: PastellClient | None = None) -> Transmission:
    """Read the act's state back from Pastell; the AR date once the préfecture acknowledged."""
    transmission = Transmission.objects.get(pk=transmission_id)
    if transmission.status != TransmissionStatus.SENT or not transmission.pastell_id:
        return transmission
    config = pastell_config()
    if config is None and client is None:
        return transmission
    client = client or PastellClient(config)  # type: ignore[arg-type]
    try:
        state = client.state(transmission.pastell_id)
    except PastellError as error:
        return _set(transmission, "État illisible", error=str(error))
    if state.is_acknowledged:
        return _set(
            transmission,
            "Accusé de réception",
            status=TransmissionStatus.ACKNOWLEDGED,
            pastell_state=state.label,
            acknowledged_on=state.acknowledged_on or timezone.localdate(),
            error="",
        )
    if state.is_error:
        return _set(
            transmission,
            "Erreur de transmission",
            status=TransmissionStatus.ERROR,
            pastell_state=state.label,
            error=f"Pastell signale : {state.label}"
            + (f" ({state.message})" if state.message else ""),
        )
    if state.label != transmission.pastell_state:
        return _set(transmission, "État Pastell", pastell_state=state.label)
    return transmission


@transaction.atomic
def transmission_retry(*, transmission: Transmission, by) -> Transmission:
    """After an error: build again (a refused package) or send again (Pastell's refusal)."""
    transmission = Transmission.objects.select_for_update().get(pk=transmission.pk)
    if transmission.status != TransmissionStatus.ERROR:
        raise ValidationError("Cette transmission n'est pas en erreur : rien à relancer.")
    from conventions.tasks import build_transmission, send_transmission

    organisation_id = transmission.convention.organisation_id
    if transmission.package:
        transmission.status = TransmissionStatus.READY
        history.attribute(transmission, by=by, reason="Nouvel envoi à Pastell")
        transmission.save()
        send_transmission.enqueue(transmission_id=transmission.pk, organisation_id=organisation_id)
    else:
        transmission.status = TransmissionStatus.PREPARING
        history.attribute(transmission, by=by, reason="Nouvelle préparation du paquet")
        transmission.save()
        build_transmission.enqueue(transmission_id=transmission.pk, organisation_id=organisation_id)
    return transmission


def pending_ids(today: date | None = None) -> list[int]:
    """Transmissions waiting for their AR (read back daily by the worker)."""
    return list(
        Transmission.objects.filter(status=TransmissionStatus.SENT)
        .exclude(pastell_id="")
        .values_list("pk", flat=True)
    )
