"""Collection returns: the titres exported, then the return file imported (CSV or PES_Retour),
reconciled line by line; a bad file changes nothing."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from financing import collection_returns, services, titres
from financing.models import Collection, CollectionImport, Payment
from iscg.formatting import format_euros
from tests.factories import UserFactory
from tests.financing import titre_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = titre_world.build()
    # A second convention, so that three titres are issued: État 21 000, Département 10 000,
    # and the État again 4 666 on the second post.
    second = titre_world.signed_plan(
        world.org,
        employer=world.employer,
        funders={world.etat: "4666"},
        reference="PDC2023-A02",
        cost="14000",
    )
    world.second_line = second.share_lines.get(party=world.etat)
    services.titres_issue(
        organisation=world.org,
        amounts={
            world.etat_line.pk: Decimal("21000"),
            world.dept_line.pk: Decimal("10000"),
            world.second_line.pk: Decimal("4666"),
        },
        lines=world.org_lines(),
        issued_on=date(2023, 10, 2),
        by=world.gestionnaire,
    )
    # Another organisation's titre numbered like one of ours: never touched by our imports.
    services.titres_issue(
        organisation=world.other_line.organisation,
        amounts={world.other_line.pk: Decimal("7000")},
        lines=world.other_line.__class__.objects.filter(pk=world.other_line.pk),
        issued_on=date(2023, 10, 2),
        by=world.other_gestionnaire,
    )
    return world


def _org_lines(self):
    from financing.models import ShareLine

    return ShareLine.objects.filter(organisation=self.org)


titre_world.World.org_lines = _org_lines


def ours(world, number: str) -> Payment:
    return Payment.objects.get(number=number, share_line__organisation=world.org)


def payments_state():
    return {
        p.number + f"@{p.share_line.organisation_id}": (p.amount_received, p.received_on)
        for p in Payment.objects.select_related("share_line")
    }


def upload(client, user, name: str, content: bytes):
    client.force_login(user)
    return client.post(
        reverse("financing:collections_import"),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def imported(client, user, name, content, run_tasks) -> CollectionImport:
    response = upload(client, user, name, content)
    assert response.status_code == 302, response.content.decode()[:2000]
    run_tasks()
    return CollectionImport.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def exported(client, world, flavour: str) -> list[dict]:
    client.force_login(world.gestionnaire)
    content = (
        client.get(reverse("financing:titres_issued_csv", args=[2023]), {"format": flavour})
        .content.decode("utf-8")
        .lstrip("\ufeff")
    )
    return list(csv.DictReader(io.StringIO(content), delimiter=";" if flavour == "fr" else ","))


@pytest.mark.parametrize("flavour", ["fr", "machine"])
def test_export_then_import_round_trips_reporting_the_unknown_and_the_amount_that_differs(
    client, world, run_tasks, flavour
):
    rows = exported(client, world, flavour)
    assert [r["numero_titre"] for r in rows] == ["TR-2023-0001", "TR-2023-0002", "TR-2023-0003"]
    by_number = {r["numero_titre"]: r for r in rows}
    separator = ";" if flavour == "fr" else ","
    paid_on = "15/11/2023" if flavour == "fr" else "2023-11-15"
    # The finance software's return: the first titre paid as exported, the second one paid
    # 100 € more than it was issued for, and a titre this product never issued.
    first, second = by_number["TR-2023-0001"], by_number["TR-2023-0002"]
    issued = collection_returns.parse_amount(second["montant"])
    differs = titres.money_text(issued + 100, flavour)
    lines = [
        separator.join(["numero_titre", "date", "montant"]),
        separator.join([first["numero_titre"], paid_on, f'"{first["montant"]}"']),
        separator.join([second["numero_titre"], paid_on, f'"{differs}"']),
        separator.join(["TR-2023-9999", paid_on, '"500"']),
    ]
    before = payments_state()
    done = imported(
        client, world.gestionnaire, "retour.csv", "\r\n".join(lines).encode(), run_tasks
    )
    assert done.status == "termine"
    outcomes = {o["number"]: (o["status"], o["message"]) for o in done.report["outcomes"]}
    assert outcomes["TR-2023-0001"][0] == "solde"
    assert outcomes["TR-2023-0002"] == (
        "ecart",
        f"{format_euros(issued + 100)} reçus pour {format_euros(issued)} restant à encaisser "
        f"sur ce titre de {format_euros(issued)}",
    )
    assert outcomes["TR-2023-9999"] == (
        "inconnu",
        "aucun titre de votre organisation ne porte ce numéro",
    )
    assert (done.report["applied"], done.report["not_matched"]) == (1, 2)
    after = payments_state()
    titre = ours(world, "TR-2023-0001")
    assert (titre.amount_received, titre.received_on) == (titre.amount_issued, date(2023, 11, 15))
    # Nothing else changed: not the titre whose amount differs, not the other organisation's.
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {f"TR-2023-0001@{world.org.pk}"}
    assert titre.history.first().history_change_reason == "Import d'encaissements « retour.csv »"
    # The page lists both mismatches.
    client.force_login(world.gestionnaire)
    text = client.get(reverse("financing:collection_import", args=[done.pk])).content.decode()
    assert "Titre inconnu" in text and "Montant différent" in text
    assert "1\u00a0encaissement enregistré" in text


def test_a_partial_collection_then_the_rest_and_the_same_file_twice(client, world, run_tasks):
    content = b"numero_titre;date;montant\r\nTR-2023-0003;01/12/2023;2000,00\r\n"
    done = imported(client, world.gestionnaire, "a.csv", content, run_tasks)
    assert done.report["outcomes"][0]["status"] == "partiel"
    assert done.report["outcomes"][0]["message"] == "reste 2\u00a0666\u00a0€ à encaisser"
    # The same file again: recognised, never counted twice.
    again = imported(client, world.gestionnaire, "a.csv", content, run_tasks)
    assert again.report["outcomes"][0]["status"] == "deja_encaisse"
    rest = b"numero_titre;date;montant\r\nTR-2023-0003;05/12/2023;2666,00\r\n"
    imported(client, world.gestionnaire, "b.csv", rest, run_tasks)
    titre = ours(world, "TR-2023-0003")
    assert titre.amount_received == Decimal("4666")
    assert titre.received_on == date(2023, 12, 5)
    assert Collection.objects.filter(payment=titre).count() == 2
    # Fully collected: a later line for it is "déjà encaissé".
    late = b"numero_titre;date;montant\r\nTR-2023-0003;06/12/2023;1,00\r\n"
    last = imported(client, world.gestionnaire, "c.csv", late, run_tasks)
    assert last.report["outcomes"][0]["status"] == "deja_encaisse"


def test_a_bad_file_is_refused_whole_and_changes_nothing(client, world, run_tasks):
    content = (
        b"numero_titre;date;montant\r\n"
        b"TR-2023-0001;15/11/2023;21 000,00\r\n"
        b"TR-2023-0002;31/02/2023;10 000,00\r\n"
        b"TR-2023-0003;15/11/2023;beaucoup\r\n"
    )
    before = payments_state()
    done = imported(client, world.gestionnaire, "retour.csv", content, run_tasks)
    assert done.status == "refuse"
    assert done.report["errors"] == [
        "Ligne 3 : date « 31/02/2023 » illisible (jj/mm/aaaa).",
        "Ligne 4 : montant « beaucoup » illisible (ex. 17 500,00).",
    ]
    assert payments_state() == before
    assert not Collection.objects.exists()
    client.force_login(world.gestionnaire)
    text = client.get(reverse("financing:collection_import", args=[done.pk])).content.decode()
    assert "Fichier refusé : rien n'a été modifié." in text


def test_missing_columns_and_a_cancelled_titre(client, world, run_tasks):
    refused = imported(client, world.gestionnaire, "x.csv", b"titre;quand\r\nA;B\r\n", run_tasks)
    assert refused.report["errors"] == [
        "Colonne absente (ligne 1) : date d'encaissement (date).",
        "Colonne absente (ligne 1) : montant encaissé (montant).",
    ]
    services.payment_cancel(
        payment=ours(world, "TR-2023-0002"), reason="Erreur", by=world.gestionnaire
    )
    done = imported(
        client,
        world.gestionnaire,
        "y.csv",
        b"numero_titre;date;montant\r\nTR-2023-0002;15/11/2023;10000\r\n",
        run_tasks,
    )
    assert done.report["outcomes"][0]["status"] == "annule"


def test_values_echoed_from_the_file_are_formula_safe_and_shortened(client, world, run_tasks):
    content = b'numero_titre;date;montant\r\n=HYPERLINK("http://x");15/11/2023;10\r\n'
    done = imported(client, world.gestionnaire, "r.csv", content, run_tasks)
    assert done.report["outcomes"][0]["number"] == '\'=HYPERLINK("http://x")'
    long = "x" * 80
    content = f"numero_titre;date;montant\r\nA;{long};10\r\n".encode()
    done = imported(client, world.gestionnaire, "r.csv", content, run_tasks)
    assert done.report["errors"] == [f"Ligne 2 : date « {'x' * 39}… » illisible (jj/mm/aaaa)."]


def test_size_and_row_limits(client, world, run_tasks, monkeypatch):
    big = b"numero_titre;date;montant\r\n" + b"A;01/01/2023;1\r\n" * 80_000
    response = upload(client, world.gestionnaire, "gros.csv", big)
    assert response.status_code == 400
    assert "Fichier trop volumineux : 1024 Ko au plus." in response.content.decode()
    assert not CollectionImport.objects.exists()
    monkeypatch.setattr(collection_returns, "MAX_ROWS", 3)
    rows = b"numero_titre;date;montant\r\n" + b"A;01/01/2023;1\r\n" * 4
    done = imported(client, world.gestionnaire, "r.csv", rows, run_tasks)
    assert done.report["errors"] == ["Le fichier a 4 lignes : 3 au plus par import."]
    response = upload(client, world.gestionnaire, "r.pdf", b"%PDF")
    assert response.status_code == 400


PES_RETOUR = """<?xml version="1.0" encoding="ISO-8859-1"?>
<n:PES_Retour xmlns:n="http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour">
  <EnTetePES><DteStr V="2023-11-20"/><IdPost V="062000"/><IdColl V="22620001800011"/></EnTetePES>
  <Retour>
    <Class_Encaissement_Retour>
      <Encaissement><Exer V="2023"/><IdPce V="1"/><DteEnc V="2023-11-15"/><MtEnc V="10000.00"/></Encaissement>
      <Encaissement><Exer V="2023"/><IdPce V="TR-2023-0002"/><DteEnc V="2023-11-16"/><MtEnc V="4000"/></Encaissement>
      <Encaissement><Exer V="2023"/><IdPce V="77"/><DteEnc V="2023-11-16"/><MtEnc V="12"/></Encaissement>
    </Class_Encaissement_Retour>
  </Retour>
</n:PES_Retour>
"""


def test_a_pes_retour_marks_titres_received(client, world, run_tasks):
    done = imported(
        client, world.gestionnaire, "PES_Retour.xml", PES_RETOUR.encode("iso-8859-1"), run_tasks
    )
    assert done.status == "termine", done.report
    statuses = [(o["number"], o["status"]) for o in done.report["outcomes"]]
    # A piece number with its exercice finds the product's TR-<exercice>-<n°>.
    assert statuses == [("1", "solde"), ("TR-2023-0002", "partiel"), ("77", "inconnu")]
    assert ours(world, "TR-2023-0001").amount_received == Decimal("10000")
    assert ours(world, "TR-2023-0002").amount_received == Decimal("4000")


def test_an_xml_file_declaring_entities_is_refused(client, world, run_tasks):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        b"<PES_Retour><Encaissement><IdPce V='&a;'/></Encaissement></PES_Retour>"
    )
    done = imported(client, world.gestionnaire, "r.xml", bomb, run_tasks)
    assert done.report["errors"] == ["Fichier XML refusé : il déclare un DOCTYPE ou des entités."]


def test_who_imports_and_who_reads_an_import(client, world, run_tasks):
    done = imported(
        client,
        world.gestionnaire,
        "r.csv",
        b"numero_titre;date;montant\r\nTR-2023-0001;15/11/2023;1\r\n",
        run_tasks,
    )
    url = reverse("financing:collection_import", args=[done.pk])
    client.force_login(world.other_gestionnaire)
    assert client.get(url).status_code == 404
    client.force_login(world.partner)
    assert client.get(url).status_code == 403
    assert client.get(reverse("financing:collections_import")).status_code == 403
    client.force_login(UserFactory(coordinateur=True, organisation=world.org))
    assert client.get(url).status_code == 200
    assert client.get(reverse("financing:collections_import")).status_code == 403
    # The other organisation's gestionnaire imports our number: its own titre only is found.
    theirs = imported(
        client,
        world.other_gestionnaire,
        "r.csv",
        b"numero_titre;date;montant\r\nTR-2023-0002;15/11/2023;1\r\n",
        run_tasks,
    )
    assert theirs.report["outcomes"][0]["status"] == "inconnu"
    assert Payment.objects.get(
        number="TR-2023-0002", share_line__organisation=world.org
    ).amount_received == Decimal(0)


def test_the_demo_round_trips_every_titre_of_2023(client, demo_data, run_tasks):
    """On the demo: issue every titre of 2023 from the list, export them, import the return
    (the first titre paid 1 € more than issued, one unknown titre): everything else is soldé."""
    from financing import titres as titre_rules
    from financing.models import ShareLine
    from iscg.models import User

    user = User.objects.get(email="gestionnaire@demo.iscg.fr")
    client.force_login(user)
    rows = titre_rules.to_issue(ShareLine.objects.filter(organisation=user.organisation), 2023)
    due = sum((row.remaining for row in rows), Decimal(0))
    response = client.post(
        reverse("financing:titres", args=[2023]),
        {"parts": [row.line.pk for row in rows], "issued_on": "2023-10-02"},
    )
    assert response.status_code == 302
    assert (
        titre_rules.to_issue(ShareLine.objects.filter(organisation=user.organisation), 2023) == []
    )
    content = client.get(
        reverse("financing:titres_issued_csv", args=[2023]), {"format": "machine"}
    ).content.decode()
    exported_rows = list(csv.DictReader(io.StringIO(content)))
    assert len(exported_rows) == len(rows) == 35
    assert sum((Decimal(r["montant"]) for r in exported_rows), Decimal(0)) == due
    lines = ["numero_titre,date,montant"]
    for index, row in enumerate(exported_rows):
        amount = Decimal(row["montant"]) + (1 if index == 0 else 0)
        lines.append(f"{row['numero_titre']},2023-11-15,{amount}")
    lines.append("TR-2023-0999,2023-11-15,10.00")
    done = imported(client, user, "retour.csv", "\n".join(lines).encode(), run_tasks)
    statuses = [o["status"] for o in done.report["outcomes"]]
    assert statuses == ["ecart"] + ["solde"] * 34 + ["inconnu"]
    first = Decimal(exported_rows[0]["montant"])
    assert Decimal(done.report["total_applied"]) == due - first
    outstanding = client.get(reverse("financing:receivables")).content.decode()
    assert f"Total à encaisser : {format_euros(first)}" in outstanding


def test_the_page_of_a_file_being_read_refreshes_without_script(client):
    """While the worker reads the file the page asks again by htmx; without script, a
    <noscript> refresh does (issue 18); once read, neither."""
    from tests.factories import OrganisationFactory

    organisation = OrganisationFactory()
    client.force_login(UserFactory(gestionnaire=True, organisation=organisation))
    deposited = CollectionImport.objects.create(
        organisation=organisation, filename="retour.csv", content=b"numero_titre;date;montant\n"
    )
    url = f"/financement/encaissements/{deposited.pk}/"
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in (
        client.get(url).content.decode()
    )
    CollectionImport.objects.filter(pk=deposited.pk).update(status="refuse")
    assert "http-equiv" not in client.get(url).content.decode()
