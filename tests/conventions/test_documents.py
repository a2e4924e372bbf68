"""Convention PDFs read back with pypdf: parties, articles, amounts, pages, metadata, fonts;
stored versions, the cache of unchanged texts, the frozen text, the command."""

import io
import re
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from conventions import documents, services
from conventions.models import (
    Convention,
    ConventionKind,
    ConventionStatus,
    DocumentDownload,
    DocumentKind,
    DocumentVersion,
)
from financing.engine import read_plan
from financing.services import plan_save
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    PartyFactory,
    PostFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

A13_PLAN = {
    "rounding": "down",
    "years": [{"year": 2023, "annual_cost": "42000"}],
    "shares": [
        {"party": "etat_62", "rule": "fixed", "amount": "14000"},
        {"party": "departement_62", "rule": "fixed", "amount": "14000"},
        {"party": "epci_cc_osartis_marquion", "rule": "remainder"},
    ],
}


def pdf_text(content: bytes) -> tuple[PdfReader, list[str]]:
    """The reader and each page's text, spaces normalised (no-break and narrow ones too)."""
    reader = PdfReader(io.BytesIO(content))
    pages = [re.sub(r"[\s\u00a0\u202f]+", " ", page.extract_text()) for page in reader.pages]
    return reader, pages


def stored_bytes(document) -> bytes:
    """The version's PDF (rendered now: in a test, the transaction never commits)."""
    document = services.document_rendered(document)
    with document.file.open("rb") as stored:
        return stored.read()


@pytest.fixture
def a13(demo_data):
    convention = Convention.objects.get(reference="PDC2023-A13")
    if not convention.share_lines.exists():  # the demo plans may not be there yet
        plan_save(convention=convention, post=convention.posts.get(), plan=read_plan(A13_PLAN))
    return convention


def _never_sent(convention):
    """The demo sends A13 to signature (its circuit, a frozen document rendered by the worker):
    back to a draft never sent, with no document and nothing queued (the demo's renders and
    e-mails), as these tests need."""
    from django_tasks_db.models import DBTaskResult

    from conventions.models import SignatureRequest

    SignatureRequest.objects.filter(convention=convention).delete()
    convention.documents.all().delete()
    DBTaskResult.objects.all().delete()
    convention.status = ConventionStatus.DRAFT
    convention.text_frozen_at = None
    convention.save()


def test_a13_reads_like_its_source(a13):
    document = services.document_rendered(services.convention_document(convention=a13))
    reader, pages = pdf_text(stored_bytes(document))
    text = " ".join(pages)

    assert "CC Osartis Marquion" in text
    assert "14 000 €" in text  # full-year shares of the State and the Département
    assert "4 666 €" in text  # prorated to September–December 2023
    assert "Communauté de Communes Osartis Marquion" in text
    # Parties, by their wording in the act
    for party in (
        "L'Etat, représenté par Monsieur Jacques BILLANT, Préfet du Pas-de-Calais",
        "Le Département du Pas-de-Calais, représenté par son Président",
        "Le Groupement de Gendarmerie Départementale du Pas-de-Calais",
    ):
        assert party in text
    # Numbered articles, with the French colon
    for number, title in [
        (1, "OBJET DE LA CONVENTION"),
        (6, "FINANCEMENT"),
        (13, "DURÉE DE LA CONVENTION"),
        (15, "LITIGE"),
    ]:
        assert f"Article {number} : {title}" in text
    assert "1er septembre 2023 jusqu'au 31 décembre 2023" in text
    assert "Tribunal administratif de Lille" in text
    # A signature block for every signatory party
    assert "Pour l'État, le Préfet du Pas-de-Calais, Jacques BILLANT" in text
    assert "Pour le Département du Pas-de-Calais, le Président du Conseil départemental, " in text
    assert "Pierre GEORGET" in text and "Frantz TAVART" in text
    # Header and footer on every page
    total = len(reader.pages)
    assert total == document.pages >= 4
    for number, page in enumerate(pages, start=1):
        assert "PDC2023-A13" in page
        assert f"Page {number} / {total}" in page
    # Metadata
    assert reader.metadata.title.startswith("CONVENTION DE PARTENARIAT RELATIVE AU FINANCEMENT")
    assert reader.metadata.author == "Département du Pas-de-Calais"
    assert reader.metadata.subject == "Convention de financement PDC2023-A13"


def test_fonts_are_embedded_and_french_spaces_are_narrow(a13):
    document = services.convention_document(convention=a13)
    content = stored_bytes(document)
    reader = PdfReader(io.BytesIO(content))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[font["/BaseFont"]] = "/FontFile2" in descriptor
    assert fonts and all(fonts.values()), fonts
    assert any("Doc-Serif" in name for name in fonts)
    html = documents.render_html(a13).html
    assert "Entre\u202f:" in html  # narrow no-break space before the colon
    assert "«\u202fFIPD\u202f»" in html


def test_an_unchanged_convention_is_served_from_its_stored_version(a13):
    _never_sent(a13)
    first = services.document_rendered(services.convention_document(convention=a13))
    with mock.patch.object(documents, "render_pdf", wraps=documents.render_pdf) as render:
        again = services.document_rendered(services.convention_document(convention=a13))
    assert again.pk == first.pk and again.number == 1
    render.assert_not_called()
    # A change in the text gives a new version
    text = documents.effective_text(a13)
    text["articles"][6]["body"] += "\n\nClause ajoutée."
    services.convention_text_save(convention=a13, text=text)
    changed = services.document_rendered(
        services.convention_document(convention=Convention.objects.get(pk=a13.pk))
    )
    assert changed.number == 2 and changed.sha256 != first.sha256
    assert changed.template_version == a13.template_version
    assert "Clause ajoutée." in " ".join(pdf_text(stored_bytes(changed))[1])


def test_the_pdf_page_serves_the_stored_file_and_logs_the_download(client, fetch, a13):
    user = UserFactory(gestionnaire=True, organisation=a13.organisation)
    client.force_login(user)
    url = reverse("conventions:pdf", args=[a13.reference])
    first = fetch(client, url)  # the preparation page, then (the worker ran) the file
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first.content == second.content
    assert a13.documents.filter(kind=DocumentKind.GENERATED).count() == 1
    downloads = DocumentDownload.objects.filter(document__convention=a13)
    assert downloads.count() == 2
    assert {d.user for d in downloads} == {user}


def test_sending_to_signature_freezes_the_text(a13):
    _never_sent(a13)
    user = UserFactory(gestionnaire=True, organisation=a13.organisation)
    frozen = services.convention_send_to_signature(convention=a13, by=user)
    a13.refresh_from_db()
    assert a13.status == ConventionStatus.TO_SIGN
    assert a13.text_frozen_at is not None and frozen.is_frozen
    assert frozen.created_by == user
    # Data it was drafted from changes: the document to sign does not.
    representative = a13.memberships.get(party__slug="etat_62").representative
    representative.name = "Autre PRÉFET"
    representative.save()
    again = services.convention_document(convention=a13)
    assert again.pk == frozen.pk
    assert "Jacques BILLANT" in " ".join(pdf_text(stored_bytes(again))[1])


def test_the_financing_table_lists_every_year_and_party():
    convention = ConventionFactory(status=ConventionStatus.DRAFT, kind=ConventionKind.FINANCEMENT)
    etat = PartyFactory(organisation=convention.organisation, slug="etat", kind="etat")
    epci = PartyFactory(organisation=convention.organisation, slug="cc", name="CC du Ternois")
    ConventionPartyFactory(convention=convention, party=etat)
    ConventionPartyFactory(convention=convention, party=epci, is_employer=True)
    post = PostFactory(organisation=convention.organisation, employer=epci)
    convention.posts.add(post)
    plan_save(
        convention=convention,
        post=post,
        months_by_hand=True,
        plan=read_plan(
            {
                "years": [
                    {"year": 2023, "annual_cost": "46659"},
                    {"year": 2024, "annual_cost": "48000"},
                ],
                "shares": [
                    {"party": "etat", "rule": "fixed", "amount": "15553"},
                    {"party": "cc", "rule": "remainder"},
                ],
            }
        ),
    )
    html = documents.render_html(convention).html
    table = html[html.index('<table class="financing">') :]
    assert ">2023<" in table and ">2024<" in table
    assert "15\u00a0553\u00a0€" in table and "31\u00a0106\u00a0€" in table
    assert "32\u00a0447\u00a0€" in table  # 48 000 − 15 553
    assert "reste à charge" in table


def test_a_convention_without_template_still_renders_its_parties_and_signatures():
    convention = ConventionFactory(signature_place="Arras", original_copies=3)
    party = PartyFactory(organisation=convention.organisation, name="Communauté urbaine d'Arras")
    representative = RepresentativeFactory(party=party, name="Frédéric LETURQUE")
    ConventionPartyFactory(convention=convention, party=party, representative=representative)
    rendered = documents.render_html(convention)
    assert rendered.errors == []
    assert "Fait à Arras" in rendered.html and "trois exemplaires" in rendered.html
    assert "Pour la Communauté urbaine d'Arras," in rendered.html.replace("&#x27;", "'")
    pdf, pages = documents.render_pdf(rendered.html)
    assert pages == 1 and pdf.startswith(b"%PDF-")


def test_an_avenant_lists_what_it_changes():
    parent = ConventionFactory(reference="P-1")
    party = PartyFactory(organisation=parent.organisation, name="CC du Ternois")
    ConventionPartyFactory(convention=parent, party=party)
    avenant = ConventionFactory(
        organisation=parent.organisation,
        reference="P-1-AV1",
        kind=ConventionKind.AVENANT,
        parent=parent,
        status=ConventionStatus.DRAFT,
        end_date=parent.end_date.replace(year=2024),
        title="Avenant n° 1 à la convention P-1",
    )
    ConventionPartyFactory(convention=avenant, party=party)
    newcomer = PartyFactory(organisation=parent.organisation, name="Commune de Frévent")
    ConventionPartyFactory(convention=avenant, party=newcomer)
    html = documents.render_html(avenant).html
    assert "Avenant n°\u00a01 à la convention P-1" in html
    assert "Date de fin\u202f: 31 décembre 2023 → 31 décembre 2024." in html
    assert "Nouvelle partie\u202f: Commune de Frévent." in html
    # Each change read back from the PDF with its bullet, none left stray at the page's end.
    pdf, pages = documents.render_pdf(html)
    first_page = " ".join(pdf_text(pdf)[1][0].split())
    assert "• Nouvelle partie : Commune de Frévent." in first_page
    assert first_page.count("•") == 2
    assert not first_page.split("Pour la Commune de Frévent,")[1].count("•")


def test_the_command_writes_the_pdf(a13, tmp_path):
    output = tmp_path / "a13.pdf"
    stdout = io.StringIO()
    call_command("convention_pdf", "PDC2023-A13", "-o", str(output), stdout=stdout)
    content = output.read_bytes()
    assert content.startswith(b"%PDF-")
    assert "4 666 €" in " ".join(pdf_text(content)[1])
    assert "PDC2023-A13, version 1" in stdout.getvalue()


def test_a_document_never_loads_anything_but_the_shipped_fonts():
    html = (
        '<html><body><img src="file:///etc/passwd"><img src="http://example.com/x.png">'
        "<p>Texte</p></body></html>"
    )
    pdf, pages = documents.render_pdf(html)
    assert pages == 1 and b"passwd" not in pdf


def test_a_deliberations_conventions_come_in_one_zip(client, run_tasks, no_render):
    import zipfile

    from django_tasks_db.models import DBTaskResult

    from conventions import bundles
    from iscg.models import PreparedFile
    from tests.access import build_world, deliberation_of, with_signed_copy

    world = build_world()
    pk = deliberation_of(world)
    with_signed_copy(world.c2)
    user = world.users["gestionnaire"]
    client.force_login(user)
    page = client.get(reverse("conventions:deliberation_zip", args=[pk])).content.decode()
    assert "Préparer l'archive (3\u00a0conventions)" in page
    step = reverse("conventions:deliberation_zip_progress", args=[pk])
    htmx = {"HTTP_HX_REQUEST": "true"}
    stored = DocumentVersion.objects.count()
    queued = client.post(step, **htmx).content.decode()
    # The request only queues the work (no_render: WeasyPrint would fail it); the fragment
    # polls every 2 s and reads the task's own progress.
    assert "Préparation en cours" in queued and "0\u00a0document prêt sur 3" in queued
    assert 'hx-trigger="load delay:2s"' in queued
    assert DocumentVersion.objects.count() == stored
    client.post(step, **htmx)  # a second click while it is under way queues nothing more
    assert DBTaskResult.objects.filter(task_path="iscg.tasks.prepare_file").count() == 1
    with no_render.allowed():
        run_tasks()
    prepared = PreparedFile.objects.get(builder=bundles.DELIBERATION_BUILDER)
    assert (prepared.done, prepared.total, prepared.user) == (3, 3, user)
    last = client.get(step, **htmx).content.decode()
    assert "3\u00a0documents prêts sur 3" in last and "Télécharger l'archive ZIP" in last
    assert "delay:2s" not in last  # done: no more polling
    response = client.get(reverse("conventions:deliberation_zip_download", args=[pk]))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["A-C1-v1.pdf", "A-C2-signee.pdf", "A-C3-v1.pdf"]
    assert all(archive.read(name).startswith(b"%PDF-") for name in archive.namelist())
    with world.c2.signed_copy.file.open("rb") as copy:
        assert archive.read("A-C2-signee.pdf") == copy.read()
    assert DocumentDownload.objects.filter(user=user).count() == 3
    # The archive is the user's own: a coordinator of the organisation prepares its own.
    client.force_login(world.users["coordinateur"])
    other = client.get(reverse("conventions:deliberation_zip_download", args=[pk]))
    assert other.status_code == 302


def test_the_zip_task_records_its_progress_as_it_goes(client):
    from django_tasks_db.models import DBTaskResult

    from iscg.models import PreparedFile
    from tests.access import build_world, deliberation_of, with_signed_copy
    from tests.queue import run_queue

    world = build_world()
    pk = deliberation_of(world)
    with_signed_copy(world.c2)
    client.force_login(world.users["gestionnaire"])
    client.post(reverse("conventions:deliberation_zip_progress", args=[pk]))
    step = reverse("conventions:deliberation_zip_progress", args=[pk])

    def state():
        return PreparedFile.objects.values_list("done", "total", "status").get()

    assert state() == (0, 3, "en_preparation")
    # Its first look: C2's signed copy is ready, C1 and C3 each get their own render task
    # (which two workers would share), and it waits behind them.
    assert run_queue(max_tasks=1) == 1
    assert state() == (1, 3, "en_preparation")
    renders = DBTaskResult.objects.filter(task_path="conventions.tasks.render_document_version")
    assert renders.filter(status="READY").count() == 2
    page = client.get(step, HTTP_HX_REQUEST="true").content.decode()
    assert "1\u00a0document prêt sur 3" in page and "Préparation en cours" in page
    assert run_queue(max_tasks=1) == 1  # one PDF rendered: the page moves
    assert state() == (2, 3, "en_preparation")
    run_queue()  # the last PDF, then the archive
    assert state() == (3, 3, "pret")
    page = client.get(step, HTTP_HX_REQUEST="true").content.decode()
    assert "3\u00a0documents prêts sur 3" in page


def test_a_zip_whose_pdf_cannot_be_produced_says_why_and_offers_to_resume(client, run_tasks):
    from django.core.exceptions import ValidationError

    from conventions import bundles
    from tests.access import build_world, deliberation_of

    world = build_world()
    pk = deliberation_of(world)
    client.force_login(world.users["gestionnaire"])
    original = bundles.bundle_document

    def failing(convention, user, *, produce):
        if produce and convention.reference == "A-C3":
            raise ValidationError("Le texte de la convention est vide.")
        return original(convention, user, produce=produce)

    bundles.bundle_document = failing
    try:
        client.post(reverse("conventions:deliberation_zip_progress", args=[pk]))
        run_tasks()
    finally:
        bundles.bundle_document = original
    page = client.get(reverse("conventions:deliberation_zip", args=[pk])).content.decode()
    assert "A-C3 : Le texte de la convention est vide." in page
    assert "Reprendre la préparation" in page
    download = client.get(reverse("conventions:deliberation_zip_download", args=[pk]))
    assert download.status_code == 302


def test_reading_the_zip_pages_writes_no_document(client):
    from django_tasks_db.models import DBTaskResult

    from tests.access import build_world, deliberation_of

    world = build_world()
    pk = deliberation_of(world)
    client.force_login(world.users["gestionnaire"])
    stored = DocumentVersion.objects.count()
    page = client.get(reverse("conventions:deliberation_zip", args=[pk]))
    step = client.get(reverse("conventions:deliberation_zip_progress", args=[pk]))
    download = client.get(reverse("conventions:deliberation_zip_download", args=[pk]))
    assert page.status_code == step.status_code == 200
    assert "Préparer l'archive (3\u00a0conventions)" in step.content.decode()
    assert download.status_code == 302  # back to the page: the archive is to prepare first
    assert download["Location"] == reverse("conventions:deliberation_zip", args=[pk])
    assert DocumentVersion.objects.count() == stored
    assert not DBTaskResult.objects.exists()
    # Without htmx, the button's POST queues the preparation and comes back to the page.
    response = client.post(reverse("conventions:deliberation_zip_progress", args=[pk]))
    assert response.status_code == 302
    assert DocumentVersion.objects.count() == stored
    assert DBTaskResult.objects.get().task_path == "iscg.tasks.prepare_file"


WORDING_TEXT = {
    "title": "Convention de test",
    "parties_block": "Entre :\n\n{{ bloc.parties }}",
    "preamble": "{{ employeur.avec_article }} impulse la création du poste, dont "
    "{{ employeur.pronom }} est l'employeur.",
    "articles": [
        {
            "title": "Autorités",
            "body": "- Sous l'autorité fonctionnelle de {{ autorite_fonctionnelle.avec_article }}\n"
            "- Sous l'autorité hiérarchique de {{ autorite_hierarchique.avec_article }}\n"
            "- Avec le concours de {{ departement.avec_article }}",
        },
        {
            "title": "Durée",
            "body": "La convention court {{ convention.periode }}. Elle est conclue pour une "
            "durée de {{ convention.duree }}.",
        },
    ],
    "closing": "Fait à {{ convention.lieu_signature }}, le {{ convention.date_signature }}.",
}


def wording_convention(*, start, end, employer_name="Communauté de communes du Ternois"):
    """A draft whose employer, authorities and Département exercise the article rules."""
    convention = ConventionFactory(
        status=ConventionStatus.DRAFT,
        start_date=start,
        end_date=end,
        signature_place="Arras",
    )
    org = convention.organisation
    parties = [
        (
            "Groupement de Gendarmerie Départementale du Pas-de-Calais",
            "gendarmerie",
            {"is_functional_authority": True},
        ),
        (employer_name, "epci", {"is_employer": True, "is_hierarchical_authority": True}),
        ("Le Conseil général du Pas-de-Calais", "departement", {}),
    ]
    for name, kind, roles in parties:
        party = PartyFactory(organisation=org, name=name, kind=kind)
        representative = RepresentativeFactory(party=party, name=f"Signataire {kind}")
        ConventionPartyFactory(
            convention=convention, party=party, representative=representative, **roles
        )
    services.convention_text_save(convention=convention, text=WORDING_TEXT)
    return Convention.objects.get(pk=convention.pk)


def test_generated_sentences_read_right_in_the_pdf():
    from datetime import date

    convention = wording_convention(start=date(2010, 3, 15), end=date(2013, 3, 14))
    document = services.convention_document(convention=convention)
    _, pages = pdf_text(stored_bytes(document))
    text = " ".join(pages)
    assert "Sous l'autorité fonctionnelle du Groupement de Gendarmerie Départementale" in text
    assert "Sous l'autorité hiérarchique de la Communauté de communes du Ternois" in text
    assert "Avec le concours du Conseil général du Pas-de-Calais" in text
    assert "de le " not in text and "à le " not in text
    assert (
        "La Communauté de communes du Ternois impulse la création du poste, dont elle est l'employeur."
        in text
    )
    assert "La Communauté de communes du Ternois, représentée par" in text
    assert "du 15 mars 2010 au 14 mars 2013, soit trois ans" in text
    assert "pour une durée de trois ans." in text
    assert "…………" not in text.split("Fait à")[0]  # only the signature date is still unknown


def test_a_duration_that_is_not_whole_months_is_written_in_words():
    from datetime import date

    convention = wording_convention(
        start=date(2010, 3, 15), end=date(2011, 5, 24), employer_name="Département du Nord"
    )
    _, pages = pdf_text(stored_bytes(services.convention_document(convention=convention)))
    text = " ".join(pages)
    assert "du 15 mars 2010 au 24 mai 2011, soit un an, deux mois et dix jours" in text
    assert "pour une durée d'un an, deux mois et dix jours." in text
    assert "Le Département du Nord impulse la création du poste, dont il est l'employeur." in text


def test_the_national_model_reads_right_for_quimper(demo_data):
    convention = Convention.objects.get(reference="QUIMPER2023")
    html = documents.render_html(convention).html.replace("&#x27;", "'")
    assert "dont il est l'employeur" in html  # the Département employs the Quimper worker
    assert "de le " not in html and "à le " not in html and "de les " not in html


# --------------------------------------------------------------------------- PROJET and layout


LONG_ARTICLE = (
    "L'intervenant social accueille, écoute et oriente les personnes qui se présentent au "
    "commissariat ou à la brigade, victimes ou mises en cause, et fait le lien avec les services "
    "sociaux du territoire. "
) * 6


def long_draft(articles: int):
    from datetime import date

    convention = wording_convention(start=date(2024, 1, 1), end=date(2024, 12, 31))
    text = {
        **WORDING_TEXT,
        "articles": [{"title": f"Article long {n}", "body": LONG_ARTICLE} for n in range(articles)],
    }
    services.convention_text_save(convention=convention, text=text)
    return Convention.objects.get(pk=convention.pk)


def test_a_draft_pdf_says_projet_on_every_page_and_the_signed_one_never():
    convention = long_draft(articles=9)
    manager = UserFactory(gestionnaire=True, organisation=convention.organisation)
    draft = services.convention_document(convention=convention)
    reader, pages = pdf_text(stored_bytes(draft))
    assert len(pages) >= 3
    assert all("PROJET" in page for page in pages)

    sent = services.convention_send_to_signature(convention=convention, by=manager)
    _, pages = pdf_text(stored_bytes(sent))
    assert sent.is_frozen and all("PROJET" in page for page in pages)  # not signed yet
    # A party's representative changes after sending: the signed document keeps the text sent.
    rep = convention.memberships.get(is_employer=True).representative
    rep.name = "Nouveau NOM"
    rep.save()
    for membership in convention.memberships.filter(is_signatory=True):
        services.convention_sign(
            convention=convention,
            party=membership.party,
            signed_on=date_today(),
            signatory_name="X",
            by=manager,
        )
    convention = Convention.objects.get(pk=convention.pk)
    signed = services.convention_document(convention=convention)
    assert signed.pk != sent.pk and signed.is_frozen and signed.input_hash != sent.input_hash
    _, pages = pdf_text(stored_bytes(signed))
    assert not any("PROJET" in page for page in pages)
    assert "Signataire epci" in " ".join(pages) and "Nouveau NOM" not in " ".join(pages)
    # The text sent, then its certificate of signature on a page of its own.
    assert len(pages) == services.document_rendered(sent).pages + 1
    assert "Certificat de signature" in pages[-1] and signed.is_sealed
    # Served again without a new render, and the same one the bundle or the page would find.
    with mock.patch.object(documents, "render_pdf", side_effect=AssertionError):
        assert services.convention_document(convention=convention) == signed
    assert services.stored_document(convention=convention) == signed


def test_a_signed_convention_never_prints_projet():
    convention = ConventionFactory(status=ConventionStatus.SIGNED, signature_place="Arras")
    ConventionPartyFactory(convention=convention)
    _, pages = pdf_text(stored_bytes(services.convention_document(convention=convention)))
    assert pages and not any("PROJET" in page for page in pages)
    assert documents.is_projet(convention) is False
    convention.status = ConventionStatus.ABANDONED
    assert documents.is_projet(convention) is True


def test_the_closing_formula_stays_on_the_page_of_the_signatures(demo_data):
    """A08, A10 and A12 end with a two-paragraph closing right at a page's foot: before the fix
    "Fait à Arras" closed page 5 and the signatures opened page 6."""
    for reference in ("PDC2023-A08", "PDC2023-A10", "PDC2023-A12"):
        convention = Convention.objects.get(reference=reference)
        document = services.convention_document(convention=convention)
        _, pages = pdf_text(stored_bytes(document))
        blocks = documents.signature_blocks(convention)
        first, last = (f"Pour {b.party}," for b in (blocks[0], blocks[-1]))
        closing = [n for n, page in enumerate(pages) if "Fait à" in page]
        assert len(closing) == 1 and len(pages) > 1, reference
        assert first in pages[closing[0]] and last in pages[closing[0]], (reference, closing)
        assert closing[0] == len(pages) - 2  # the last page: the certificate of signature
        assert "Certificat de signature" in pages[-1]


def date_today():
    from django.utils import timezone

    return timezone.localdate()


def test_a_written_representation_clause_follows_the_party_name():
    """A membership whose wording is only "représenté par …" (the CCAS de Dijon) is named first:
    an avenant's parties block never starts with "Représenté par"."""
    from conventions.documents import PartyView
    from conventions.models import ConventionParty, Party

    party = Party(name="Le Centre Communal d'Action Sociale de Dijon", kind="ccas_cias")
    clause = "représenté par son Président en exercice, et par délégation par M. HOAREAU"
    view = PartyView(ConventionParty(party=party, wording=clause))
    assert view.designation == f"Le Centre Communal d'Action Sociale de Dijon, {clause}"
    view = PartyView(ConventionParty(party=party, wording="la ville, représentée par X"))
    assert view.designation == "La ville, représentée par X"


def test_a_version_is_decided_in_the_transaction_and_rendered_by_the_worker(a13, run_tasks):
    """As pretix does: the row (number, HTML, hash) is written in the transaction; the PDF is
    rendered by the worker, no lock held, no web request waiting for WeasyPrint."""
    from django_tasks_db.models import DBTaskResult

    _never_sent(a13)
    with mock.patch.object(documents, "render_pdf", wraps=documents.render_pdf) as render:
        version = services.convention_document(convention=a13)
        assert render.call_count == 0
        assert not version.is_rendered and version.html and version.input_hash
        (queued,) = DBTaskResult.objects.filter(
            task_path="conventions.tasks.render_document_version"
        )
        assert queued.args_kwargs["kwargs"]["version_id"] == version.pk
        assert run_tasks() == 1
        assert render.call_count == 1
        version.refresh_from_db()
        assert version.is_rendered and version.sha256 and version.pages >= 4
        # Rendered once: a reader afterwards, or the task run again, renders nothing.
        services.document_rendered(version)
        services.document_version_render(version_id=version.pk)
        assert render.call_count == 1


def test_a_reader_renders_a_version_whose_render_has_not_run(a13):
    _never_sent(a13)
    version = services.convention_document(convention=a13)  # never committed in a test
    assert not version.is_rendered
    assert stored_bytes(version).startswith(b"%PDF-")
    assert DocumentVersion.objects.get(pk=version.pk).is_rendered
