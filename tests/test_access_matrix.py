"""Every URL of the project, for every role and method: 200 where allowed, 403/404 where not,
302 to login when anonymous; a POST refused writes nothing. A URL added to the URL conf without
an entry here (in MATRIX for GET, in WRITES or READS for POST) makes this test fail."""

import json
from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conventions.models import Deliberation
from financing import engine
from financing import services as financing_services
from tests.access import (
    ROLES,
    build_world,
    changed_tables,
    database_state,
    deliberation_of,
    document_template,
    minimal_pdf,
    with_signed_copy,
)
from tests.conflicts import page_version
from tests.factories import BilanFactory, PaymentFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db

# URL names that need no login (Django's auth pages and the invitation link).
PUBLIC = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "invitation_accept",
    "deadlines_feed",  # signed token instead of a session; tested in test_deadlines.py
}
# Django's own password change pages: any signed-in user, tested by Django.
IGNORED = {"password_change", "password_change_done"}

OK, DENIED, NOT_FOUND, LOGIN, REDIRECT = 200, 403, 404, 302, 302


def expect(
    gest=OK,
    other=NOT_FOUND,
    coord=OK,
    partner=NOT_FOUND,
    interv=NOT_FOUND,
    admin=OK,
    other_coord=None,
):
    """Expected status per role. The coordinator of another organisation (``other_coord``)
    gets, unless told: 404 where the other gestionnaire does (out of its scope), else what the
    coordinator gets (its role decides)."""
    if other_coord is None:
        other_coord = NOT_FOUND if other == NOT_FOUND else coord
    return {
        "anonyme": LOGIN,
        "gestionnaire": gest,
        "gestionnaire_autre_org": other,
        "coordinateur": coord,
        "coordinateur_autre_org": other_coord,
        "partenaire": partner,
        "intervenant": interv,
        "admin": admin,
    }


EVERYONE = expect(other=OK, partner=OK, interv=OK)

# Bilans (reporting): the lambdas create the bilans they need in the world's posts.
_STAFF_ONLY = expect(other=OK, partner=DENIED, interv=DENIED)
_ENTRY = expect(coord=DENIED, admin=DENIED, interv=OK)
_ENTRY_OTHER_POST = expect(coord=DENIED, admin=DENIED)
_GESTIONNAIRE_ONLY = expect(other=OK, coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED)
REPORTING = {
    "reporting:current_year": [
        (
            "redirection",
            lambda w: {},
            expect(
                gest=REDIRECT,
                other=REDIRECT,
                coord=REDIRECT,
                partner=DENIED,
                interv=REDIRECT,
                admin=REDIRECT,
            ),
        )
    ],
    **{
        name: [("année 2022", lambda w: {"year": 2022}, _STAFF_ONLY)]
        for name in (
            "reporting:dashboard",
            "reporting:dashboard_xlsx",
            "reporting:dashboard_csv",
            "reporting:dashboard_pdf",
        )
    },
    "reporting:bilan_list": [("liste", lambda w: {}, expect(other=OK, partner=DENIED, interv=OK))],
    "reporting:bilan_detail": [
        (
            "bilan du poste de l'intervenant",
            lambda w: {"pk": BilanFactory(post=w.post).pk},
            expect(interv=OK),
        ),
        ("bilan d'un autre poste", lambda w: {"pk": BilanFactory(post=w.other_post).pk}, expect()),
    ],
    **{
        name: [
            (
                "brouillon du poste de l'intervenant",
                lambda w: {"pk": BilanFactory(post=w.post).pk},
                _ENTRY,
            ),
            (
                "brouillon d'un autre poste",
                lambda w: {"pk": BilanFactory(post=w.other_post).pk},
                _ENTRY_OTHER_POST,
            ),
        ]
        for name in ("reporting:bilan_edit", "reporting:bilan_submit")
    },
    "reporting:bilan_review": [
        (
            "bilan transmis",
            lambda w: {"pk": BilanFactory(post=w.post, submitted=True).pk},
            expect(gest=DENIED, interv=DENIED, admin=DENIED),
        )
    ],
    "reporting:bilan_create": [
        ("poste de l'intervenant", lambda w: {"post_pk": w.post.pk, "year": 2023}, _ENTRY),
        ("autre poste", lambda w: {"post_pk": w.other_post.pk, "year": 2023}, _ENTRY_OTHER_POST),
    ],
    "reporting:committee_pack": [
        (
            "dossier du comité",
            lambda w: {"post_pk": w.post.pk, "year": 2023},
            expect(partner=DENIED, interv=DENIED),
        )
    ],
    "reporting:import": [("import", lambda w: {}, _GESTIONNAIRE_ONLY)],
    "reporting:import_template": [("modèle", lambda w: {}, _GESTIONNAIRE_ONLY)],
}


def _collection_import(world) -> int:
    """A file of collection returns deposited by organisation A (not read yet); its pk."""
    from financing.models import CollectionImport

    return CollectionImport.objects.create(
        organisation=world.org, filename="retour.csv", content=b"numero_titre;date;montant\n"
    ).pk


def _import_job(world, *, by: str | None = "gestionnaire", other_org: bool = False) -> dict:
    """A spreadsheet deposited for an import (queued, not run yet) by the role's user, or by a second
    gestionnaire of organisation A (``by=None``); its URL kwargs."""
    from iscg.models import ImportJob
    from iscg.tasks import run_import
    from tests.factories import UserFactory

    organisation = world.other_org if other_org else world.org
    user = world.users[by] if by else UserFactory(gestionnaire=True, organisation=organisation)
    job = ImportJob.objects.create(
        user=user,
        organisation=organisation,
        importer="conventions.reference_imports.parties_job",
        label="Import de parties",
        filename="parties.csv",
        content=b"nature;denomination\r\ncommune;Commune de la matrice\r\n",
    )
    run_import.enqueue(job_id=job.pk, organisation_id=organisation.pk)
    return {"token": job.token}


_UPLOADER_AND_ITS_GESTIONNAIRES = expect(coord=NOT_FOUND, other_coord=NOT_FOUND, admin=NOT_FOUND)


def _terminated(convention) -> dict:
    """Record a résiliation on the convention (as the service would); its URL kwargs."""
    from datetime import date

    convention.termination_kind = "resiliation"
    convention.termination_notice_date = date(2023, 5, 2)
    convention.termination_effective_date = date(2023, 6, 1)
    convention.termination_reason = "Poste supprimé"
    convention.save()
    return {"reference": convention.reference}


# Ending a convention (dénonciation, résiliation) and its letter.
ENDING = {
    **{
        name: [
            (
                "convention du partenaire",
                lambda w: {"reference": w.c1.reference},
                expect(coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
            ),
            (
                "convention d'une autre partie",
                lambda w: {"reference": w.c2.reference},
                expect(coord=DENIED, admin=DENIED),
            ),
        ]
        for name in ("conventions:denounce", "conventions:terminate")
    },
    "conventions:termination_letter": [
        (
            "lettre d'une résiliation",
            lambda w: _terminated(w.c1),
            expect(partner=DENIED, interv=DENIED),
        ),
        (
            "aucune fin enregistrée",
            lambda w: {"reference": w.c2.reference},
            expect(gest=NOT_FOUND, coord=NOT_FOUND, admin=NOT_FOUND, partner=DENIED, interv=DENIED),
        ),
    ],
}


def _prepared_zip(world, role: str) -> str:
    """A signed conventions' ZIP the worker stored for the role's user; its token."""
    from django.core.files.base import ContentFile

    from conventions import bundles
    from iscg.models import PreparedFile

    prepared = PreparedFile.objects.create(
        user=world.users[role],
        organisation=world.org,
        builder=bundles.SIGNED_BUILDER,
        key=role,
        label="Archive ZIP des conventions signées",
        filename="conventions-signees.zip",
        content_type="application/zip",
        params={"conventions": [world.c1.pk], "documents": []},
        status=PreparedFile.Status.READY,
    )
    prepared.file.save("conventions-signees.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    return str(prepared.token)


# The text editor: a draft with two versions of its own text, a template with two versions.
_MATRIX_TEXT = {
    "title": "Convention de financement du poste",
    "parties_block": "Entre :\n\n{{ bloc.parties }}",
    "articles": [
        {"title": "Objet", "body": "Financement du poste."},
        {"title": "Durée", "body": "Un an."},
    ],
    "closing": "Fait à Arras.",
}


def _c3_texted(world) -> dict:
    from conventions import services

    for closing in ("Fait à Arras.", "Fait à Lille."):
        services.convention_text_save(
            convention=world.c3, text={**_MATRIX_TEXT, "closing": closing}
        )
    return {"reference": world.c3.reference}


def _c3_version(world) -> dict:
    return {**_c3_texted(world), "number": 1}


def _template_with_two_versions(organisation) -> dict:
    from conventions import services

    template = document_template(organisation)
    text = template.current_version.as_text()
    services.template_save(template=template, text={**text, "closing": "Fait à Lille."}, by=None)
    return {"pk": template.pk, "number": 1}


def failed_task_of(world) -> str:
    """A task of the world's organisation that failed after every attempt."""
    from django.tasks import TaskResultStatus
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    result = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {"key": "x", "organisation_id": world.org.pk}},
        task_path="iscg.tasks.send_email",
        backend_name="default",
        run_after=timezone.now(),
        status=TaskResultStatus.FAILED,
        traceback="SMTPServerDisconnected: Connection unexpectedly closed",
        worker_ids=["a", "b", "c", "d", "e"],
    )
    return str(result.pk)


_TASKS_PAGE = expect(other=OK, coord=DENIED, partner=DENIED, interv=DENIED)


# Reference data pages of a gestionnaire (conventions/reference_views.py, financing/budget_views.py).
_NEW_REFERENCE = expect(other=OK, coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED)


def _representative(world) -> dict:
    return {"party_pk": world.party.pk, "pk": RepresentativeFactory(party=world.party).pk}


def _deliberation(world) -> dict:
    deliberation = Deliberation.objects.create(
        party=world.party, body="Conseil communautaire", date=date(2023, 6, 1)
    )
    return {"pk": deliberation.pk}


REFERENCE = {
    **{
        name: [("nouvelle", lambda w: {}, _NEW_REFERENCE)]
        for name in (
            "conventions:party_create",
            "conventions:party_import",
            "conventions:post_create",
            "conventions:post_import",
            "conventions:deliberation_create",
        )
    },
    "conventions:party_edit": [
        (
            "partie du partenaire",
            lambda w: {"pk": w.party.pk},
            expect(coord=DENIED, partner=DENIED, admin=DENIED),
        ),
        ("autre partie", lambda w: {"pk": w.other_party.pk}, expect(coord=DENIED, admin=DENIED)),
    ],
    "conventions:representative_create": [
        (
            "représentant de la partie du partenaire",
            lambda w: {"party_pk": w.party.pk},
            expect(coord=DENIED, partner=DENIED, admin=DENIED),
        ),
        (
            "représentant d'une autre partie",
            lambda w: {"party_pk": w.other_party.pk},
            expect(coord=DENIED, admin=DENIED),
        ),
    ],
    "conventions:representative_edit": [
        (
            "représentant de la partie du partenaire",
            _representative,
            expect(coord=DENIED, partner=DENIED, admin=DENIED),
        )
    ],
    "conventions:deliberation_list": [
        ("délibérations", lambda w: {}, expect(other=OK, partner=DENIED, interv=DENIED))
    ],
    "conventions:deliberation_edit": [
        (
            "délibération de la partie du partenaire",
            _deliberation,
            expect(coord=DENIED, partner=DENIED, admin=DENIED),
        )
    ],
    "conventions:post_edit": [
        (
            "poste de l'intervenant",
            lambda w: {"pk": w.post.pk},
            expect(coord=DENIED, interv=DENIED, admin=DENIED),
        ),
        ("autre poste", lambda w: {"pk": w.other_post.pk}, expect(coord=DENIED, admin=DENIED)),
    ],
    "financing:budget_line": [("exercice 2027", lambda w: {"year": 2027}, _NEW_REFERENCE)],
}


# Word processor files and returned texts (issue 17, conventions/office_views.py).
def _intervenants_draft(world) -> dict:
    """C3, the partner's draft, covering the intervenant's post too: the intervenant sees
    the draft, not its PDF (one rule for every document URL, issue 18)."""
    world.c3.posts.add(world.post)
    return {"reference": world.c3.reference}


def _draft_version(world) -> dict:
    """A generated version (v1, not frozen, not rendered yet) of the intervenant's draft."""
    from conventions.models import DocumentKind, DocumentVersion

    kwargs = _intervenants_draft(world)
    DocumentVersion.objects.create(
        convention=world.c3, number=1, kind=DocumentKind.GENERATED, html="<p>Projet</p>"
    )
    return {**kwargs, "number": 1}


def _funder_only(world) -> str:
    """C1 with the partner's party a funder that does not sign (« party to » is the rule)."""
    world.c1.memberships.filter(party=world.party).update(is_signatory=False, is_funder=True)
    return world.c1.reference


def _returned_of(convention, closing: str = "Fait à Lille, en deux exemplaires.") -> int:
    """A text sent back for ``convention``: its own text, the closing changed."""
    from conventions import documents, office
    from conventions.models import ReturnedText

    text = office.plain_text(office.structure(documents.render_html(convention).html).blocks)
    text["closing"] = closing
    return ReturnedText.objects.create(
        convention=convention, format="docx", sha256="0" * 64, text=text
    ).pk


def _c3_returned(world) -> dict:
    return {"reference": world.c3.reference, "pk": _returned_of(world.c3)}


def _c3_docx(world) -> dict:
    from conventions import documents, office

    content = office.to_docx(office.structure(documents.render_html(world.c3).html))
    return {"file": SimpleUploadedFile("retour.docx", content)}


def _take_closing(world) -> dict:
    from conventions import office_services
    from conventions.models import ReturnedText

    returned = ReturnedText.objects.filter(convention=world.c3).latest("pk")
    part = next(
        p for p in office_services.returned_comparison(world.c3, returned) if p.part.changed
    )
    return {"part": str(part.index), "empreinte": part.fingerprint}


# name → list of (case label, kwargs builder, expected status per role)


def invitation_of(world) -> int:
    """An open invitation of the world's organisation, for its « Révoquer » page."""
    from iscg import services as accounts

    new = accounts.invitation_create(
        by=world.users["gestionnaire"],
        email="revoquer@example.fr",
        role="partenaire",
        party=world.party,
    )
    return new.invitation.pk


MATRIX = {
    "home": [("accueil", lambda w: {}, EVERYONE)],
    # The accessibility statement: public, signed in or not (tests/iscg/test_accessibility.py).
    "accessibility": [("déclaration", lambda w: {}, {**EVERYONE, "anonyme": OK})],
    "task_failures": [("tâches en échec", lambda w: {}, _TASKS_PAGE)],
    "task_restart": [
        (
            "relancer une tâche",
            lambda w: {"pk": failed_task_of(w)},
            expect(
                other=NOT_FOUND,
                other_coord=DENIED,
                coord=DENIED,
                partner=DENIED,
                interv=DENIED,
            ),
        )
    ],
    # Every signed-in user chooses its own notices (tests/iscg/test_emails.py).
    "notice_preferences": [("mes notifications", lambda w: {}, EVERYONE)],
    # The organisation's e-mail log: its staff (another organisation's sees its own, empty);
    # the filter by another organisation's convention is a 404 (tests/iscg/test_emails.py).
    "conventions:email_log": [
        ("e-mails envoyés", lambda w: {}, expect(other=OK, partner=DENIED, interv=DENIED))
    ],
    "invitation_create": [
        (
            "inviter",
            lambda w: {},
            expect(other=OK, coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        )
    ],
    # « Révoquer » an invitation: its organisation's gestionnaires (tests/iscg/test_invitations_logins.py).
    "invitation_revoke": [
        (
            "révoquer une invitation de l'organisation",
            lambda w: {"pk": invitation_of(w)},
            expect(
                other=NOT_FOUND,
                other_coord=DENIED,
                coord=DENIED,
                partner=DENIED,
                interv=DENIED,
                admin=DENIED,
            ),
        )
    ],
    "conventions:list": [("liste", lambda w: {}, EVERYONE)],
    # POST only (the list's actions on the ticked conventions): GET answers 405 to everyone.
    "conventions:bulk": [
        (
            "actions groupées",
            lambda w: {},
            expect(gest=405, other=405, coord=405, partner=405, interv=405, admin=405),
        )
    ],
    "wizard_start": [
        (
            "nouvelle convention",
            lambda w: {},
            expect(other=OK, coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        )
    ],
    "wizard_parties": [
        (
            "parties d'un brouillon",
            lambda w: {"reference": w.c3.reference},
            expect(coord=DENIED, partner=NOT_FOUND, interv=NOT_FOUND, admin=DENIED),
        ),
    ],
    "wizard_info": [
        (
            "informations d'un brouillon",
            lambda w: {"reference": w.c3.reference},
            expect(coord=DENIED, partner=NOT_FOUND, interv=NOT_FOUND, admin=DENIED),
        ),
    ],
    "deadlines": [("échéances", lambda w: {}, expect(other=OK, partner=DENIED, interv=DENIED))],
    "deadlines_ics": [("iCalendar", lambda w: {}, expect(other=OK, partner=DENIED, interv=DENIED))],
    # « Régénérer le lien » of one's own calendar feed (tests/conventions/test_calendar_feed.py).
    "deadlines_feed_regenerate": [
        (
            "régénérer le lien d'agenda",
            lambda w: {},
            expect(other=OK, partner=DENIED, interv=DENIED),
        )
    ],
    "conventions:detail": [
        (
            "convention du partenaire",
            lambda w: {"reference": w.c1.reference},
            expect(partner=OK, interv=OK),
        ),
        ("convention d'une autre partie", lambda w: {"reference": w.c2.reference}, expect()),
        ("brouillon du partenaire", lambda w: {"reference": w.c3.reference}, expect()),
        (
            "convention d'une autre organisation",
            lambda w: {"reference": w.c_other_org.reference},
            expect(gest=NOT_FOUND, other=OK, coord=NOT_FOUND, other_coord=OK),
        ),
    ],
    "conventions:post_list": [
        ("liste", lambda w: {}, expect(other=OK, partner=DENIED, interv=DENIED))
    ],
    "conventions:post_detail": [
        ("poste de l'intervenant", lambda w: {"pk": w.post.pk}, expect(interv=OK)),
        ("autre poste", lambda w: {"pk": w.other_post.pk}, expect()),
    ],
    "conventions:party_list": [
        ("liste", lambda w: {}, expect(other=OK, partner=DENIED, interv=DENIED))
    ],
    "conventions:plan": [
        (
            "plan de la convention du partenaire",
            lambda w: {"reference": w.c1.reference},
            expect(partner=DENIED, interv=DENIED),
        ),
        ("plan d'une autre convention", lambda w: {"reference": w.c2.reference}, expect()),
    ],
    "conventions:plan_apply": [
        (
            "appliquer le plan d'un poste (confirmation)",
            lambda w: _draft_two_posts_with_plan(w),
            expect(coord=DENIED, partner=NOT_FOUND, interv=DENIED, admin=DENIED),
        ),
        (
            "appliquer le plan d'une convention signée",
            lambda w: _signed_two_posts_with_plan(w),
            expect(gest=DENIED, coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        ),
    ],
    "conventions:plan_preview": [
        (
            "aperçu",
            lambda w: {"reference": w.c1.reference},
            expect(coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        ),
        (
            "aperçu d'une autre organisation",
            lambda w: {"reference": w.c_other_org.reference},
            expect(other=OK, gest=NOT_FOUND, coord=NOT_FOUND, admin=DENIED, other_coord=DENIED),
        ),
    ],
    "financing:current_year": [
        (
            "redirection",
            lambda w: {},
            expect(
                gest=REDIRECT,
                other=REDIRECT,
                coord=REDIRECT,
                partner=REDIRECT,
                interv=DENIED,
                admin=REDIRECT,
            ),
        )
    ],
    "financing:payment_add": [
        (
            "titre sur une part du partenaire",
            lambda w: {"pk": w.share_line().pk},
            expect(coord=DENIED, partner=DENIED, interv=NOT_FOUND, admin=DENIED),
        )
    ],
    **{
        name: [
            (
                "titre sur une part du partenaire",
                lambda w: {"pk": PaymentFactory(share_line=w.share_line()).pk},
                expect(coord=DENIED, partner=DENIED, interv=NOT_FOUND, admin=DENIED),
            )
        ]
        for name in ("financing:payment_cancel", "financing:payment_correct")
    },
    "financing:actual_cost": [
        (
            "coût réel (formulaire en POST seulement)",
            lambda w: {"pk": w.share_line().plan.years.first().pk},
            expect(gest=DENIED, coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        )
    ],
    "financing:my_financing": [
        (
            "mes financements",
            lambda w: {},
            expect(
                gest=DENIED, other=DENIED, coord=DENIED, partner=OK, interv=DENIED, admin=DENIED
            ),
        )
    ],
    "financing:party_summary": [
        ("partie du partenaire", lambda w: {"pk": w.party.pk}, expect(partner=OK)),
        ("autre partie", lambda w: {"pk": w.other_party.pk}, expect()),
    ],
    **{
        name: [
            (
                "exercice 2023",
                lambda w: {"year": 2023},
                expect(other=OK, partner=DENIED, interv=DENIED),
            )
        ]
        for name in (
            "financing:annual",
            "financing:annual_xlsx",
            "financing:annual_pdf",
            "financing:opendata",
            "financing:opendata_csv",
        )
    },
    # Titres à émettre, collection returns, receivables (issue 17): the organisation's staff.
    **{
        name: [
            (
                "exercice 2023",
                lambda w: {"year": 2023},
                expect(other=OK, partner=DENIED, interv=DENIED),
            )
        ]
        for name in (
            "financing:titres",
            "financing:titres_csv",
            "financing:titres_issued_csv",
            "financing:titres_zip",
        )
    },
    "financing:titres_zip_download": [
        (
            "archive pas encore préparée",
            lambda w: {"year": 2023},
            expect(
                gest=REDIRECT,
                other=REDIRECT,
                coord=REDIRECT,
                partner=DENIED,
                interv=DENIED,
                admin=REDIRECT,
            ),
        )
    ],
    "financing:titre_settings": [("réglages", lambda w: {}, _NEW_REFERENCE)],
    "financing:receivables": [
        ("créances", lambda w: {}, expect(other=OK, partner=DENIED, interv=DENIED))
    ],
    "financing:collections_import": [("import", lambda w: {}, _NEW_REFERENCE)],
    # An import run by the worker: its uploader and the gestionnaires of its organisation
    # only (not the coordinators, nor the administrators: 404).
    "import_job": [
        ("import déposé par le gestionnaire", _import_job, _UPLOADER_AND_ITS_GESTIONNAIRES),
        (
            "import déposé par un autre gestionnaire de l'organisation",
            lambda w: _import_job(w, by=None),
            _UPLOADER_AND_ITS_GESTIONNAIRES,
        ),
        (
            "import déposé dans l'autre organisation",
            lambda w: _import_job(w, by="gestionnaire_autre_org", other_org=True),
            expect(
                gest=NOT_FOUND,
                other=OK,
                coord=NOT_FOUND,
                other_coord=NOT_FOUND,
                admin=NOT_FOUND,
            ),
        ),
    ],
    "financing:collection_import": [
        (
            "import de l'organisation",
            lambda w: {"pk": _collection_import(w)},
            expect(partner=DENIED, interv=DENIED),
        )
    ],
    "conventions:party_detail": [
        ("partie du partenaire", lambda w: {"pk": w.party.pk}, expect(partner=OK)),
        ("autre partie", lambda w: {"pk": w.other_party.pk}, expect()),
    ],
    # Documents and signatures (issue 5)
    "conventions:pdf": [
        (
            "PDF de la convention du partenaire",
            lambda w: {"reference": w.c1.reference},
            expect(partner=OK, interv=OK),
        ),
        ("PDF d'un brouillon du partenaire", lambda w: {"reference": w.c3.reference}, expect()),
        # The intervenant sees its post's draft, not its PDF (coordinators: « pas encore
        # disponible », 200, nothing written).
        ("PDF d'un brouillon du poste de l'intervenant", _intervenants_draft, expect()),
        (
            "PDF d'une convention dont la partie du partenaire est financeur, non signataire",
            lambda w: {"reference": _funder_only(w)},
            expect(partner=OK, interv=OK),
        ),
        (
            "PDF d'une autre organisation",
            lambda w: {"reference": w.c_other_org.reference},
            expect(gest=NOT_FOUND, other=OK, coord=NOT_FOUND, other_coord=OK),
        ),
    ],
    **{
        name: [
            (
                "texte de la convention du partenaire",
                lambda w: {"reference": w.c1.reference},
                expect(partner=OK, interv=OK),
            ),
            (
                "texte d'un brouillon du partenaire",
                lambda w: {"reference": w.c3.reference},
                expect(),
            ),
            ("texte d'un brouillon du poste de l'intervenant", _intervenants_draft, expect()),
            (
                "texte d'une autre organisation",
                lambda w: {"reference": w.c_other_org.reference},
                expect(gest=NOT_FOUND, other=OK, coord=NOT_FOUND, other_coord=OK),
            ),
        ]
        for name in ("conventions:odt", "conventions:docx")
    },
    "conventions:returned_upload": [
        (
            "déposer un texte renvoyé pour un brouillon",
            lambda w: {"reference": w.c3.reference},
            expect(coord=DENIED, admin=DENIED),
        ),
        (
            "texte figé d'une autre organisation (renvoie à la convention)",
            lambda w: {"reference": w.c_other_org.reference},
            expect(
                gest=NOT_FOUND,
                other=REDIRECT,
                coord=NOT_FOUND,
                admin=DENIED,
                other_coord=DENIED,
            ),
        ),
    ],
    "conventions:returned_text": [
        ("comparer un texte renvoyé", _c3_returned, expect(coord=DENIED, admin=DENIED)),
        (
            "texte renvoyé d'une autre organisation",
            lambda w: {"reference": w.c_other_org.reference, "pk": _returned_of(w.c_other_org)},
            expect(gest=NOT_FOUND, other=OK, coord=NOT_FOUND, admin=DENIED, other_coord=DENIED),
        ),
        (
            "texte renvoyé d'une autre convention, sous la référence d'un brouillon",
            lambda w: {"reference": w.c3.reference, "pk": _returned_of(w.c_other_org)},
            expect(gest=NOT_FOUND, coord=DENIED, admin=DENIED),
        ),
    ],
    "conventions:returned_take": [
        (
            "reprendre une modification (GET : renvoie à la comparaison)",
            _c3_returned,
            expect(gest=REDIRECT, coord=DENIED, admin=DENIED),
        ),
    ],
    "conventions:document": [
        (
            "copie signée v1 de la convention du partenaire",
            lambda w: {"reference": with_signed_copy(w.c1), "number": 1},
            expect(partner=OK, interv=OK),
        ),
        (
            "copie signée v1 d'une autre partie",
            lambda w: {"reference": with_signed_copy(w.c2), "number": 1},
            expect(),
        ),
        (
            "copie signée v1, partie du partenaire financeur non signataire",
            lambda w: {"reference": with_signed_copy(w.c1) and _funder_only(w), "number": 1},
            expect(partner=OK, interv=OK),
        ),
        ("version v1 d'un brouillon du poste de l'intervenant", _draft_version, expect()),
    ],
    "conventions:signed_copy": [
        (
            "copie signée de la convention du partenaire",
            lambda w: {"reference": with_signed_copy(w.c1)},
            expect(partner=OK, interv=OK),
        ),
        (
            "copie signée d'une autre partie",
            lambda w: {"reference": with_signed_copy(w.c2)},
            expect(),
        ),
        (
            "copie d'un brouillon du partenaire",
            lambda w: {"reference": with_signed_copy(w.c3)},
            expect(),
        ),
        (
            "copie signée, partie du partenaire financeur non signataire",
            lambda w: {"reference": with_signed_copy(w.c1) and _funder_only(w)},
            expect(partner=OK, interv=OK),
        ),
        (
            "copie d'un brouillon du poste de l'intervenant",
            lambda w: {"reference": with_signed_copy(w.c3), **_intervenants_draft(w)},
            expect(),
        ),
        (
            "aucune copie déposée",
            lambda w: {"reference": w.c1.reference},
            expect(gest=NOT_FOUND, coord=NOT_FOUND, admin=NOT_FOUND),
        ),
    ],
    # The verification of a PDF (issue 16): any signed-in user; it reveals only the file's
    # own signatures and whether it is a document the user may already download.
    "conventions:verify_pdf": [("vérifier un PDF", lambda w: {}, EVERYONE)],
    "conventions:signed_copy_upload": [
        (
            "dépôt",
            lambda w: {"reference": w.c1.reference},
            expect(coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        ),
        (
            "dépôt sur la convention d'une autre partie",
            lambda w: {"reference": w.c2.reference},
            expect(coord=DENIED, admin=DENIED),
        ),
    ],
    "conventions:abandon": [
        (
            "abandon d'un brouillon",
            lambda w: {"reference": w.c3.reference},
            expect(coord=DENIED, admin=DENIED),
        ),
        (
            "abandon d'une convention signée (refusé, renvoie à la convention)",
            lambda w: {"reference": w.c1.reference},
            expect(gest=REDIRECT, coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        ),
    ],
    "conventions:transmission": [
        (
            "transmission au contrôle de légalité d'une convention signée",
            lambda w: {"reference": w.c1.reference},
            expect(partner=DENIED, interv=DENIED),
        ),
    ],
    "conventions:transmission_package": [
        (
            "paquet @ctes d'une convention signée",
            lambda w: _with_transmission(w.c1),
            expect(partner=DENIED, interv=DENIED),
        ),
    ],
    "conventions:signatures": [
        (
            "signatures de la convention du partenaire",
            lambda w: {"reference": w.c1.reference},
            expect(partner=OK, interv=OK),
        ),
        ("signatures d'un brouillon", lambda w: {"reference": w.c3.reference}, expect()),
    ],
    "conventions:delete": [
        (
            "supprimer un brouillon jamais envoyé",
            lambda w: {"reference": w.c3.reference},
            expect(coord=DENIED, admin=DENIED),
        ),
        (
            "supprimer une convention signée (refusé, renvoie à la convention)",
            lambda w: {"reference": w.c1.reference},
            expect(gest=REDIRECT, coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        ),
    ],
    "conventions:deleted_drafts": [
        ("brouillons supprimés", lambda w: {}, expect(other=OK, partner=DENIED, interv=DENIED))
    ],
    "conventions:send_confirm": [
        (
            "confirmer l'envoi d'un brouillon",
            lambda w: {"reference": w.c3.reference},
            expect(coord=DENIED, admin=DENIED),
        ),
        (
            "confirmer l'envoi d'une convention signée (renvoie à la convention)",
            lambda w: {"reference": w.c1.reference},
            expect(gest=REDIRECT, coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        ),
    ],
    "conventions:sign_confirm": [
        (
            "confirmer une signature, sans date (renvoie aux signatures)",
            lambda w: _to_sign(w),
            # the partner sees the convention it is asked to sign, but records nothing
            expect(gest=REDIRECT, coord=DENIED, partner=DENIED, admin=DENIED),
        ),
    ],
    # The electronic signature (issue 16): only a partner signs, its own party's request.
    "conventions:sign": [
        (
            "signer la convention envoyée à la partie du partenaire",
            lambda w: _sent_electronically(w),
            expect(gest=DENIED, coord=DENIED, partner=OK, admin=DENIED),
        ),
        (
            "signer une convention signée sans demande (rien à signer)",
            lambda w: {"reference": w.c1.reference},
            expect(gest=DENIED, coord=DENIED, interv=DENIED, admin=DENIED),
        ),
        (
            "signer la convention d'une autre partie",
            lambda w: {"reference": w.c2.reference},
            expect(gest=DENIED, coord=DENIED, admin=DENIED),
        ),
    ],
    **{
        name: [
            (
                "texte d'un brouillon",
                lambda w: {"reference": w.c3.reference},
                expect(coord=DENIED, admin=DENIED),
            ),
            (
                "texte d'une autre organisation",
                lambda w: {"reference": w.c_other_org.reference},
                expect(
                    gest=NOT_FOUND,
                    # signed: its text is frozen, the page sends back to the convention
                    other=REDIRECT,
                    coord=NOT_FOUND,
                    admin=DENIED,
                    other_coord=DENIED,
                ),
            ),
        ]
        for name in ("conventions:text", "conventions:text_from_template")
    },
    "conventions:text_part": [
        (
            "une partie du texte d'un brouillon",
            lambda w: {"reference": w.c3.reference, "part": "preambule"},
            expect(coord=DENIED, admin=DENIED),
        ),
        (
            "une partie du texte d'une autre organisation",
            lambda w: {"reference": w.c_other_org.reference, "part": "preambule"},
            expect(
                gest=NOT_FOUND,
                other=REDIRECT,  # signed: its text is frozen
                coord=NOT_FOUND,
                admin=DENIED,
                other_coord=DENIED,
            ),
        ),
    ],
    "conventions:text_versions": [
        ("versions du texte d'un brouillon", _c3_texted, expect()),
        (
            "versions du texte d'une autre organisation (figé : lues, jamais rétablies)",
            lambda w: {"reference": w.c_other_org.reference},
            expect(gest=NOT_FOUND, other=OK, coord=NOT_FOUND, other_coord=OK),
        ),
    ],
    "conventions:text_restore": [
        (
            "rétablir une version du texte d'un brouillon (GET : ce qui changerait)",
            _c3_version,
            expect(coord=DENIED, admin=DENIED),
        ),
        (
            "rétablir une version d'un texte figé d'une autre organisation",
            lambda w: {"reference": w.c_other_org.reference, "number": 1},
            expect(
                gest=NOT_FOUND,
                other=REDIRECT,
                coord=NOT_FOUND,
                admin=DENIED,
                other_coord=DENIED,
            ),
        ),
    ],
    "conventions:template_versions": [
        (
            "versions d'un modèle de l'organisation",
            lambda w: {"pk": document_template(w.org).pk},
            expect(partner=DENIED, interv=DENIED),
        ),
        (
            "versions d'un modèle commun",
            lambda w: {"pk": document_template().pk},
            expect(other=OK, partner=DENIED, interv=DENIED),
        ),
    ],
    "conventions:template_restore": [
        (
            "rétablir une version d'un modèle de l'organisation",
            lambda w: _template_with_two_versions(w.org),
            expect(coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        ),
        (
            "rétablir une version d'un modèle commun (à copier d'abord)",
            lambda w: _template_with_two_versions(None),
            expect(
                gest=DENIED,
                other=DENIED,
                coord=DENIED,
                partner=DENIED,
                interv=DENIED,
                admin=DENIED,
            ),
        ),
    ],
    "conventions:template_list": [
        ("modèles", lambda w: {}, expect(other=OK, partner=DENIED, interv=DENIED))
    ],
    "conventions:template_detail": [
        (
            "modèle de l'organisation",
            lambda w: {"pk": document_template(w.org).pk},
            expect(partner=DENIED, interv=DENIED),
        ),
        (
            "modèle commun",
            lambda w: {"pk": document_template().pk},
            expect(other=OK, partner=DENIED, interv=DENIED),
        ),
    ],
    **{
        name: [
            (
                "modèle de l'organisation",
                lambda w: {"pk": document_template(w.org).pk},
                expect(coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
            ),
            (
                "modèle commun (à copier d'abord)",
                lambda w: {"pk": document_template().pk},
                expect(
                    gest=DENIED,
                    other=DENIED,
                    coord=DENIED,
                    partner=DENIED,
                    interv=DENIED,
                    admin=DENIED,
                ),
            ),
        ]
        for name in ("conventions:template_edit",)
    },
    "conventions:template_part": [
        (
            "un article d'un modèle de l'organisation",
            lambda w: {"pk": document_template(w.org).pk, "part": "article-1"},
            expect(coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        ),
        (
            "un article d'un modèle commun (à copier d'abord)",
            lambda w: {"pk": document_template().pk, "part": "article-1"},
            expect(
                gest=DENIED,
                other=DENIED,
                coord=DENIED,
                partner=DENIED,
                interv=DENIED,
                admin=DENIED,
            ),
        ),
    ],
    **{
        name: [
            (
                "conventions d'une délibération",
                lambda w: {"pk": deliberation_of(w)},
                expect(partner=DENIED, interv=DENIED),
            )
        ]
        for name in (
            "conventions:deliberation_zip",
            "conventions:deliberation_zip_progress",  # GET reads; POST produces (WRITES)
        )
    },
    # A ZIP the worker prepared for one user (conventions.bundles): only that user reaches it.
    **{
        name: [
            (
                "archive préparée pour le gestionnaire",
                lambda w: {"token": _prepared_zip(w, "gestionnaire")},
                expect(coord=NOT_FOUND, admin=NOT_FOUND),
            ),
            (
                "archive préparée pour le partenaire",
                lambda w: {"token": _prepared_zip(w, "partenaire")},
                expect(gest=NOT_FOUND, coord=NOT_FOUND, admin=NOT_FOUND, partner=OK),
            ),
        ]
        for name in ("conventions:prepared", "conventions:prepared_file")
    },
    "conventions:deliberation_zip_download": [
        (
            "ZIP d'une délibération dont des PDF restent à produire (GET ne produit rien)",
            lambda w: {"pk": deliberation_of(w)},
            expect(gest=REDIRECT, coord=REDIRECT, admin=REDIRECT, partner=DENIED, interv=DENIED),
        )
    ],
    "conventions:template_copy": [
        (
            "copier un modèle commun",
            lambda w: {"pk": document_template().pk},
            expect(other=OK, coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        )
    ],
    "conventions:template_install": [
        (
            "installer les modèles fournis avec l'application",
            lambda w: {},
            expect(other=OK, coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        )
    ],
    **ENDING,
    **REPORTING,
    **REFERENCE,
}


# --------------------------------------------------------------------------- POST

#: The request succeeded (200 or a redirect) and changed the database: proves the payload is one
#: that writes, so that "nothing written" for the other roles means something.
WROTE = "écrit"


def _with_transmission(convention) -> dict:
    """A transmission of the convention with its package stored; the URL's arguments."""
    from django.core.files.base import ContentFile

    from conventions.models import Transmission, TransmissionStatus

    item = Transmission(
        convention=convention,
        number="A_C1",
        classification="7.5",
        decision_date=date(2023, 7, 3),
        subject="Convention A-C1",
        status=TransmissionStatus.READY,
        package_name="EACT--226200012--20230801-1.tar.gz",
    )
    item.package.save("EACT.tar.gz", ContentFile(b"\x1f\x8b package"), save=False)
    item.save()
    return {"reference": convention.reference, "pk": item.pk}


def writes(
    gest=WROTE,
    other=NOT_FOUND,
    coord=DENIED,
    partner=NOT_FOUND,
    interv=NOT_FOUND,
    admin=DENIED,
    other_coord=None,
):
    """Expected outcome of a POST per role: WROTE, or the status of a request that must leave
    the database as it was (refused, or served without saving: a preview, a form in error)."""
    return expect(gest, other, coord, partner, interv, admin, other_coord)


def _plan_json(world) -> str:
    return json.dumps(
        {
            "rounding": "down",
            "first_year": 2023,
            "years": [{"year": 2023, "annual_cost": "30000", "months": 12}],
            "shares": [{"party": world.party.slug, "rule": "remainder"}],
        }
    )


def _draft_with_post(world) -> dict:
    """C3 covering the intervenant's post (a plan needs one); its URL kwargs."""
    world.c3.posts.add(world.post)
    return {"reference": world.c3.reference}


def _draft_two_posts_with_plan(world) -> dict:
    """C3 (a draft) covering two posts, the first with a plan; its URL kwargs."""
    world.c3.posts.add(world.post, world.other_post)
    financing_services.plan_save(
        convention=world.c3,
        post=world.post,
        plan=engine.parse_plan(json.loads(_plan_json(world))),
        months_by_hand=True,
    )
    return {"reference": world.c3.reference}


def _signed_two_posts_with_plan(world) -> dict:
    """C1 (signed) covering two posts, the first with a plan (frozen); its URL kwargs."""
    world.c1.posts.add(world.other_post)
    financing_services.plan_set_as_signed(
        convention=world.c1,
        post=world.post,
        plan=engine.parse_plan(json.loads(_plan_json(world))),
        months_by_hand=True,
    )
    return {"reference": world.c1.reference}


def _planned_year(world) -> dict:
    """C1 with a saved plan (as the editor saves it); the URL kwargs of its year 2023."""
    plan = financing_services.plan_save(
        convention=world.c1,
        post=world.post,
        plan=engine.parse_plan(json.loads(_plan_json(world))),
        months_by_hand=True,
    )
    return {"pk": plan.years.get(year=2023).pk}


def _to_sign(world) -> dict:
    """The draft C3 sent to signature today (as the service would); its last signatory."""
    from django.utils import timezone

    type(world.c3).objects.filter(pk=world.c3.pk).update(
        status="a_signer", text_frozen_at=timezone.now()
    )
    return {"reference": world.c3.reference, "party_pk": world.party.pk}


def _sent_electronically(world) -> dict:
    """The draft C3 sent to signature by the gestionnaire (its circuit open: the partner's
    party is its one signatory)."""
    from conventions.services import convention_send_to_signature

    convention_send_to_signature(
        convention=world.c3,
        by=world.users["gestionnaire"],
        send_with_blanks=True,
        reason="Matrice d'accès",
    )
    return {"reference": world.c3.reference}


def _in_force(convention) -> dict:
    """The signed convention in force today (a past one is no longer ended); its URL kwargs."""
    today = date.today()
    type(convention).objects.filter(pk=convention.pk).update(
        start_date=date(today.year - 1, 1, 1), end_date=date(today.year + 2, 12, 31)
    )
    return {"reference": convention.reference}


def _bilan_figures(**extra) -> dict:
    return {
        "referrals_women": "60",
        "referrals_men": "25",
        "referrals_children": "15",
        "referrals_total": "100",
        "interviews_total": "150",
        "vif_pct": "61,5",
        "comment": "Saisi dans la matrice d'accès.",
        "parts-TOTAL_FORMS": "0",
        "parts-INITIAL_FORMS": "0",
        **extra,
    }


def _memberships(world) -> dict:
    """C3's parties as the wizard posts them, plus a second party."""
    membership = world.c3.memberships.get()
    return {
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "1",
        "parties-0-id": str(membership.pk),
        "parties-0-convention": str(world.c3.pk),
        "parties-0-order": "1",
        "parties-0-party": str(world.party.pk),
        "parties-0-is_signatory": "on",
        "parties-0-is_funder": "on",
        "parties-1-order": "2",
        "parties-1-party": str(world.other_party.pk),
        "parties-1-is_signatory": "on",
        "parties-1-is_employer": "on",
    }


def _import_file(world) -> dict:
    content = "\r\n".join(
        [
            "poste;annee;saisines_femmes;saisines_hommes;saisines_enfants;saisines_total",
            f"{world.post.slug};2022;1;1;1;3",
        ]
    )
    return {"file": SimpleUploadedFile("bilans.csv", content.encode(), content_type="text/csv")}


_C1 = lambda w: {"reference": w.c1.reference}  # noqa: E731 — signed; partner and intervenant in it
_C2 = lambda w: {"reference": w.c2.reference}  # noqa: E731 — signed; neither
_C3 = lambda w: {"reference": w.c3.reference}  # noqa: E731 — draft; the partner's party in it
_OTHER_ORG = lambda w: {"reference": w.c_other_org.reference}  # noqa: E731
_NOTHING = lambda w: {}  # noqa: E731

#: In a POST's data: the version token of the edit form (optimistic locking, iscg.concurrency)
#: as the page carries it when the role loads it (``loaded_with``: the page with a query
#: string); sent empty when the page refuses the role.
LOADED = "<version de la page>"


def loaded_with(query: str) -> str:
    return LOADED + query


_LOADED = lambda w: {"version": LOADED}  # noqa: E731


def _post_form(world, **extra) -> dict:
    """A post as its page posts it, employed by the partner's party, with no inline rows."""
    return {
        "name": "Poste ISCG de la matrice",
        "kind": "ISCG",
        "employer": str(world.party.pk),
        **{
            f"{prefix}-{key}": "0"
            for prefix in ("unites", "titulaires", "absences")
            for key in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
        **extra,
    }


def _spreadsheet(*lines: str) -> dict:
    content = "\r\n".join(lines).encode()
    return {"file": SimpleUploadedFile("tableur.csv", content, content_type="text/csv")}


REFERENCE_WRITES = {
    "conventions:party_create": [
        (
            "nouvelle partie",
            _NOTHING,
            lambda w: {"kind": "commune", "name": "Commune de la matrice"},
            writes(other=WROTE, partner=DENIED, interv=DENIED),
        )
    ],
    "conventions:party_edit": [
        (
            "partie du partenaire",
            lambda w: {"pk": w.party.pk},
            lambda w: {"kind": "epci", "name": "CC du Ternois (modifiée)", "version": LOADED},
            writes(partner=DENIED),
        )
    ],
    "conventions:party_import": [
        (
            "import d'une partie",
            _NOTHING,
            lambda w: _spreadsheet("nature;denomination", "commune;Commune importée"),
            # the file is stored and its import queued (the worker imports it)
            writes(other=WROTE, partner=DENIED, interv=DENIED),
        )
    ],
    "conventions:post_create": [
        (
            "nouveau poste employé par la partie du partenaire",
            _NOTHING,
            _post_form,
            # another organisation's gestionnaire: the party is not offered, the form refuses it
            writes(other=400, partner=DENIED, interv=DENIED),
        )
    ],
    "conventions:post_edit": [
        (
            "poste de l'intervenant",
            lambda w: {"pk": w.post.pk},
            lambda w: _post_form(w, name="Poste renommé", version=LOADED),
            writes(interv=DENIED),
        )
    ],
    "conventions:post_import": [
        (
            "import d'un poste employé par la partie du partenaire",
            _NOTHING,
            lambda w: _spreadsheet("intitule;type;employeur", "Poste importé;ISG;CC du Ternois"),
            # the file is stored and its import queued: for another organisation's
            # gestionnaire the worker finds no such employer there and imports nothing
            writes(other=WROTE, partner=DENIED, interv=DENIED),
        )
    ],
    "conventions:representative_create": [
        (
            "représentant de la partie du partenaire",
            lambda w: {"party_pk": w.party.pk},
            lambda w: {"name": "Nouveau PRÉSIDENT", "title": "Président"},
            writes(partner=DENIED),
        )
    ],
    "conventions:representative_edit": [
        (
            "représentant de la partie du partenaire",
            _representative,
            lambda w: {"name": "Nom corrigé", "title": "Président", "version": LOADED},
            writes(partner=DENIED),
        )
    ],
    "conventions:deliberation_create": [
        (
            "délibération de la partie du partenaire",
            _NOTHING,
            lambda w: {"party": str(w.party.pk), "body": "Conseil", "date": "2023-07-03"},
            writes(other=400, partner=DENIED, interv=DENIED),
        )
    ],
    "conventions:deliberation_edit": [
        (
            "délibération de la partie du partenaire",
            _deliberation,
            lambda w: {
                "party": str(w.party.pk),
                "body": "Conseil",
                "date": "2023-07-04",
                "version": LOADED,
            },
            writes(partner=DENIED),
        )
    ],
    "financing:budget_line": [
        (
            "ligne budgétaire 2027",
            lambda w: {"year": 2027},
            lambda w: {
                "imputation": "6568//934213",
                "credits": "1000",
                "available": "500",
                "version": LOADED,
            },
            writes(other=WROTE, partner=DENIED, interv=DENIED),
        )
    ],
}

# name → list of (case label, kwargs builder, POST data builder, expected outcome per role).
# Every URL that changes something on POST is here; the others are in READS.
WRITES = {
    # Turning every optional notice off: written for the roles that are offered some; a
    # coordinator or an administrator without role has none, the page saves nothing.
    "notice_preferences": [
        (
            "ne plus recevoir aucun avis facultatif",
            _NOTHING,
            lambda w: {"received": []},
            writes(
                other=WROTE,
                coord=REDIRECT,
                other_coord=REDIRECT,
                partner=WROTE,
                interv=WROTE,
                admin=REDIRECT,
            ),
        )
    ],
    "task_restart": [
        (
            "relancer une tâche en échec de l'organisation",
            lambda w: {"pk": failed_task_of(w)},
            lambda w: {},
            writes(partner=DENIED, interv=DENIED, admin=WROTE, other_coord=DENIED),
        )
    ],
    "conventions:bulk": [
        (
            "envoyer à la signature le brouillon coché, confirmé",
            _NOTHING,
            lambda w: {"action": "signature", "conventions": [w.c3.reference], "confirmer": "oui"},
            # The world's draft prints blanks: refused, all or nothing (sent in
            # tests/conventions/test_bulk.py); another gestionnaire ticks nothing it may see.
            writes(gest=400, other=REDIRECT, partner=DENIED, interv=DENIED),
        ),
        (
            "envoyer à la signature, sans confirmer : la page de confirmation",
            _NOTHING,
            lambda w: {"action": "signature", "conventions": [w.c3.reference]},
            writes(gest=OK, other=REDIRECT, partner=DENIED, interv=DENIED),
        ),
        (
            "télécharger une convention signée : l'archive est demandée au travailleur",
            _NOTHING,
            lambda w: {"action": "telecharger", "conventions": [w.c1.reference]},
            # whoever sees it asks for its own archive; another organisation sees none
            writes(
                other=REDIRECT,
                other_coord=REDIRECT,
                coord=WROTE,
                partner=WROTE,
                interv=WROTE,
                admin=WROTE,
            ),
        ),
    ],
    "conventions:deliberation_zip_progress": [
        (
            "produire le PDF manquant suivant d'une délibération",
            lambda w: {"pk": deliberation_of(w)},
            lambda w: {},
            writes(coord=WROTE, admin=WROTE, partner=DENIED, interv=DENIED),
        )
    ],
    "invitation_create": [
        (
            "inviter un partenaire de la partie",
            _NOTHING,
            lambda w: {"email": "invite@example.fr", "role": "partenaire", "party": w.party.pk},
            # another organisation's gestionnaire: the party is not offered, the form refuses it
            writes(other=OK, partner=DENIED, interv=DENIED),
        )
    ],
    "invitation_revoke": [
        (
            "révoquer une invitation de l'organisation",
            lambda w: {"pk": invitation_of(w)},
            _NOTHING,
            writes(other=NOT_FOUND, other_coord=DENIED, partner=DENIED, interv=DENIED),
        )
    ],
    "deadlines_feed_regenerate": [
        (
            "régénérer son lien d'agenda",
            _NOTHING,
            _NOTHING,
            writes(other=WROTE, coord=WROTE, admin=WROTE, partner=DENIED, interv=DENIED),
        )
    ],
    "wizard_start": [
        (
            "nouvelle convention sur le poste",
            _NOTHING,
            lambda w: {
                "mode": "nouvelle",
                "post": w.post.pk,
                "kind": "financement",
                "reference": "A-NOUVELLE",
                "title": "Convention de financement 2027",
                "start_date": "2027-01-01",
                "end_date": "2027-12-31",
                "notice_months": "3",
            },
            writes(other=400, partner=DENIED, interv=DENIED),
        )
    ],
    "wizard_parties": [("parties d'un brouillon", _C3, _memberships, writes())],
    "wizard_info": [
        (
            "informations d'un brouillon",
            _C3,
            lambda w: {
                "title": "Intitulé changé",
                "start_date": "2027-01-01",
                "end_date": "2027-12-31",
                "notice_months": "3",
            },
            writes(),
        )
    ],
    "conventions:text": [
        (
            "déplacer un article d'un brouillon",
            _c3_texted,
            lambda w: {"action": "descendre", "article": "1", "version": LOADED},
            writes(),
        ),
        (
            "texte figé d'une autre organisation (renvoie à la convention)",
            _OTHER_ORG,
            lambda w: {"action": "supprimer", "article": "1", "version": LOADED},
            writes(gest=NOT_FOUND, other=REDIRECT, coord=NOT_FOUND, other_coord=DENIED),
        ),
    ],
    "conventions:text_part": [
        (
            "enregistrer le préambule d'un brouillon",
            lambda w: {"reference": w.c3.reference, "part": "preambule"},
            lambda w: {
                "action": "enregistrer",
                "body": "Préambule de la matrice.",
                "version": LOADED,
            },
            writes(),
        ),
        (
            "une partie d'un texte figé d'une autre organisation",
            lambda w: {"reference": w.c_other_org.reference, "part": "preambule"},
            lambda w: {
                "action": "enregistrer",
                "body": "Préambule de la matrice.",
                "version": LOADED,
            },
            writes(gest=NOT_FOUND, other=REDIRECT, coord=NOT_FOUND, other_coord=DENIED),
        ),
    ],
    "conventions:text_from_template": [
        (
            "remplacer le texte d'un brouillon par un modèle",
            _C3,
            lambda w: {
                "modele": (pk := document_template(w.org).current_version.pk),
                "version": loaded_with(f"?modele={pk}"),
            },
            writes(),
        ),
        (
            "remplacer un texte figé d'une autre organisation",
            _OTHER_ORG,
            lambda w: {
                "modele": (pk := document_template(w.org).current_version.pk),
                "version": loaded_with(f"?modele={pk}"),
            },
            writes(gest=NOT_FOUND, other=REDIRECT, coord=NOT_FOUND, other_coord=DENIED),
        ),
    ],
    "conventions:text_restore": [
        ("rétablir la version 1 du texte d'un brouillon", _c3_version, _LOADED, writes()),
        (
            "rétablir une version d'un texte figé d'une autre organisation",
            lambda w: {"reference": w.c_other_org.reference, "number": 1},
            _LOADED,
            writes(gest=NOT_FOUND, other=REDIRECT, coord=NOT_FOUND, other_coord=DENIED),
        ),
    ],
    "conventions:template_restore": [
        (
            "rétablir la version 1 d'un modèle de l'organisation",
            lambda w: _template_with_two_versions(w.org),
            _LOADED,
            writes(partner=DENIED, interv=DENIED),
        ),
        (
            "rétablir une version d'un modèle commun (à copier d'abord)",
            lambda w: _template_with_two_versions(None),
            _LOADED,
            writes(gest=DENIED, other=DENIED, partner=DENIED, interv=DENIED),
        ),
    ],
    "conventions:signatures": [
        (
            "envoyer un brouillon à la signature (renvoie à la confirmation)",
            _C3,
            lambda w: {"action": "envoyer", "send_with_blanks": "on", "reason": "Test d'accès"},
            writes(gest=REDIRECT),
        ),
        (
            "signer une convention déjà signée (refusé par le service)",
            _C1,
            lambda w: {
                "action": "signer",
                "party": w.party.pk,
                f"p{w.party.pk}-signed_on": "2023-01-02",
                f"p{w.party.pk}-signatory_name": "Jacques BILLANT",
            },
            writes(gest=400, partner=DENIED, interv=DENIED),
        ),
    ],
    "conventions:delete": [
        ("supprimer un brouillon jamais envoyé", _C3, lambda w: {"reason": "En double"}, writes()),
        (
            "supprimer une convention signée (refusé, renvoie à la convention)",
            _C1,
            lambda w: {"reason": "En double"},
            writes(gest=REDIRECT, partner=DENIED, interv=DENIED),
        ),
    ],
    "conventions:transmission": [
        (
            "paramètres de transmission de l'organisation",
            _C1,
            lambda w: {
                "action": "parametres",
                "actes_department": "062",
                "actes_classification": "8.2",
            },
            writes(partner=DENIED, interv=DENIED),
        ),
    ],
    "conventions:send_confirm": [
        (
            "envoyer un brouillon à la signature",
            _C3,
            lambda w: {"send_with_blanks": "on", "reason": "Test d'accès"},
            writes(),
        ),
    ],
    "conventions:sign_confirm": [
        (
            "enregistrer la dernière signature",
            lambda w: _to_sign(w),
            lambda w: {"signed_on": date.today().isoformat(), "signatory_name": "Jacques BILLANT"},
            writes(partner=DENIED),
        ),
    ],
    "conventions:sign": [
        (
            "demander le code de signature",
            lambda w: _sent_electronically(w),
            lambda w: {"action": "code"},
            writes(gest=DENIED, partner=WROTE),
        ),
        (
            "signer une convention d'une autre partie",
            _C2,
            lambda w: {"action": "signer", "code": "123456", "consent": "on"},
            writes(gest=DENIED),
        ),
    ],
    "conventions:abandon": [
        ("abandon d'un brouillon", _C3, lambda w: {"reason": "Projet arrêté"}, writes()),
        (
            "abandon d'une convention signée (refusé, renvoie à la convention)",
            _C1,
            lambda w: {"reason": "Projet arrêté"},
            writes(gest=REDIRECT, partner=DENIED, interv=DENIED),
        ),
    ],
    "conventions:returned_upload": [
        ("déposer le texte renvoyé d'un brouillon", _c3_texted, _c3_docx, writes()),
        (
            "déposer sur le texte figé d'une autre organisation",
            _OTHER_ORG,
            _c3_docx,
            writes(gest=NOT_FOUND, other=REDIRECT, coord=NOT_FOUND, other_coord=DENIED),
        ),
    ],
    "conventions:returned_take": [
        ("reprendre la formule finale d'un texte renvoyé", _c3_returned, _take_closing, writes()),
    ],
    "conventions:verify_pdf": [
        (
            "vérifier un PDF (lu, jamais gardé)",
            lambda w: {},
            lambda w: {"file": SimpleUploadedFile("copie.pdf", minimal_pdf(), "application/pdf")},
            writes(gest=OK, other=OK, coord=OK, partner=OK, interv=OK, admin=OK),
        ),
    ],
    "conventions:signed_copy_upload": [
        (
            "dépôt sur la convention du partenaire",
            _C1,
            lambda w: {"file": SimpleUploadedFile("copie.pdf", minimal_pdf(), "application/pdf")},
            writes(partner=DENIED, interv=DENIED),
        ),
        (
            "dépôt sur la convention d'une autre partie",
            _C2,
            lambda w: {"file": SimpleUploadedFile("copie.pdf", minimal_pdf(), "application/pdf")},
            writes(),
        ),
    ],
    **{
        name: [
            (
                "convention du partenaire",
                lambda w: _in_force(w.c1),
                data,
                writes(partner=DENIED, interv=DENIED),
            ),
            ("convention d'une autre partie", lambda w: _in_force(w.c2), data, writes()),
        ]
        for name, data in (
            (
                "conventions:denounce",
                lambda w: {"notice_date": date.today().isoformat(), "confirm": "on"},
            ),
            (
                "conventions:terminate",
                lambda w: {
                    "effective_date": date.today().isoformat(),
                    "reason": "Poste supprimé",
                    "confirm": "on",
                },
            ),
        )
    },
    "conventions:template_edit": [
        (
            "supprimer l'article d'un modèle de l'organisation",
            lambda w: {"pk": document_template(w.org).pk},
            lambda w: {"action": "supprimer", "article": "1", "version": LOADED},
            writes(partner=DENIED, interv=DENIED),
        ),
        (
            "modèle commun (à copier d'abord)",
            lambda w: {"pk": document_template().pk},
            lambda w: {"action": "supprimer", "article": "1", "version": LOADED},
            writes(gest=DENIED, other=DENIED, partner=DENIED, interv=DENIED),
        ),
    ],
    "conventions:template_part": [
        (
            "enregistrer un article d'un modèle de l'organisation",
            lambda w: {"pk": document_template(w.org).pk, "part": "article-1"},
            lambda w: {
                "action": "enregistrer",
                "title": "Objet",
                "body": "Texte changé.",
                "version": LOADED,
            },
            writes(partner=DENIED, interv=DENIED),
        ),
        (
            "un article d'un modèle commun (à copier d'abord)",
            lambda w: {"pk": document_template().pk, "part": "article-1"},
            lambda w: {
                "action": "enregistrer",
                "title": "Objet",
                "body": "Texte changé.",
                "version": LOADED,
            },
            writes(gest=DENIED, other=DENIED, partner=DENIED, interv=DENIED),
        ),
    ],
    "conventions:template_copy": [
        (
            "copier un modèle commun",
            lambda w: {"pk": document_template().pk},
            _NOTHING,
            writes(other=WROTE, partner=DENIED, interv=DENIED),
        )
    ],
    "conventions:template_install": [
        (
            "installer les modèles fournis avec l'application",
            _NOTHING,
            _NOTHING,
            writes(other=WROTE, partner=DENIED, interv=DENIED),
        )
    ],
    "conventions:plan": [
        (
            "plan d'un brouillon",
            _draft_with_post,
            lambda w: {"mode": "json", "plan": _plan_json(w), "version": LOADED},
            writes(interv=DENIED),
        ),
        (
            "plan figé d'une convention signée",
            lambda w: {"reference": w.share_line().convention.reference},
            lambda w: {"mode": "json", "plan": _plan_json(w), "version": LOADED},
            writes(gest=DENIED, partner=DENIED, interv=DENIED),
        ),
        (
            "brouillon du plan, même incomplet",
            _draft_with_post,
            lambda w: {
                "mode": "guided",
                "action": "brouillon",
                "part-0-amount": "1",
                "version": LOADED,
            },
            writes(interv=DENIED),
        ),
        (
            "brouillon du plan figé d'une convention signée",
            lambda w: {"reference": w.share_line().convention.reference},
            lambda w: {
                "mode": "guided",
                "action": "brouillon",
                "part-0-amount": "1",
                "version": LOADED,
            },
            writes(gest=DENIED, partner=DENIED, interv=DENIED),
        ),
    ],
    "conventions:plan_apply": [
        (
            "appliquer le plan aux postes sans plan",
            _draft_two_posts_with_plan,
            lambda w: {"cible": "sans_plan", "confirmer": "1"},
            writes(interv=DENIED),
        ),
        (
            "sans la confirmation (rien n'est enregistré)",
            _draft_two_posts_with_plan,
            lambda w: {"cible": "sans_plan"},
            writes(gest=400, interv=DENIED),
        ),
        (
            "plan figé d'une convention signée",
            _signed_two_posts_with_plan,
            lambda w: {"cible": "tous", "confirmer": "1"},
            writes(gest=DENIED, partner=DENIED, interv=DENIED),
        ),
    ],
    "conventions:plan_preview": [
        (
            "aperçu (rien n'est enregistré)",
            _C1,
            lambda w: {"mode": "json", "plan": _plan_json(w)},
            writes(gest=OK, partner=DENIED, interv=DENIED),
        )
    ],
    "financing:payment_add": [
        (
            "titre sur une part du partenaire",
            lambda w: {"pk": w.share_line().pk},
            lambda w: {
                "kind": "titre_de_recettes",
                "number": "T-2023-1",
                "issued_on": "2023-03-01",
                "amount_issued": "500",
                "amount_received": "0",
            },
            writes(partner=DENIED),
        )
    ],
    "financing:payment_cancel": [
        (
            "annuler un titre",
            lambda w: {"pk": PaymentFactory(share_line=w.share_line()).pk},
            lambda w: {"reason": "Émis deux fois"},
            writes(partner=DENIED),
        )
    ],
    "financing:payment_correct": [
        (
            "corriger un titre",
            lambda w: {"pk": PaymentFactory(share_line=w.share_line()).pk},
            lambda w: {
                "kind": "titre_de_recettes",
                "number": "T-2023-2",
                "issued_on": "2023-03-01",
                "amount_issued": "400",
                "amount_received": "0",
                "reason": "Montant erroné",
            },
            writes(partner=DENIED),
        )
    ],
    "financing:titres": [
        (
            "émettre le titre d'une part du partenaire",
            lambda w: {"year": 2023},
            lambda w: {"parts": [w.share_line().pk], "issued_on": "2023-10-02"},
            # another organisation's gestionnaire: the share is not its own, nothing issued
            writes(other=400, partner=DENIED, interv=DENIED),
        )
    ],
    "financing:titres_zip": [
        (
            "préparer l'archive des titres",
            lambda w: {"year": 2023},
            lambda w: {},
            writes(other=WROTE, coord=WROTE, admin=WROTE, partner=DENIED, interv=DENIED),
        )
    ],
    "financing:titre_settings": [
        (
            "réglages des titres",
            _NOTHING,
            lambda w: {"imputation": "7478//934213", "payment_days": "30"},
            writes(other=WROTE, partner=DENIED, interv=DENIED),
        )
    ],
    "financing:collections_import": [
        (
            "déposer un fichier d'encaissements",
            _NOTHING,
            lambda w: {
                "file": SimpleUploadedFile(
                    "retour.csv", b"numero_titre;date;montant\r\nT-1;15/11/2023;10\r\n"
                )
            },
            writes(other=WROTE, partner=DENIED, interv=DENIED),
        )
    ],
    "financing:actual_cost": [
        (
            "coût réel d'une année",
            _planned_year,
            lambda w: {"actual_cost": "29000"},
            writes(partner=DENIED, interv=DENIED),
        )
    ],
    **{
        name: [
            (
                "brouillon du poste de l'intervenant",
                lambda w: {"pk": BilanFactory(post=w.post).pk},
                data,
                writes(interv=WROTE),
            ),
            (
                "brouillon d'un autre poste",
                lambda w: {"pk": BilanFactory(post=w.other_post).pk},
                data,
                writes(),
            ),
        ]
        for name, data in (
            ("reporting:bilan_edit", lambda w: _bilan_figures(comment="Modifié.", version=LOADED)),
            ("reporting:bilan_submit", _NOTHING),
        )
    },
    "reporting:bilan_create": [
        (
            "poste de l'intervenant",
            lambda w: {"post_pk": w.post.pk, "year": 2023},
            lambda w: _bilan_figures(),
            writes(interv=WROTE),
        ),
        (
            "autre poste",
            lambda w: {"post_pk": w.other_post.pk, "year": 2023},
            lambda w: _bilan_figures(),
            writes(),
        ),
    ],
    "reporting:bilan_review": [
        (
            "valider un bilan transmis",
            lambda w: {"pk": BilanFactory(post=w.post, submitted=True).pk},
            lambda w: {"action": "valider", "comment": ""},
            writes(gest=DENIED, coord=WROTE, interv=DENIED),
        )
    ],
    "reporting:import": [
        (
            "import d'un bilan du poste",
            _NOTHING,
            _import_file,
            # the file is stored and its import queued: for another organisation's
            # gestionnaire the worker finds the post is not its own and imports nothing
            writes(other=WROTE, partner=DENIED, interv=DENIED),
        )
    ],
    **REFERENCE_WRITES,
}

# URLs whose POST is served as their GET (reads, downloads, redirections): their POST is tried
# with the GET's expectations, and a refused one must write nothing either.
READS = set(MATRIX) - set(WRITES)


def project_url_names(resolver=None, namespace="") -> set[str]:
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= project_url_names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def test_every_url_of_the_project_has_an_entry_in_the_matrix():
    missing = project_url_names() - set(MATRIX) - PUBLIC - IGNORED
    assert not missing, f"URL sans entrée dans la matrice d'accès : {sorted(missing)}"


def test_every_url_of_the_project_is_tried_in_post():
    """A new URL must say whether its POST writes (WRITES, with a payload that does) or is
    served as its GET (READS)."""
    missing = project_url_names() - set(WRITES) - READS - PUBLIC - IGNORED
    assert not missing, f"URL sans entrée POST dans la matrice d'accès : {sorted(missing)}"
    assert not set(WRITES) - set(MATRIX), "une URL de WRITES doit aussi figurer dans MATRIX"


CASES = [
    pytest.param(name, label, kwargs, role, statuses[role], id=f"{name}|{label}|{role}")
    for name, entries in MATRIX.items()
    for label, kwargs, statuses in entries
    for role in ROLES
]


@pytest.mark.parametrize(("name", "label", "kwargs", "role", "expected"), CASES)
def test_access(client, name, label, kwargs, role, expected):
    world = build_world()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    url = reverse(name, kwargs=kwargs(world))
    response = client.get(url)
    assert response.status_code == expected, f"{role} sur {url}"
    if role == "anonyme" and expected == LOGIN:
        assert response["Location"].startswith(reverse("login"))


POST_CASES = [
    pytest.param(name, label, kwargs, data, role, outcomes[role], id=f"{name}|{label}|{role}")
    for name, entries in WRITES.items()
    for label, kwargs, data, outcomes in entries
    for role in ROLES
] + [
    pytest.param(
        name, label, kwargs, lambda w: {}, role, statuses[role], id=f"{name}|{label}|{role}"
    )
    for name in sorted(READS)
    for label, kwargs, statuses in MATRIX[name]
    for role in ROLES
]


@pytest.mark.parametrize(("name", "label", "kwargs", "data", "role", "expected"), POST_CASES)
def test_post(client, name, label, kwargs, data, role, expected):
    """A refused POST answers like a refused GET and writes nothing, history included; an
    allowed one to a URL of WRITES does write (so the payload is a real one)."""
    world = build_world()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    url = reverse(name, kwargs=kwargs(world))
    payload = data(world)
    if str(payload.get("version", "")).startswith(LOADED):
        query = payload["version"].removeprefix(LOADED)
        payload["version"] = page_version(client.get(url + query)) or ""
    before, sent = database_state(), len(mail.outbox)
    response = client.post(url, payload)
    changed = changed_tables(before, database_state())
    if expected == WROTE:
        assert response.status_code in (200, 302), f"{role} sur {url}"
        assert changed, f"{role} sur {url} : rien n'a été écrit (la donnée postée est-elle juste ?)"
        return
    assert response.status_code == expected, f"{role} sur {url}"
    if role == "anonyme" and expected == LOGIN:
        assert response["Location"].startswith(reverse("login"))
    refused = role == "anonyme" or expected in (DENIED, NOT_FOUND)
    if name in WRITES or refused:
        assert not changed, f"{role} sur {url} a écrit dans {changed}"
        assert len(mail.outbox) == sent
