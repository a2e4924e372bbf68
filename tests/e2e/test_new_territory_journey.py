"""Issue 15's "Done when" journey, in a real browser: a gestionnaire of an organisation with no
data, alone (no administrator, no JSON), records the parties and their representatives, a post
with two units, drafts a convention with four co-funders (the État by year of service, the
Département fixed, two communes sharing a share by population, the employer's reste à charge),
takes its text from a template with one article changed, sends it to signature, records the
signatures and the signed copy; a partner invited from the product downloads it. Then the main
pages at 390 px wide, with screenshots (artifacts/screenshots/)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from conventions.models import Convention, DocumentDownload, Party, Post
from iscg.models import User
from tests.e2e.test_journeys import confirm_last_signature, download, french
from tests.factories import PASSWORD, ConventionFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NBSP = "\u00a0"
REFERENCE = "FIN2027-QUIMPER"

#: (kind, name, representative's name, title, in office from)
PARTIES = [
    ("État", "Préfecture du Finistère", "Alexandre ROCHATTE", "Préfet du Finistère"),
    ("Département", "Département du Finistère", "Maël DE CALAN", "Président du Conseil départemental"),
    ("Commune", "Commune de Quimper", "Isabelle ASSIH", "Maire de Quimper"),
    ("Commune", "Commune de Concarneau", "Marc BIGOT", "Maire de Concarneau"),
    ("CCAS / CIAS", "CIAS du Pays de Quimper", "Anne LE GALL", "Présidente du CIAS"),
    ("Police nationale", "DDSP du Finistère", "Yann KERVELLA", "Directeur départemental de la sécurité publique"),
]  # fmt: skip


def money(amount: int) -> str:
    """17500 → « 17 500 € » as the pages print it (no-break spaces)."""
    return f"{amount:,}".replace(",", NBSP) + f"{NBSP}€"


def test_a_gestionnaire_runs_a_new_territory_alone(
    page, live_server, login, screenshot, run_tasks, smtp_server, tmp_path
):
    organisation = OrganisationFactory(name="Département du Finistère", slug="finistere")
    gestionnaire = UserFactory(gestionnaire=True, organisation=organisation, email="g@finistere.fr")
    gestionnaire.set_password(PASSWORD)
    gestionnaire.save()
    # Another convention of the organisation, which the partner must never see.
    ConventionFactory(organisation=organisation, reference="FIN2026-AUTRE")
    login("g@finistere.fr", PASSWORD)
    # On a computer the navigation shows, no « Menu » button.
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("link", name="Parties", exact=True)).to_be_visible()

    # 1. The parties, each with its representative in office
    for kind, name, person, title in PARTIES:
        page.goto(f"{live_server.url}/conventions/parties/")
        page.get_by_role("link", name="Nouvelle partie").click()
        page.get_by_label("Nature").select_option(label=kind)
        page.get_by_label("Dénomination officielle").fill(name)
        page.get_by_role("button", name="Enregistrer la partie").click()
        expect(page.locator("h1")).to_have_text(name)
        page.get_by_role("link", name="Nouveau représentant").click()
        page.get_by_label("Nom").fill(person)
        page.get_by_label("Qualité").fill(title)
        page.get_by_label("En fonction du").fill("2024-01-01")
        page.get_by_role("button", name="Enregistrer le représentant").click()
        expect(page.locator("main")).to_contain_text(f"{person}, {title}")
    parties = {p.name: p for p in Party.objects.filter(organisation=organisation)}
    assert sorted(parties) == sorted(p[1] for p in PARTIES)
    assert all(p.representatives.count() == 1 for p in parties.values())

    # 2. The post: two units, 60 % / 40 % of the time, employed by the CIAS
    page.goto(f"{live_server.url}/conventions/postes/")
    page.get_by_role("link", name="Nouveau poste").click()
    page.get_by_label("Intitulé").fill("ISCG Quimper")
    page.locator("#id_kind").select_option(value="ISCG")
    page.get_by_label("Employeur").select_option(label="CIAS du Pays de Quimper")
    page.get_by_label("Autorité hiérarchique").fill("la Présidente du CIAS du Pays de Quimper")
    page.get_by_label("Autorité fonctionnelle").fill("DDSP du Finistère")
    page.get_by_label("Première année de service").fill("2027")
    page.get_by_label("Premier jour de service").fill("2027-01-01")
    rows = page.locator("fieldset[data-rows='unites'] tbody tr")
    for index, (name, kind, share) in enumerate(
        [
            ("Commissariat de Quimper", "Commissariat", "60"),
            ("Compagnie de Quimper", "Compagnie de gendarmerie", "40"),
        ]
    ):
        row = rows.nth(index)
        row.locator("input[name$='-name']").fill(name)
        row.locator("select[name$='-kind']").select_option(label=kind)
        row.locator("input[name$='-time_share']").fill(share)
    page.get_by_role("button", name="Enregistrer le poste").click()
    expect(page.locator("h1")).to_have_text("ISCG Quimper")
    post = Post.objects.get(organisation=organisation)
    assert sorted(post.units.values_list("time_share", flat=True)) == [Decimal(40), Decimal(60)]
    assert post.employer == parties["CIAS du Pays de Quimper"]

    # 3. The wizard: what, when
    page.goto(f"{live_server.url}/conventions/nouvelle/")
    page.get_by_role("link", name="Nouvelle convention").click()
    page.get_by_label("ISCG Quimper", exact=True).check()
    page.locator("#id_kind").select_option(label="Convention triennale de partenariat")
    page.get_by_label("Référence").fill(REFERENCE)
    page.get_by_label("Intitulé").fill("Convention triennale du poste ISCG de Quimper")
    page.get_by_label("Date de début").fill("2027-01-01")
    page.get_by_label("Date de fin").fill("2029-12-31")
    page.get_by_label("Lieu de signature").fill("Quimper")
    page.get_by_label("Exemplaires originaux").fill("6")
    page.get_by_role("button", name="Enregistrer le brouillon et continuer").click()
    expect(page.locator("h1")).to_contain_text(f"{REFERENCE} — parties et rôles")
    screenshot("territoire-parties-etape")

    # 4. The parties: proposed from the post (the CIAS employs); the funders added in place, each
    # with its representative proposed from its own list.
    rows = page.locator("table.formset tbody tr:visible")
    employer = rows.nth(0)
    expect(employer.locator("select[name$='-party']")).to_have_value(
        str(parties["CIAS du Pays de Quimper"].pk)
    )
    expect(employer.get_by_label("Employeur", exact=True)).to_be_checked()
    police = rows.filter(has=page.locator("option:checked", has_text="DDSP du Finistère"))
    expect(police.get_by_label("Autorité fonctionnelle", exact=True)).to_be_checked()
    expect(police.get_by_label("Signataire", exact=True)).to_be_checked()
    for name in [p[1] for p in PARTIES[:4]]:
        chosen = page.locator("table.formset select[name$='-party'] option:checked")
        if name in chosen.all_inner_texts():
            row = rows.filter(has=page.locator("option:checked", has_text=name)).first
        else:
            page.get_by_role("button", name="Ajouter une partie").click()
            row = page.locator("table.formset tbody tr").last
            row.locator("select[name$='-party']").select_option(label=name)
        for role in ("Signataire", "Financeur"):
            row.get_by_label(role, exact=True).check()
        representative = row.locator("select[name$='-representative']")
        expect(representative.locator("option:checked")).to_contain_text(
            next(p[2] for p in PARTIES if p[1] == name)
        )
    page.get_by_role("button", name="Enregistrer et passer au financement").click()
    expect(page.locator("h1")).to_contain_text(f"Plan de financement — {REFERENCE}")
    convention = Convention.objects.get(reference=REFERENCE)
    assert convention.memberships.count() == 6

    # 5. The plan, in the guided editor: three years of service, the État 80 %, 50 %, 30 % of
    # the cost, the Département 5 000 €, 3 000 € split between the communes by population, the
    # CIAS the rest.
    expect(page.locator("#id_part-0-party")).to_have_value("cias_du_pays_de_quimper")
    expect(page.locator("#id_part-0-rule")).to_have_value("remainder")
    # A row per year of the convention's period, the costs left to type.
    for index, year in enumerate((2027, 2028, 2029)):
        expect(page.locator(f"#id_annee-{index}-year")).to_have_value(str(year))
        page.locator(f"#id_annee-{index}-annual_cost").fill("50000")
    state = page.locator("#rows-part > fieldset.plan-share").nth(1)
    expect(state.get_by_label("Qui paie")).to_have_value("prefecture_du_finistere")
    state.get_by_label("Règle").select_option(label="Pourcentage du coût")
    state.get_by_label("Ou selon l'année de service du poste (%)").fill("80 ; 50 ; 30")
    departement = page.locator("#rows-part > fieldset.plan-share").nth(2)
    departement.get_by_label("Règle").select_option(label="Montant annuel fixe")
    departement.get_by_label("Montant annuel (€)").fill("5000")
    communes = page.locator("#rows-part > fieldset.plan-share").nth(3)
    communes.get_by_label("Qui paie").select_option(
        label="Plusieurs parties (répartition ci-dessous)"
    )
    communes.get_by_label("Règle").select_option(label="Montant annuel fixe")
    communes.get_by_label("Montant annuel (€)").fill("3000")
    communes.get_by_label("Répartie").select_option("population")
    keys = communes.locator("details[data-split] tbody tr")
    for index, (slug, population) in enumerate(
        [("commune_de_quimper", "63 000"), ("commune_de_concarneau", "21 000")]
    ):
        keys.nth(index).locator("select").select_option(slug)
        keys.nth(index).locator("input.key").fill(population)
    # Concarneau's own share, proposed as it funds, is now in the split: removed.
    concarneau = page.locator("#rows-part > fieldset.plan-share").nth(4)
    expect(concarneau.get_by_label("Qui paie")).to_have_value("commune_de_concarneau")
    concarneau.get_by_role("button", name="Retirer cette part").click()
    expect(concarneau).to_be_hidden()
    preview = page.locator("#apercu")
    expect(preview).to_contain_text("80 % du coût la 1re année de service")
    expect(preview).to_contain_text(money(2250))
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    page.wait_for_load_state("networkidle")
    screenshot("territoire-plan")
    page.get_by_role("button", name="Enregistrer et recalculer").click()
    expect(page.locator(".message-success")).to_contain_text("Plan enregistré")
    lines = {}
    for line in convention.share_lines.select_related("party"):
        lines.setdefault(line.year, {})[line.party.slug] = int(line.amount)
    assert lines == {
        year: {
            "prefecture_du_finistere": state_share,
            "departement_du_finistere": 5000,
            "commune_de_quimper": 2250,
            "commune_de_concarneau": 750,
            "cias_du_pays_de_quimper": 50000 - state_share - 8000,
        }
        for year, state_share in ((2027, 40000), (2028, 25000), (2029, 15000))
    }

    # 6. The text: a new organisation has no template; the shipped ones are installed from the
    # text page, the national model chosen (what it changes shown first), one article changed.
    page.goto(f"{live_server.url}/conventions/{REFERENCE}/")
    page.get_by_role("link", name="Rédiger ou modifier le texte").click()
    page.get_by_role("link", name="Installer les modèles fournis avec l'application").click()
    page.get_by_role("button", name=re.compile("^Installer ce")).click()
    expect(page.locator(".message-success")).to_contain_text("Modèle national")
    expect(page.locator("h1")).to_contain_text(REFERENCE)  # back on the convention's text
    page.get_by_label("Rédiger d'après le modèle").select_option(
        label="Modèle national — convention triennale de partenariat (version 1)"
    )
    page.get_by_role("button", name="Voir ce que ce modèle changerait").click()
    page.get_by_role("button", name="Remplacer le texte").click()
    expect(page.locator(".message-success")).to_contain_text("Texte remplacé par « Modèle national")
    page.get_by_role("link", name=re.compile("Modifier : Article \\d+ « Comité de suivi »")).click()
    body = page.get_by_label("Texte de l'article")
    body.fill("Le comité de suivi se réunit deux fois par an à Quimper, en mars et en octobre.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".message-success")).to_contain_text("« Comité de suivi » enregistré.")
    convention.refresh_from_db()
    assert convention.template_version.template.slug == "modele-national"
    committee = [a for a in convention.text["articles"] if a["title"] == "Comité de suivi"]
    assert committee[0]["body"].startswith("Le comité de suivi se réunit deux fois par an")
    screenshot("territoire-texte")

    # 7. The convention page and its PDF give the figures
    page.goto(f"{live_server.url}/conventions/{REFERENCE}/")
    main = french(page.locator("main").inner_text())
    for figure in ("40 000 €", "25 000 €", "15 000 €", "2 250 €", "750 €", "27 000 €"):
        assert figure in main, figure
    pdf_path = download(
        page, live_server, page.get_by_role("link", name="PDF du projet"), "territoire.pdf"
    )
    text = re.sub(
        r"\s+", " ", french(" ".join(p.extract_text() for p in PdfReader(pdf_path).pages))
    )
    assert "deux fois par an à Quimper" in text
    for figure in ("40 000", "25 000", "15 000", "2 250", "750", "17 000", "27 000"):
        assert figure in text, figure
    assert "80 % du coût la 1re année de service" in text
    assert "Commune de Concarneau" in text and "Alexandre ROCHATTE" in text

    # 8. Sent to signature, after the confirmation page; signatures recorded, the last one
    # confirmed; the signed copy (a scan) uploaded
    page.get_by_role("link", name="Envoyer à la signature").click()
    page.get_by_role("link", name="Envoyer à la signature").click()
    expect(page.locator("main")).to_contain_text("Ce qui ne pourra plus être modifié")
    # Every value the national model asks for is known but the date the signatories write by
    # hand: nothing blocks the sending.
    expect(page.locator("main")).to_contain_text("à écrire à la main par les signataires")
    expect(page.get_by_label("J'envoie malgré les valeurs absentes")).to_have_count(0)
    screenshot("territoire-envoi")
    page.get_by_role("button", name="Confirmer l'envoi à la signature").click()
    expect(page.locator("h1")).to_contain_text("À signer")
    record = page.get_by_role("button", name="Enregistrer", exact=True)
    signed = confirmations = 0
    for _ in range(8):  # each signatory (bounded)
        if not record.count():
            break
        form = page.locator("form").filter(has=record).first
        form.get_by_label("Signée le").fill(date.today().isoformat())
        form.get_by_label("Nom du signataire").fill("Signataire")
        with page.expect_navigation():
            form.get_by_role("button", name="Enregistrer", exact=True).click()
        signed += 1
        if page.get_by_role("button", name="Confirmer la dernière signature").count():
            confirmations += 1
            confirm_last_signature(page)
    assert (signed, confirmations) == (6, 1)
    expect(page.locator("h1")).to_contain_text(re.compile("Signée|En vigueur"))
    page.goto(f"{live_server.url}/conventions/{REFERENCE}/")
    page.get_by_role("link", name="Déposer la copie signée").click()
    scan = tmp_path / "scan.pdf"
    Image.new("RGB", (620, 877), "white").save(scan, format="PDF")
    page.get_by_label("Scan de la convention signée (PDF)").set_input_files(scan)
    page.get_by_role("button", name="Déposer").click()
    expect(page.get_by_role("link", name="Copie signée (PDF)")).to_be_visible()
    screenshot("territoire-signee")

    # 9. The partner (the commune of Concarneau), invited from the product
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Inviter un partenaire ou un intervenant").click()
    page.get_by_label("Adresse e-mail de la personne invitée").fill("dgs@concarneau.fr")
    page.get_by_label("Rôle").select_option(label="Partenaire (une partie)")
    page.get_by_label("Partie (pour un partenaire)").select_option(label="Commune de Concarneau")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.locator(".message-success")).to_contain_text(
        "Invitation envoyée à dgs@concarneau.fr"
    )
    assert run_tasks() >= 1
    (invitation,) = [m for m in smtp_server.messages if "dgs@concarneau.fr" in m.envelope_to]
    link = re.search(
        r"https?://\S+/comptes/invitation/\S+/",
        invitation.get_body(preferencelist=("plain",)).get_content(),
    ).group(0)
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(link)
    page.get_by_label("Prénom").fill("Gwenaëlle")
    page.get_by_label(re.compile("^Nom")).fill("LE BRIS")
    page.get_by_label(re.compile("^Mot de passe")).fill("Concarneau-2027!")
    page.get_by_label("Confirmation du mot de passe").fill("Concarneau-2027!")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator(".message-success")).to_contain_text("Votre compte est créé")
    partner = User.objects.get(email="dgs@concarneau.fr")
    assert partner.party == parties["Commune de Concarneau"]
    page.get_by_role("link", name="Conventions", exact=True).click()
    expect(page.locator("table")).to_contain_text(REFERENCE)
    expect(page.locator("table")).not_to_contain_text("FIN2026-AUTRE")
    page.get_by_role("link", name=REFERENCE).click()
    expect(page.locator("main")).to_contain_text(money(750))
    copy = download(
        page,
        live_server,
        page.get_by_role("link", name="Copie signée (PDF)"),
        "territoire-copie.pdf",
    )
    assert copy.read_bytes() == scan.read_bytes()
    assert DocumentDownload.objects.filter(user=partner).exists()
    for forbidden in ("/conventions/FIN2026-AUTRE/", "/conventions/FIN2026-AUTRE/copie-signee/"):
        assert page.request.get(f"{live_server.url}{forbidden}").status == 404, forbidden
    screenshot("territoire-partenaire")

    # 10. At 390 px wide: the partner's pages, then the gestionnaire's, never wider than the
    # screen (tables scroll inside their own box)
    page.set_viewport_size({"width": 390, "height": 844})
    # On a phone the navigation stays behind « Menu » until asked for.
    page.goto(f"{live_server.url}/")
    menu = page.get_by_role("button", name="Menu")
    nav_link = page.locator("nav.main-nav").get_by_role("link", name="Conventions", exact=True)
    expect(nav_link).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    nav_link.click()
    expect(page.locator("h1")).to_have_text("Conventions")
    widths = {}
    for url in ("/", "/conventions/", f"/conventions/{REFERENCE}/"):
        assert page.goto(f"{live_server.url}{url}").status == 200, url
        widths[f"partenaire {url}"] = page.evaluate("document.documentElement.scrollWidth")
    screenshot("telephone-territoire-partenaire")
    page.get_by_role("button", name="Se déconnecter").click()
    login("g@finistere.fr", PASSWORD)
    pages = {
        "/": "accueil",
        "/conventions/parties/": "parties",
        f"/conventions/parties/{parties['Commune de Quimper'].pk}/": "partie",
        f"/conventions/postes/{post.pk}/modifier/": "poste",
        "/conventions/nouvelle/?mode=nouvelle": "assistant",
        "/conventions/": "conventions",
        f"/conventions/{REFERENCE}/": "convention",
        f"/conventions/{REFERENCE}/financement/": "plan",
        f"/conventions/{REFERENCE}/texte/": "texte",
        f"/conventions/{REFERENCE}/signatures/": "signatures",
        "/conventions/modeles/": "modeles",
        "/comptes/invitations/": "invitations",
        "/financement/2028/": "financement",
    }
    for url, name in pages.items():
        assert page.goto(f"{live_server.url}{url}").status == 200, url
        widths[url] = page.evaluate("document.documentElement.scrollWidth")
        screenshot(f"telephone-territoire-{name}")
    assert widths == dict.fromkeys(widths, 390)
