"""E-mail notices at the steps of a convention (queued, sent by the worker through a real
local SMTP server): signed by all, titre de recettes issued; each once; the staff log."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from financing import services as financing_services
from financing.models import PaymentKind, ShareLine
from iscg.models import EmailLog, Role
from tests.factories import UserFactory
from tests.lifecycle import new_convention, send_and_sign, territory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = territory()
    world.etat_partner = UserFactory(
        role=Role.PARTENAIRE, party=world.etat, email="prefecture@exemple.fr"
    )
    world.commune_partner = UserFactory(
        role=Role.PARTENAIRE, party=world.commune, email="mairie@exemple.fr"
    )
    world.convention = new_convention(world, world.posts[0], {2026: ("45000", "17500", "5000")})
    return world


def test_the_last_signature_tells_every_party_and_the_gestionnaires_once(
    world, run_tasks, smtp_server
):
    convention = send_and_sign(world.convention, world.manager)
    run_tasks()  # the e-mails (and the PDF's render)
    # Each signatory was first asked to sign (the electronic circuit, test_esignature.py).
    signed = [m for m in smtp_server.messages if "signée par toutes" in m["Subject"]]
    recipients = sorted(m.envelope_to[0] for m in signed)
    assert recipients == sorted(["prefecture@exemple.fr", "mairie@exemple.fr", world.manager.email])
    subject = signed[0]["Subject"]
    assert subject == f"Convention {convention.reference} signée par toutes les parties"
    body = signed[0].get_body(preferencelist=("plain",)).get_content()
    assert f"http://127.0.0.1:8000/conventions/{convention.reference}/" in body
    assert "signée par toutes les parties (dernière signature le" in body
    # Done again (a retried task, a status recomputed), nothing more is sent.
    from conventions import notices

    sent = len(smtp_server.messages)
    assert notices.convention_signed(convention) == 0
    assert run_tasks() == 0 and len(smtp_server.messages) == sent


def test_a_titre_de_recettes_tells_the_party_that_owes_it_what_to_pay(
    world, run_tasks, smtp_server
):
    convention = send_and_sign(world.convention, world.manager)
    run_tasks()
    before = len(smtp_server.messages)
    line = ShareLine.objects.get(convention=convention, party=world.commune, year=2026)
    payment = financing_services.payment_record(
        share_line=line,
        by=world.manager,
        kind=PaymentKind.TITRE,
        number="T-2026-14",
        issued_on=date(2026, 3, 1),
        amount_issued=Decimal("5000"),
    )
    assert run_tasks() == 1
    (message,) = smtp_server.messages[before:]
    assert message.envelope_to == ["mairie@exemple.fr"]  # not the préfecture
    subject = message["Subject"].replace("\u202f", " ").replace("\xa0", " ")
    assert subject == "Titre de recettes n° T-2026-14 : 5 000 € à verser"
    body = smtp_server.bodies()[before]
    assert "T-2026-14" in body and "2026" in body and convention.reference in body
    assert "/financement/mes-financements/" in body
    # The corrected titre is announced too; the cancelled one is not announced again.
    financing_services.payment_correct(
        payment=payment,
        reason="Montant erroné",
        by=world.manager,
        kind=PaymentKind.TITRE,
        number="T-2026-15",
        issued_on=date(2026, 3, 2),
        amount_issued=Decimal("4000"),
    )
    assert run_tasks() == 1
    assert "T-2026-15" in smtp_server.bodies()[-1]


def test_the_staff_see_the_e_mails_of_a_convention_and_partners_do_not(
    world, client, run_tasks, smtp_server
):
    convention = send_and_sign(world.convention, world.manager)
    run_tasks()
    url = reverse("conventions:detail", args=[convention.reference])
    client.force_login(world.manager)
    page = client.get(url).content.decode()
    # 3 "signée par toutes les parties" and the 2 signatories' requests to sign
    assert "E-mails envoyés (5)" in page and "prefecture@exemple.fr" in page
    client.force_login(world.etat_partner)
    partner_page = client.get(url)
    assert partner_page.status_code == 200
    assert "E-mails envoyés" not in partner_page.content.decode()
    assert EmailLog.objects.filter(reference=convention.reference).count() == 5
