"""The journeys users make, in a real browser (headless Chromium)."""

import re
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from conventions.models import Convention, DocumentDownload, Party
from demo.load import load_demo
from demo.users import DEMO_PASSWORD
from iscg.models import User
from reporting import services
from reporting.models import Bilan
from tests.e2e.conftest import ARTIFACTS
from tests.queue import run_queue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NBSP = "\u00a0"


@pytest.fixture
def demo():
    load_demo()


def download(page, live_server, link, name: str) -> Path:
    """Follow a download link with the browser's session (PDFs open inline in Chromium). A
    PDF the worker has not rendered yet answers its page « en préparation » first: the queue
    is run here, as ``make run``'s worker would, then the same link serves the file."""
    url = live_server.url + link.get_attribute("href")
    response = page.request.get(url)
    assert response.status == 200
    if response.headers["content-type"].startswith("text/html"):
        assert "Le document est en préparation" in response.text()
        run_queue()
        response = page.request.get(url)
        assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    path = ARTIFACTS.parent / "downloads" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(response.body())
    return path


def party_pk(slug: str) -> int:
    return Party.objects.get(slug=slug, organisation__slug="pas-de-calais").pk


def test_gestionnaire_drafts_a_convention_with_three_co_funders(
    page, live_server, login, screenshot, demo
):
    login("gestionnaire@demo.iscg.fr", DEMO_PASSWORD)
    page.get_by_role("link", name="Rédiger une nouvelle convention").click()

    # 1. What is drafted, then post and kind
    page.get_by_role("link", name="Nouvelle convention").click()
    page.get_by_label("Poste ISG Osartis Marquion", exact=True).check()
    page.locator("#id_kind").select_option(label="Convention de financement")
    page.get_by_label("Référence").fill("PDC2027-E2E")
    page.get_by_label("Intitulé").fill(
        "Convention de financement 2027 du poste ISG Osartis Marquion"
    )
    page.get_by_label("Date de début").fill("2027-01-01")
    page.get_by_label("Date de fin").fill("2027-12-31")
    page.get_by_role("button", name="Enregistrer le brouillon et continuer").click()
    expect(page.locator("h1")).to_contain_text("PDC2027-E2E — parties et rôles")

    # 2. Parties: proposed from the post (its employer, the CC, and the gendarmerie that directs
    # its work), each with its representative in office; the State and the Département, who
    # fund, are added in place (no reload), their representative list being theirs only.
    rows = page.locator("table.formset tbody tr:visible")
    employer = rows.nth(0)
    expect(employer.locator("select[name$='-party']")).to_have_value(
        str(party_pk("epci_cc_osartis_marquion"))
    )
    expect(employer.get_by_label("Employeur", exact=True)).to_be_checked()
    expect(page.locator("input[name$='-order']")).to_have_count(0)
    proposed = rows.count()
    for party in ("etat_62", "departement_62"):
        page.get_by_role("button", name="Ajouter une partie").click()
        row = page.locator("table.formset tbody tr").last
        row.locator("select[name$='-party']").select_option(value=str(party_pk(party)))
        for role in ("Signataire", "Financeur"):
            row.get_by_label(role, exact=True).check()
        representatives = row.locator("select[name$='-representative'] option[data-party]")
        expect(representatives.first).to_be_attached()
        for value in representatives.evaluate_all("(os) => os.map((o) => o.dataset.party)"):
            assert value == str(party_pk(party))
    expect(page.locator("table.formset tbody tr:visible")).to_have_count(proposed + 2)
    screenshot("gestionnaire-parties")
    page.get_by_role("button", name="Enregistrer et passer au financement").click()
    expect(page.locator("h1")).to_contain_text("Plan de financement — PDC2027-E2E")

    # 3. Financing, in the guided editor (no JSON): the split is recomputed as amounts are typed
    expect(page.locator("#id_part-0-party")).to_have_value("epci_cc_osartis_marquion")
    expect(page.locator("#id_part-0-rule")).to_have_value("remainder")
    page.locator("#id_plan-months_by_hand").check()
    page.locator("#id_annee-0-annual_cost").fill("42000")
    page.locator("#id_annee-0-months").fill("4")
    page.locator("#id_part-1-amount").fill("14000")
    page.locator("#id_part-2-amount").fill("14000")
    preview = page.locator("#apercu")
    expect(preview).to_contain_text(f"4{NBSP}666{NBSP}€")
    expect(preview).to_contain_text(f"4{NBSP}668{NBSP}€")
    page.get_by_role("button", name="Enregistrer et recalculer").click()
    expect(page.locator(".message-success")).to_contain_text("Plan enregistré")
    expect(page.locator("table").first).to_contain_text(f"4{NBSP}668{NBSP}€")
    screenshot("gestionnaire-plan")

    convention = Convention.objects.get(reference="PDC2027-E2E")
    amounts = {line.party.slug: line.amount for line in convention.share_lines.all()}
    assert {k: str(v) for k, v in amounts.items()} == {
        "etat_62": "4666.00",
        "departement_62": "4666.00",
        "epci_cc_osartis_marquion": "4668.00",
    }

    # 4. Preview and PDF: generate and download it
    page.goto(f"{live_server.url}/conventions/PDC2027-E2E/")
    pdf_path = download(
        page, live_server, page.get_by_role("link", name="PDF du projet"), "projet.pdf"
    )
    text = "".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    assert "CC Osartis Marquion" in text.replace("\n", " ") or "Osartis Marquion" in text
    assert "4 666" in text.replace(NBSP, " ").replace("\u202f", " ")

    # Send to signature, record each party's signature
    page.get_by_role("link", name="Envoyer à la signature").click()
    page.get_by_role("link", name="Envoyer à la signature").click()
    expect(page.locator("main")).to_contain_text("Ce qui ne pourra plus être modifié")
    page.get_by_role("button", name="Confirmer l'envoi à la signature").click()
    # Refused: no place of signature nor number of copies; each blank links to its place.
    expect(page.locator(".message-error")).to_contain_text("Envoi refusé")
    expect(page.locator("#valeurs-absentes")).to_contain_text("« Lieu de signature »")
    page.get_by_label("J'envoie malgré les valeurs absentes").check()
    page.get_by_label("Motif").fill("Lieu et exemplaires fixés le jour de la signature")
    page.get_by_role("button", name="Confirmer l'envoi à la signature").click()
    expect(page.locator("h1")).to_contain_text("À signer")
    record = page.get_by_role("button", name="Enregistrer", exact=True)
    for _ in range(8):  # each signatory (bounded: never loop forever)
        if not record.count():
            break
        form = page.locator("form").filter(has=record).first
        form.get_by_label("Signée le").fill(date.today().isoformat())
        form.get_by_label("Nom du signataire").fill("Signataire de démonstration")
        with page.expect_navigation():
            form.get_by_role("button", name="Enregistrer", exact=True).click()
        confirm_last_signature(page)
    expect(page.locator("h1")).to_contain_text("Signée")

    # The generated PDF itself is refused as the signed copy; the scan is accepted
    page.goto(f"{live_server.url}/conventions/PDC2027-E2E/")
    page.get_by_role("link", name="Déposer la copie signée").click()
    page.get_by_label("Scan de la convention signée (PDF)").set_input_files(pdf_path)
    page.get_by_role("button", name="Déposer").click()
    expect(page.locator("main")).to_contain_text("document généré par l'application")
    scan = pdf_path.with_name("scan.pdf")
    Image.new("RGB", (620, 877), "white").save(scan, format="PDF")
    page.get_by_label("Scan de la convention signée (PDF)").set_input_files(scan)
    page.get_by_role("button", name="Déposer").click()
    expect(page.get_by_role("link", name="Copie signée (PDF)")).to_be_visible()
    screenshot("gestionnaire-signee")

    # The partner (the employer, CC Osartis Marquion) downloads that signed copy, and nothing else
    page.get_by_role("button", name="Se déconnecter").click()
    login("partenaire.pas-de-calais.epci-cc-osartis-marquion@demo.iscg.fr", DEMO_PASSWORD)
    page.get_by_role("link", name="Conventions", exact=True).click()
    expect(page.locator("table")).to_contain_text("PDC2027-E2E")
    # PDC2023-A13 awaits its signature (issue 16: a signatory sees what it is asked to sign)
    expect(page.locator("table")).to_contain_text("PDC2023-A13")
    expect(page.locator("table")).not_to_contain_text("PDC2023-A08")  # another party's
    page.get_by_role("link", name="PDC2027-E2E").click()
    copy = download(
        page, live_server, page.get_by_role("link", name="Copie signée (PDF)"), "copie.pdf"
    )
    assert copy.read_bytes().startswith(b"%PDF-")
    for forbidden in ("/conventions/PDC2023-A08/copie-signee/", "/conventions/PDC2023-A08/pdf/"):
        response = page.request.get(f"{live_server.url}{forbidden}")
        assert response.status == 404, forbidden
    screenshot("partenaire-convention")
    assert DocumentDownload.objects.filter(user__email__startswith="partenaire.").exists()


def confirm_last_signature(page):
    """The last signature is confirmed on its own page, which says what can no longer change."""
    confirm = page.get_by_role("button", name="Confirmer la dernière signature")
    if confirm.count():
        expect(page.locator("main")).to_contain_text("Ce qui ne pourra plus être modifié")
        with page.expect_navigation():
            confirm.click()


def sign_everything(page):
    """Send to signature, then record each party's signature (bounded: never loop forever)."""
    page.get_by_role("link", name="Envoyer à la signature").click()
    page.get_by_role("link", name="Envoyer à la signature").click()
    page.get_by_role("button", name="Confirmer l'envoi à la signature").click()
    expect(page.locator("h1")).to_contain_text("À signer")
    record = page.get_by_role("button", name="Enregistrer", exact=True)
    for _ in range(8):
        if not record.count():
            break
        form = page.locator("form").filter(has=record).first
        form.get_by_label("Signée le").fill(date.today().isoformat())
        form.get_by_label("Nom du signataire").fill("Signataire de démonstration")
        with page.expect_navigation():
            form.get_by_role("button", name="Enregistrer", exact=True).click()
        confirm_last_signature(page)
    # Signed: "Signée", or read from its dates ("Expirée" for an act of 2023).
    expect(page.locator("h1")).to_contain_text(re.compile("Signée|En vigueur|Expirée"))
    expect(record).to_have_count(0)


def french(text: str) -> str:
    return text.replace(NBSP, " ").replace("\u202f", " ")


def test_gestionnaire_amends_a_signed_convention_and_the_figures_count_once(
    page, live_server, login, screenshot, demo
):
    """PDC2023-A10 (CU d'Arras, 2023: État 12 000 €, Département 12 000 €, the CU the rest of
    36 000 €): an avenant raises the 2023 cost to 38 000 €, so the CU's share goes from
    12 000 € to 14 000 €; once signed, the annual table and the CU's partner page show
    14 000 € once, the post once."""
    post = Convention.objects.get(reference="PDC2023-A10").posts.get().name
    cu_party = Party.objects.get(slug="epci_cu_arras", organisation__slug="pas-de-calais")
    cu = cu_party.name
    login("gestionnaire@demo.iscg.fr", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/conventions/PDC2023-A10/")
    page.get_by_role("link", name="Rédiger un avenant").click()

    # 1. Drafted from its parent: title, number, dates proposed
    expect(page.locator("h1")).to_contain_text("Rédiger un avenant")
    expect(page.get_by_label("Intitulé")).to_have_value("Avenant n° 1 à la convention PDC2023-A10")
    expect(page.get_by_label("Référence")).to_have_value("PDC2023-A10-AV1")
    expect(page.get_by_label("Date de début")).to_have_value("2023-01-01")
    expect(page.get_by_label("Date de fin")).to_have_value("2023-12-31")
    expect(page.locator("#id_kind")).to_have_count(0)
    page.get_by_role("button", name="Enregistrer le brouillon et continuer").click()

    # 2. Parties copied with their representatives
    expect(page.locator("h1")).to_contain_text("PDC2023-A10-AV1 — parties et rôles")
    chosen = page.locator("table.formset select[name$='-party'] option:checked")
    expect(chosen.nth(0)).to_have_text("État")
    expect(chosen.nth(1)).to_have_text("Département")
    expect(chosen.nth(2)).to_have_text("CU d'Arras")
    page.get_by_role("button", name="Enregistrer et passer au financement").click()

    # 3. The parent's plan, copied: change one figure of 2023
    expect(page.locator("h1")).to_contain_text("Plan de financement — PDC2023-A10-AV1")
    page.locator("#id_annee-0-annual_cost").fill("38000")
    # Leave the field (its "change" would otherwise fire a preview during the save) and let the
    # live preview answer first: SQLite's shared in-memory test database does not take two
    # requests at once ("database table is locked").
    page.locator("#id_annee-0-annual_cost").press("Tab")
    expect(page.locator("#apercu")).to_contain_text(f"14{NBSP}000{NBSP}€")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Enregistrer et recalculer").click()
    expect(page.locator(".message-success")).to_contain_text("Plan enregistré")
    avenant = Convention.objects.get(reference="PDC2023-A10-AV1")
    assert {line.party.slug: int(line.amount) for line in avenant.share_lines.all()} == {
        "etat_62": 12000,
        "departement_62": 12000,
        "epci_cu_arras": 14000,
    }

    # 4. Its text lists exactly that change
    page.goto(f"{live_server.url}/conventions/PDC2023-A10-AV1/")
    expect(page.locator("main")).to_contain_text("PDC2023-A10")
    pdf_path = download(
        page, live_server, page.get_by_role("link", name="PDF du projet"), "avenant.pdf"
    )
    text = french(" ".join(p.extract_text() for p in PdfReader(pdf_path).pages))
    text = re.sub(r"\s+", " ", text)
    assert f"2023 — {cu} : 12 000 € → 14 000 €" in text
    assert "→ —" not in text and "Date de début" not in text

    # 5. Signed by everyone
    sign_everything(page)

    # The parent's page lists it
    page.goto(f"{live_server.url}/conventions/PDC2023-A10/")
    # The table in its scrolling box (static/js/app.js)
    expect(page.locator("#avenants + .table-scroll > table")).to_contain_text("PDC2023-A10-AV1")

    # 6. The annual table: the post once, the amended figure once
    page.goto(f"{live_server.url}/financement/2023/")
    main_table = page.locator("table.annual").first
    expect(main_table.get_by_role("link", name=post, exact=True)).to_have_count(1)
    cu_cells = (
        main_table.locator("tbody tr")
        .filter(has=page.locator("td", has_text="reste à charge"))
        .filter(has_text=str(cu_party))
    )
    expect(cu_cells).to_have_count(1)
    expect(cu_cells).to_contain_text(f"14{NBSP}000{NBSP}€")
    screenshot("gestionnaire-avenant-tableau")

    # 7. The CU's partner: 14 000 € borne in 2023, once
    page.get_by_role("button", name="Se déconnecter").click()
    login("partenaire.pas-de-calais.epci-cu-arras@demo.iscg.fr", DEMO_PASSWORD)
    year_2023 = page.locator("li").filter(has_text=re.compile(r"^\s*2023\s*:"))
    expect(year_2023).to_have_count(1)
    expect(year_2023).to_contain_text(f"reste à charge comme employeur 14{NBSP}000{NBSP}€")
    screenshot("partenaire-avenant")


def test_coordinator_validates_a_submitted_bilan(page, live_server, login, screenshot, demo):
    intervenant = User.objects.get(email="intervenant@demo.iscg.fr")
    bilan = services.bilan_create(
        user=intervenant,
        post=intervenant.post,
        year=2023,
        data={
            "referrals_women": 120,
            "referrals_men": 60,
            "referrals_children": 20,
            "referrals_total": 200,
            "interviews_in_person": 150,
            "interviews_phone": 90,
            "interviews_total": 240,
        },
    )
    services.bilan_submit(user=intervenant, bilan=bilan)
    login("coordinateur@demo.iscg.fr", DEMO_PASSWORD)
    page.get_by_role("link", name=re.compile("Poste ISG Ternois — 2023")).click()
    page.get_by_role("link", name="Valider ou renvoyer").click()
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("body")).to_contain_text("Validé")
    bilan.refresh_from_db()
    assert bilan.status == "valide"
    assert bilan.reviewed_by.email == "coordinateur@demo.iscg.fr"
    screenshot("coordinateur-bilan-valide")


def test_gestionnaire_imports_bilans_atomically(
    page, live_server, login, screenshot, demo, tmp_path
):
    login("gestionnaire@demo.iscg.fr", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/bilans/import/")
    bad = tmp_path / "bilans.csv"
    bad.write_text(
        "poste;annee;saisines_femmes;saisines_hommes;saisines_enfants;saisines_total\n"
        "isg_ternois;2024;10;5;2;17\n"
        "isg_ternois;2025;10;5;2;99\n",
        encoding="utf-8",
    )
    page.get_by_label("Fichier (XLSX ou CSV)").set_input_files(bad)
    page.get_by_role("button", name="Vérifier et importer").click()
    expect(page.locator("main")).to_contain_text("Fichier déposé")  # the worker imports it
    run_queue()
    page.reload()
    expect(page.locator("main")).to_contain_text("Rien n'a été enregistré")
    expect(page.locator("main")).to_contain_text("Ligne 3, colonne « saisines_total »")
    assert not Bilan.objects.filter(post__slug="isg_ternois", year=2024).exists()
    good = tmp_path / "bons.csv"
    good.write_text(bad.read_text(encoding="utf-8").replace(";99", ";17"), encoding="utf-8")
    page.get_by_role("link", name="Corriger le fichier et le déposer à nouveau").click()
    page.get_by_label("Fichier (XLSX ou CSV)").set_input_files(good)
    page.get_by_role("button", name="Vérifier et importer").click()
    run_queue()
    page.reload()
    expect(page.locator(".message-success")).to_contain_text(
        f"2{NBSP}bilans créés, 0{NBSP}mis à jour"
    )
    screenshot("gestionnaire-import")


PHONE_PAGES = [
    "/",
    "/financement/2023/",
    "/conventions/",
    "/conventions/PDC2023-A10/",
    "/conventions/PDC2023-A10/financement/",
    "/conventions/PDC2023-A10/signatures/",
    "/conventions/nouvelle/?mode=nouvelle",  # the posts' checkbox list
    "/conventions/PDC2024-A10/brouillon/parties/",  # the party rows
    "/conventions/PDC2024-A10/signatures/envoyer/",  # confirmations
    "/conventions/PDC2024-A10/supprimer/",
    "/conventions/brouillons-supprimes/",
    "/echeances/",
    "/bilans/2022/",
]


def test_pages_fit_a_phone_screen(page, live_server, login, screenshot, demo):
    """At 390 px the page never scrolls sideways: wide tables scroll in their own box, charts
    shrink."""
    page.set_viewport_size({"width": 390, "height": 844})
    login("gestionnaire@demo.iscg.fr", DEMO_PASSWORD)
    widths = {}
    for url in PHONE_PAGES:
        page.goto(f"{live_server.url}{url}")
        widths[url] = page.evaluate("document.documentElement.scrollWidth")
    screenshot("telephone-financement")
    assert widths == dict.fromkeys(PHONE_PAGES, 390)
