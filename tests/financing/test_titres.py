"""« Titres à émettre »: each co-funder's share of the effective plans less what is already
issued, its CSV in two flavours, issuing from the list (never beyond the share), the ZIP with
the conventions, the settings."""

import csv
import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from financing import services, titres
from financing.models import Payment, ShareLine, TitreSettings
from tests.access import with_signed_copy
from tests.factories import PaymentFactory, UserFactory
from tests.financing import titre_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return titre_world.build()


def page(client, user, year=2023, **params):
    client.force_login(user)
    return client.get(reverse("financing:titres", args=[year]), params)


def csv_rows(content: bytes, flavour: str) -> list[dict]:
    text = content.decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text), delimiter=";" if flavour == "fr" else ","))


# --------------------------------------------------------------------------- the rule


def test_remaining_and_refusals_in_french():
    assert titres.remaining(Decimal("21000"), [Decimal("5000"), Decimal("1000")]) == Decimal(
        "15000"
    )
    assert titres.remaining(Decimal("100"), [Decimal("150")]) == 0
    assert titres.issue_refusal(Decimal("21000"), [Decimal("5000")], Decimal("16000")) is None
    assert titres.issue_refusal(Decimal("21000"), [Decimal("5000")], Decimal("16000.01")) == (
        "Ce titre de 16\u00a0000,01\u00a0€ dépasserait la part due (21\u00a0000\u00a0€) : "
        "5\u00a0000\u00a0€ déjà émis, il reste 16\u00a0000\u00a0€ à émettre."
    )
    assert titres.issue_refusal(Decimal("100"), [], Decimal("0")) == (
        "Le montant d'un titre de recettes est positif."
    )
    assert titres.issue_refusal(Decimal("100"), [], Decimal("1.001")) is not None


def test_money_dates_numbers_and_imputation_as_the_finance_software_reads_them():
    assert titres.money_text(Decimal("17500"), "fr") == "17 500,00"
    assert titres.money_text(Decimal("1234567.5"), "fr") == "1 234 567,50"
    assert titres.money_text(Decimal("0.3"), "fr") == "0,30"
    assert titres.money_text(Decimal("17500"), "machine") == "17500.00"
    assert titres.date_text(date(2023, 7, 3), "fr") == "03/07/2023"
    assert titres.date_text(date(2023, 7, 3), "machine") == "2023-07-03"
    assert titres.next_number(2023, []) == "TR-2023-0001"
    assert titres.next_number(2024, ["TR-2023-0041"]) == "TR-2024-0001"
    assert titres.default_imputation("6568//934213") == "7478//934213"
    assert titres.formula_safe("=1+1") == "'=1+1"
    assert titres.formula_safe("@SUM(A1)") == "'@SUM(A1)"
    assert titres.due_date(date(2023, 10, 2), None, 30) == date(2023, 11, 1)
    assert titres.due_date(date(2023, 10, 2), date(2023, 10, 15), 30) == date(2023, 10, 15)


# --------------------------------------------------------------------------- the list


def test_the_list_gives_each_cofunders_share_less_what_is_issued(client, world):
    PaymentFactory(share_line=world.etat_line, number="T-1", amount_issued=Decimal("5000"))
    cancelled = PaymentFactory(
        share_line=world.etat_line, number="T-2", amount_issued=Decimal("9000")
    )
    services.payment_cancel(payment=cancelled, reason="Émis deux fois", by=world.gestionnaire)

    rows = titres.to_issue(world.convention.share_lines.all(), 2023)
    assert [(r.party.slug, r.due, r.issued, r.remaining) for r in rows] == [
        ("dept", Decimal("10000"), Decimal("0"), Decimal("10000")),
        ("etat", Decimal("21000"), Decimal("5000"), Decimal("16000")),
    ]  # the employer's remainder never appears; the cancelled titre does not count

    response = page(client, world.gestionnaire)
    assert response.status_code == 200
    text = response.content.decode()
    assert "2\u00a0parts à émettre, 26\u00a0000\u00a0€ au total" in text
    assert "16\u00a0000\u00a0€" in text
    assert "7478//934213" in text  # the default imputation: the budget line's function
    assert "NORD2023" not in text  # another organisation's shares are not listed


def test_the_csv_in_both_flavours(client, world):
    TitreSettings.objects.create(organisation=world.org, imputation="74718//93421")
    client.force_login(world.gestionnaire)
    url = reverse("financing:titres_csv", args=[2023])

    french = client.get(url)
    assert french["Content-Type"] == "text/csv; charset=utf-8"
    assert french.content.startswith("\ufeff".encode())
    rows = csv_rows(french.content, "fr")
    assert list(rows[0]) == titres.HEADER
    etat = next(r for r in rows if r["nom_tiers"] == "État (FIPD)")
    assert etat["siret_tiers"] == world.etat.siret
    assert etat["montant"] == "21 000,00"
    assert etat["exercice"] == "2023"
    assert etat["imputation"] == "74718//93421"
    assert etat["objet"].startswith("Participation 2023 au poste")
    assert etat["creancier"] == "CC du Ternois"

    machine = client.get(url, {"format": "machine"})
    assert not machine.content.startswith("\ufeff".encode())
    assert b";" not in machine.content.splitlines()[0]
    etat = next(r for r in csv_rows(machine.content, "machine") if r["nom_tiers"] == "État (FIPD)")
    assert etat["montant"] == "21000.00"

    assert client.get(url, {"format": "excel"}).status_code == 404


def test_a_name_that_looks_like_a_formula_is_neutralised_in_the_csv(client, world):
    world.etat.name = '=HYPERLINK("http://x")'
    world.etat.save()
    client.force_login(world.gestionnaire)
    content = client.get(reverse("financing:titres_csv", args=[2023])).content.decode()
    assert "'=HYPERLINK" in content


# --------------------------------------------------------------------------- issuing


def test_issuing_from_the_list_creates_numbered_titres_with_history(client, world):
    client.force_login(world.gestionnaire)
    issued_on = date.today() - timedelta(days=3)
    response = client.post(
        reverse("financing:titres", args=[2023]),
        {
            "parts": [world.etat_line.pk, world.dept_line.pk],
            f"montant-{world.etat_line.pk}": "20 000,50",
            "issued_on": issued_on.isoformat(),
        },
    )
    assert response.status_code == 302
    titres_made = list(Payment.objects.order_by("number"))
    assert [(p.number, p.share_line.party.slug, p.amount_issued) for p in titres_made] == [
        ("TR-2023-0001", "dept", Decimal("10000")),  # no amount typed: what is left
        ("TR-2023-0002", "etat", Decimal("20000.50")),
    ]
    for titre in titres_made:
        assert titre.issued_on == issued_on
        assert titre.due_on == issued_on + timedelta(days=30)
        record = titre.history.get()
        assert record.history_user == world.gestionnaire
    # What is left: 999,50 € for the État; the Département's share is fully issued.
    rows = titres.to_issue(world.convention.share_lines.all(), 2023)
    assert [(r.party.slug, r.remaining) for r in rows] == [("etat", Decimal("999.50"))]
    # The issued titres' CSV names the attachment of each titre.
    content = client.get(reverse("financing:titres_issued_csv", args=[2023])).content
    issued = csv_rows(content, "fr")
    assert [r["numero_titre"] for r in issued] == ["TR-2023-0001", "TR-2023-0002"]
    assert issued[1]["piece_jointe"] == "pieces/TR-2023-0002-PDC2023-A01.pdf"
    assert issued[1]["date_echeance"] == (issued_on + timedelta(days=30)).strftime("%d/%m/%Y")


def test_issuing_beyond_the_share_is_refused_and_nothing_is_issued(client, world):
    client.force_login(world.gestionnaire)
    response = client.post(
        reverse("financing:titres", args=[2023]),
        {
            "parts": [world.etat_line.pk, world.dept_line.pk],
            f"montant-{world.etat_line.pk}": "21000.01",
            "issued_on": date.today().isoformat(),
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Aucun titre n'a été émis" in text
    assert "dépasserait la part due (21\u00a0000\u00a0€)" in text
    assert not Payment.objects.exists()  # all or nothing: the Département's was not issued


def test_a_titre_typed_by_hand_obeys_the_same_ceiling(world):
    services.payment_record(
        share_line=world.etat_line,
        by=world.gestionnaire,
        number="T-9",
        issued_on=date(2023, 3, 1),
        amount_issued=Decimal("20000"),
    )
    with pytest.raises(ValidationError, match="dépasserait la part due"):
        services.payment_record(
            share_line=world.etat_line,
            by=world.gestionnaire,
            number="T-10",
            issued_on=date(2023, 3, 1),
            amount_issued=Decimal("1000.01"),
        )


def test_only_the_gestionnaire_issues_and_never_on_another_organisations_share(client, world):
    coordinator = UserFactory(coordinateur=True, organisation=world.org)
    data = {"parts": [world.etat_line.pk], "issued_on": date.today().isoformat()}
    client.force_login(coordinator)
    assert client.post(reverse("financing:titres", args=[2023]), data).status_code == 403
    client.force_login(world.partner)
    assert client.get(reverse("financing:titres", args=[2023])).status_code == 403
    # Another organisation's share, posted by this gestionnaire: refused, nothing issued.
    client.force_login(world.gestionnaire)
    response = client.post(
        reverse("financing:titres", args=[2023]),
        {"parts": [world.other_line.pk], "issued_on": date.today().isoformat()},
    )
    assert response.status_code == 400
    assert "rien à émettre (elle n&#x27;est pas due" in response.content.decode()
    assert not Payment.objects.exists()


# --------------------------------------------------------------------------- property

steps = st.lists(
    st.one_of(
        st.tuples(st.just("issue"), st.integers(min_value=-100, max_value=25_000)),
        st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=10)),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_issuing_never_exceeds_the_share(world, sequence):
    """Whatever the sequence of titres issued (from the list's service) and cancelled, the
    active titres never add up beyond the share, and a titre is refused exactly when it would."""
    line = world.etat_line
    with transaction.atomic():
        active: list[Payment] = []
        for action, value in sequence:
            issued = sum((p.amount_issued for p in active), Decimal(0))
            if action == "cancel":
                if active:
                    payment = active.pop(value % len(active))
                    services.payment_cancel(payment=payment, reason="Essai", by=world.gestionnaire)
                continue
            amount = Decimal(value)
            fits = 0 < amount <= line.amount - issued
            try:
                made = services.titres_issue(
                    organisation=world.org,
                    amounts={line.pk: amount},
                    lines=titres.titre_lines(world.convention.share_lines.all(), 2023),
                    issued_on=date(2023, 10, 2),
                    by=world.gestionnaire,
                )
            except ValidationError:
                assert not fits
            else:
                assert fits
                active += made
            total = sum(
                Payment.objects.active()
                .filter(share_line=line)
                .values_list("amount_issued", flat=True),
                Decimal(0),
            )
            assert total <= line.amount
            numbers = list(Payment.objects.values_list("number", flat=True))
            assert len(numbers) == len(set(numbers))  # numbers never collide
        transaction.set_rollback(True)


# --------------------------------------------------------------------------- ZIP and settings


def test_the_zip_holds_the_csv_and_the_signed_convention_per_titre(client, world, run_tasks):
    with_signed_copy(world.convention)
    services.titres_issue(
        organisation=world.org,
        amounts={world.etat_line.pk: Decimal("21000"), world.dept_line.pk: Decimal("10000")},
        lines=world.convention.share_lines.all(),
        issued_on=date(2023, 10, 2),
        by=world.gestionnaire,
    )
    client.force_login(world.gestionnaire)
    url = reverse("financing:titres_zip", args=[2023])
    assert "Préparer l'archive" in client.get(url).content.decode()
    download = reverse("financing:titres_zip_download", args=[2023])
    assert client.get(download).status_code == 302  # not ready: back to the page
    assert client.post(url).status_code == 302
    assert run_tasks() >= 1
    assert "Télécharger l'archive ZIP (2\u00a0titres)" in client.get(url).content.decode()
    response = client.get(download)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = set(archive.namelist())
    rows = csv_rows(archive.read("titres-2023.csv"), "fr")
    assert {r["piece_jointe"] for r in rows} <= names
    assert {
        "titres-2023-machine.csv",
        "pieces/TR-2023-0001-PDC2023-A01.pdf",
        "pieces/TR-2023-0002-PDC2023-A01.pdf",
    } <= names
    assert archive.read("pieces/TR-2023-0001-PDC2023-A01.pdf").startswith(b"%PDF")
    # Another organisation's gestionnaire reads its own (empty) exercice, never this one.
    client.force_login(world.other_gestionnaire)
    assert "Aucun titre émis pour 2023" in client.get(url).content.decode()
    assert client.get(download).status_code == 302


def test_settings_are_kept_with_history_and_used_by_the_export(client, world):
    client.force_login(world.gestionnaire)
    url = reverse("financing:titre_settings")
    assert client.get(url).status_code == 200
    assert client.post(url, {"imputation": "7473//93421", "payment_days": "0"}).status_code == 400
    response = client.post(url, {"imputation": "7473//93421", "payment_days": "45"})
    assert response.status_code == 302
    saved = TitreSettings.objects.get(organisation=world.org)
    assert (saved.imputation, saved.payment_days) == ("7473//93421", 45)
    assert saved.history.get().history_user == world.gestionnaire
    content = client.get(reverse("financing:titres_csv", args=[2023])).content.decode()
    assert "7473//93421" in content
    client.force_login(UserFactory(coordinateur=True, organisation=world.org))
    assert client.get(url).status_code == 403


def test_only_what_is_due_is_listed_never_a_draft_or_a_superseded_act(world):
    """The list reads the effective plan: a draft's shares (prévisionnel) are not to issue."""
    draft = titre_world.signed_plan(
        world.org, employer=world.employer, funders={world.etat: "9999"}, reference="PDC2023-B"
    )
    type(draft).objects.filter(pk=draft.pk).update(status="brouillon", text_frozen_at=None)
    rows = titres.to_issue(ShareLine.objects.filter(organisation=world.org), 2023)
    assert {r.line.convention.reference for r in rows} == {"PDC2023-A01"}
    with pytest.raises(ValidationError, match="n'est pas due"):
        services.titres_issue(
            organisation=world.org,
            amounts={draft.share_lines.get(party=world.etat).pk: Decimal("1")},
            lines=ShareLine.objects.filter(organisation=world.org),
            issued_on=date(2023, 10, 2),
            by=world.gestionnaire,
        )


def test_the_partner_is_told_of_its_titre_by_e_mail(client, world, run_tasks, smtp_server):
    client.force_login(world.gestionnaire)
    response = client.post(
        reverse("financing:titres", args=[2023]),
        {"parts": [world.etat_line.pk], "issued_on": date.today().isoformat()},
    )
    assert response.status_code == 302
    run_tasks()
    assert [m.envelope_to[0] for m in smtp_server.messages] == [world.partner.email]
    assert smtp_server.messages[0]["Subject"] == (
        "Titre de recettes n° TR-2023-0001 : 21\u00a0000\u00a0€ à verser"
    )


@pytest.mark.parametrize("typed", ["NaN", "-5", "beaucoup", "1e3", "12,345"])
def test_an_unreadable_amount_issues_nothing(client, world, typed):
    client.force_login(world.gestionnaire)
    response = client.post(
        reverse("financing:titres", args=[2023]),
        {
            "parts": [world.etat_line.pk, world.dept_line.pk],
            f"montant-{world.etat_line.pk}": typed,
            "issued_on": date.today().isoformat(),
        },
    )
    assert response.status_code == 400
    assert "illisible : un montant positif, ex. 17 500,00." in response.content.decode()
    assert not Payment.objects.exists()


def test_an_issue_date_in_the_future_is_refused(client, world):
    client.force_login(world.gestionnaire)
    response = client.post(
        reverse("financing:titres", args=[2023]),
        {
            "parts": [world.etat_line.pk],
            "issued_on": (date.today() + timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "La date d&#x27;émission ne peut pas être dans le futur." in response.content.decode()
    assert not Payment.objects.exists()
