"""Issue 16's electronic signature, in a real browser: a gestionnaire sends a three-party
convention to signature in order; each partner receives the e-mail of its turn (read from a
real local SMTP server), logs in, follows the link, asks for the one-time code, reads it from
its e-mail, consents and signs; at the end the convention is signée and every party received
the last e-mail. Screenshots in artifacts/screenshots/."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conventions.models import Convention, ConventionStatus, SignatureRequest
from tests.factories import (
    PASSWORD,
    ConventionFactory,
    ConventionPartyFactory,
    OrganisationFactory,
    PartyFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REFERENCE = "ESIG2027-01"
#: (party, representative, title, the partner's e-mail)
SIGNATORIES = [
    ("Préfecture du Pas-de-Calais", "Jacques BILLANT", "Préfet", "prefecture@exemple.gouv.fr"),
    ("Département du Pas-de-Calais", "Jean-Claude LEROY", "Président", "departement@exemple.fr"),
    ("CC du Ternois", "Marc BRIDOUX", "Président", "ternois@exemple.fr"),
]


def _inbox_for(smtp_server, address: str) -> list:
    return [m for m in smtp_server.messages if address in m.envelope_to]


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_three_parties_sign_electronically_in_order(
    page, live_server, login, screenshot, run_tasks, smtp_server, settings
):
    settings.SITE_URL = live_server.url  # the links of the e-mails lead to this server
    today = timezone.localdate()
    organisation = OrganisationFactory(name="Département du Pas-de-Calais", slug="pdc-esig")
    UserFactory(
        gestionnaire=True, organisation=organisation, email="gestion@pdc.fr", first_name="Claire"
    )
    convention = ConventionFactory(
        organisation=organisation,
        reference=REFERENCE,
        title="Convention de financement du poste ISG du Ternois",
        status=ConventionStatus.DRAFT,
        text_frozen_at=None,
        start_date=today - timedelta(days=10),
        end_date=today + timedelta(days=355),
        signature_place="Arras",
        original_copies=3,
    )
    partners = []
    for order, (name, person, title, email) in enumerate(SIGNATORIES):
        party = PartyFactory(organisation=organisation, name=name, short_name=name)
        representative = RepresentativeFactory(party=party, name=person, title=title)
        ConventionPartyFactory(
            convention=convention, party=party, representative=representative, order=order
        )
        partners.append(
            UserFactory(partenaire=True, party=party, email=email, first_name=person.split()[0])
        )

    # 1. The gestionnaire sends it to signature, in the parties' order
    login("gestion@pdc.fr", PASSWORD)
    page.goto(f"{live_server.url}/conventions/{REFERENCE}/signatures/envoyer/")
    expect(page.locator("main")).to_contain_text("Circuit de signature électronique")
    expect(
        page.get_by_label("Dans l'ordre (chaque partie signe après la précédente)")
    ).to_be_checked()
    for rank, (name, *_rest) in enumerate(SIGNATORIES, start=1):
        expect(page.get_by_label(f"Rang de {name}")).to_have_value(str(rank))
    expiry = page.get_by_label("Les demandes expirent après le")
    expect(expiry).to_have_value((today + timedelta(days=30)).isoformat())
    anyway = page.get_by_label("J'envoie malgré les valeurs absentes")
    if anyway.count():
        anyway.check()
        page.get_by_label(re.compile("^Motif")).fill("Parcours de signature électronique")
    screenshot("signature-electronique-envoi")
    page.get_by_role("button", name="Confirmer l'envoi à la signature").click()
    expect(page.locator("h1")).to_contain_text("À signer")
    expect(page.locator("#circuit")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    assert run_tasks() >= 2  # the frozen PDF rendered, the first signatory's e-mail sent

    # 2. Each partner in turn: the e-mail, the page, the code, the consent, the signature
    for index, ((name, person, title, email), partner) in enumerate(
        zip(SIGNATORIES, partners, strict=True)
    ):
        for later in SIGNATORIES[index + 1 :]:
            assert not _inbox_for(smtp_server, later[3]), f"{later[0]} prévenu trop tôt"
        (request_mail,) = [
            m
            for m in _inbox_for(smtp_server, email)
            if "votre signature est demandée" in m["Subject"]
        ]
        body = _text(request_mail)
        assert REFERENCE in request_mail["Subject"] and name in body
        link = re.search(rf"{re.escape(live_server.url)}/conventions/{REFERENCE}/signer/", body)
        assert link, body
        login(email, PASSWORD)
        page.goto(link.group(0))
        expect(page.locator("h1")).to_contain_text(f"Signature de la convention {REFERENCE}")
        sha = SignatureRequest.objects.get(
            convention=convention, party=partner.party
        ).document.sha256
        expect(page.locator("main")).to_contain_text(sha)
        page.get_by_role("button", name="Recevoir le code par e-mail").click()
        expect(page.locator(".messages .message-success")).to_contain_text("Un code à 6 chiffres")
        assert run_tasks() >= 1
        (code_mail,) = [m for m in _inbox_for(smtp_server, email) if "Votre code" in m["Subject"]]
        code = re.search(r"signer la convention \S+ : (\d{6})", _text(code_mail)).group(1)
        consent = (
            f"Je signe la convention {REFERENCE} « {convention.title} » en tant que "
            f"{title}, {person} pour {name}"
        )
        page.get_by_label(consent).check()
        page.get_by_label("Code reçu par e-mail (6 chiffres)").fill(code)
        if index == len(SIGNATORIES) - 1:
            screenshot("signature-electronique-consentement")
        page.get_by_role("button", name="Signer la convention").click()
        expect(page.locator(".messages .message-success")).to_contain_text(
            f"Vous avez signé la convention {REFERENCE} pour {name}"
        )
        expect(page.locator("main")).to_contain_text("Signée le")
        page.get_by_role("button", name="Se déconnecter").click()
        run_tasks()  # the next signatory's e-mail (or the last one's notice)

    # 3. Signed; every party (and the gestionnaire) received the last e-mail
    convention.refresh_from_db()
    assert convention.status in (ConventionStatus.SIGNED, ConventionStatus.IN_FORCE)
    assert convention.signature_date == today
    for _name, _person, _title, email in SIGNATORIES + [("", "", "", "gestion@pdc.fr")]:
        assert [
            m
            for m in _inbox_for(smtp_server, email)
            if "signée par toutes les parties" in m["Subject"]
        ], email
    login("gestion@pdc.fr", PASSWORD)
    page.goto(f"{live_server.url}/conventions/{REFERENCE}/")
    circuit = page.get_by_role("table", name="Demandes de signature de l'envoi en cours")
    expect(circuit).to_contain_text("électronique (code à usage unique par e-mail)")
    expect(circuit).to_contain_text(
        SignatureRequest.objects.filter(convention=convention).first().document_sha256
    )
    screenshot("signature-electronique-signee")
    assert (
        Convention.objects.get(pk=convention.pk).signature_requests.filter(state="signee").count()
        == 3
    )

    # 4. The final document: the signed text, its certificate of signature, the organisation's
    #    seal — rendered and sealed by the worker; a partner downloads it and it verifies.
    run_tasks()
    login(SIGNATORIES[0][3], PASSWORD)
    response = page.request.get(f"{live_server.url}/conventions/{REFERENCE}/pdf/")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    sealed = response.body()
    from conventions import sealing

    checked = sealing.verify_pdf(sealed)
    assert len(checked.signatures) == 1, checked
    (seal,) = checked.signatures
    assert seal.intact and seal.valid and seal.is_ours, seal
    import io

    from pypdf import PdfReader

    # Words as read (a name may wrap at the end of a table cell).
    certificate = " ".join(PdfReader(io.BytesIO(sealed)).pages[-1].extract_text().split())
    assert "Certificat de signature" in certificate
    # Each party, the account that signed for it, the method and where from.
    for request in SignatureRequest.objects.filter(convention=convention).select_related("party"):
        assert request.party.name in certificate
        assert request.signer_name in certificate
    assert certificate.count("Électronique") == 3
    frozen = SignatureRequest.objects.filter(convention=convention).first().document_sha256
    assert " ".join(frozen[i : i + 16] for i in range(0, 64, 16)) in certificate
    assert "127.0.0.1" in certificate
