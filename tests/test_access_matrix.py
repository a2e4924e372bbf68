"""Every URL of the project, for every role: 200 where allowed, 403/404 where not, 302 to login
when anonymous. A URL added to the URL conf without an entry here makes this test fail."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access import (
    ROLES,
    build_world,
    deliberation_of,
    document_template,
    with_signed_copy,
)
from tests.factories import BilanFactory

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


def expect(gest=OK, other=NOT_FOUND, coord=OK, partner=NOT_FOUND, interv=NOT_FOUND, admin=OK):
    return {
        "anonyme": LOGIN,
        "gestionnaire": gest,
        "gestionnaire_autre_org": other,
        "coordinateur": coord,
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

# name → list of (case label, kwargs builder, expected status per role)
MATRIX = {
    "home": [("accueil", lambda w: {}, EVERYONE)],
    "invitation_create": [
        (
            "inviter",
            lambda w: {},
            expect(other=OK, coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        )
    ],
    "conventions:list": [("liste", lambda w: {}, EVERYONE)],
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
            expect(gest=NOT_FOUND, other=OK, coord=NOT_FOUND),
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
    "conventions:plan_preview": [
        (
            "aperçu",
            lambda w: {"reference": w.c1.reference},
            expect(coord=DENIED, partner=DENIED, interv=DENIED, admin=DENIED),
        ),
        (
            "aperçu d'une autre organisation",
            lambda w: {"reference": w.c_other_org.reference},
            expect(other=OK, gest=NOT_FOUND, coord=NOT_FOUND, admin=DENIED),
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
            "financing:opendata_csv",
        )
    },
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
        (
            "PDF d'une autre organisation",
            lambda w: {"reference": w.c_other_org.reference},
            expect(gest=NOT_FOUND, other=OK, coord=NOT_FOUND),
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
            "aucune copie déposée",
            lambda w: {"reference": w.c1.reference},
            expect(gest=NOT_FOUND, coord=NOT_FOUND, admin=NOT_FOUND),
        ),
    ],
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
    "conventions:signatures": [
        (
            "signatures de la convention du partenaire",
            lambda w: {"reference": w.c1.reference},
            expect(partner=OK, interv=OK),
        ),
        ("signatures d'un brouillon", lambda w: {"reference": w.c3.reference}, expect()),
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
                    other=REDIRECT if name == "conventions:text" else OK,
                    coord=NOT_FOUND,
                    admin=DENIED,
                ),
            ),
        ]
        for name in ("conventions:text", "conventions:text_preview")
    },
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
        for name in ("conventions:template_edit", "conventions:template_preview")
    },
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
            "conventions:deliberation_zip_progress",  # GET reads; POST produces (tested apart)
        )
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
    **ENDING,
    **REPORTING,
}


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
    if role == "anonyme":
        assert response["Location"].startswith(reverse("login"))
