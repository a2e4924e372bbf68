"""The world of the access matrix: two organisations and one user per role.

Organisation A: conventions C1 (signed; the partner's party and the intervenant's post are in it),
C2 (signed; neither), C3 (draft; the partner's party is in it). Organisation B: its own gestionnaire,
coordinator and convention. So each role meets objects in and out of its scope: the partner is "a
partner of another party" on C2, the intervenant "the intervenant of another post" on C2 and on the
other post's bilans. Each page adds its URL to MATRIX (GET) and to WRITES or READS (POST) in
test_access_matrix.py.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db import connection

from conventions.models import ConventionStatus
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    OrganisationFactory,
    PartyFactory,
    PostFactory,
    UserFactory,
)

ROLES = [
    "anonyme",
    "gestionnaire",
    "gestionnaire_autre_org",
    "coordinateur",
    "coordinateur_autre_org",
    "partenaire",
    "intervenant",
    "admin",
]


@dataclass
class World:
    org: object
    other_org: object
    party: object
    other_party: object
    post: object
    other_post: object
    c1: object
    c2: object
    c3: object
    c_other_org: object
    users: dict


def build_world() -> World:
    org = OrganisationFactory(name="Département A", slug="dept-a")
    other_org = OrganisationFactory(name="Département B", slug="dept-b")
    party = PartyFactory(organisation=org, slug="cc-ternois", name="CC du Ternois")
    other_party = PartyFactory(organisation=org, slug="cu-arras", name="CU d'Arras")
    post = PostFactory(organisation=org, employer=party)
    other_post = PostFactory(organisation=org, employer=other_party)
    c1 = ConventionFactory(organisation=org, reference="A-C1", status=ConventionStatus.SIGNED)
    c1.posts.add(post)
    ConventionPartyFactory(convention=c1, party=party)
    c2 = ConventionFactory(organisation=org, reference="A-C2", status=ConventionStatus.SIGNED)
    c2.posts.add(other_post)
    ConventionPartyFactory(convention=c2, party=other_party)
    c3 = ConventionFactory(organisation=org, reference="A-C3", status=ConventionStatus.DRAFT)
    ConventionPartyFactory(convention=c3, party=party)
    b_party = PartyFactory(organisation=other_org)
    c_other_org = ConventionFactory(organisation=other_org, reference="B-C1")
    ConventionPartyFactory(convention=c_other_org, party=b_party)
    users = {
        "anonyme": None,
        "gestionnaire": UserFactory(gestionnaire=True, organisation=org),
        "gestionnaire_autre_org": UserFactory(gestionnaire=True, organisation=other_org),
        "coordinateur": UserFactory(coordinateur=True, organisation=org),
        "coordinateur_autre_org": UserFactory(coordinateur=True, organisation=other_org),
        "partenaire": UserFactory(partenaire=True, party=party, organisation=org),
        "intervenant": UserFactory(intervenant=True, post=post, organisation=org),
        "admin": UserFactory(admin=True),
    }
    return World(
        org, other_org, party, other_party, post, other_post, c1, c2, c3, c_other_org, users
    )


# --------------------------------------------------------------------------- "nothing written"

#: Tables a request may write whoever asks (the session, login attempts), or never writes.
UNWATCHED_APPS = {"sessions", "axes", "contenttypes", "admin", "auth"}


def _watched_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in UNWATCHED_APPS
        and not model._meta.proxy
        and model._meta.managed
    )


def database_state() -> dict[str, list[tuple]]:
    """Every row of every table of the project: comparing two states proves a request wrote
    nothing (no row created, changed or deleted, history included). Plain SQL, one query per
    table: the world is small, and the matrix takes this twice per case."""
    state = {}
    with connection.cursor() as cursor:
        for table in _watched_tables():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            state[table] = cursor.fetchall()
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


# --------------------------------------------------------------------------- documents (issue 5)


def minimal_pdf() -> bytes:
    """A one-page PDF, as a scanner would produce (pypdf)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def with_signed_copy(convention) -> str:
    """Give the convention a signed copy (stored document v1); return its reference."""
    import hashlib

    from django.core.files.base import ContentFile

    from conventions.models import DocumentKind, DocumentVersion

    content = minimal_pdf()
    document = DocumentVersion(
        convention=convention,
        number=1,
        kind=DocumentKind.SIGNED_COPY,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        pages=1,
    )
    document.file.save("copie.pdf", ContentFile(content), save=False)
    document.save()
    return convention.reference


def document_template(organisation=None):
    """A template of the organisation (None: shared) with one version; return it."""
    from conventions.models import ConventionKind, DocumentTemplate, TemplateVersion

    template = DocumentTemplate.objects.create(
        organisation=organisation,
        slug=f"modele-{organisation.slug if organisation else 'commun'}",
        name="Modèle de test",
        kind=ConventionKind.FINANCEMENT,
    )
    TemplateVersion.objects.create(
        template=template,
        number=1,
        title="{{ convention.titre }}",
        parties_block="Entre :\n\n{{ bloc.parties }}",
        articles=[{"title": "Objet", "body": "Financement du poste {{ poste.intitule }}."}],
        closing="Fait à {{ convention.lieu_signature }}.",
    )
    return template


def deliberation_of(world) -> int:
    """A deliberation of organisation A authorising C1 and C2 (bulk ZIP); return its pk."""
    from datetime import date

    from conventions.models import Deliberation

    deliberation = Deliberation.objects.create(
        party=world.party, body="Commission permanente", date=date(2023, 7, 3), number="2023-332"
    )
    for convention in (world.c1, world.c2, world.c3):
        convention.deliberations.add(deliberation)
    return deliberation.pk


def _share_line(world: World):
    """A stored financing line of C1 for the partner's party (created on first use)."""
    from financing.models import FinancingPlan, PlanYear, ShareLine

    plan, _ = FinancingPlan.objects.get_or_create(
        convention=world.c1, defaults={"post": world.post}
    )
    PlanYear.objects.get_or_create(plan=plan, year=2023, defaults={"months": 12, "cost": 1000})
    line, _ = ShareLine.objects.get_or_create(
        plan=plan,
        year=2023,
        party=world.party,
        defaults={
            "convention": world.c1,
            "post": world.post,
            "organisation": world.org,
            "amount": 500,
        },
    )
    return line


World.share_line = _share_line
