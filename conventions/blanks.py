"""Blanks in a convention's text: which values are missing, and where each one is filled in.

A text sent to signature must not print "…………" where a representative, a unit or a place
belongs. ``where_to_fill`` maps every family of template variable to the page where its value is
entered (the draft's information step, its parties step, the financing plan, a party's or a post's
page, the back-office); it is a pure function of the variable's name and a few ids.
``convention_blanks`` renders the convention's text and returns each blank with those places.

The signature date is the one blank a text is sent with on purpose: the signatories write it by
hand (``HAND_FILLED``); it is listed, never refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from conventions import documents, templating, text_editing
from conventions.documents import KIND_KEYS, ROLE_KEYS

#: Left blank on purpose in the document to sign: written by hand when signing.
HAND_FILLED = frozenset({"convention.date_signature"})

#: Entered at the draft's information step (``…/brouillon/informations/``).
INFO_STEP_NAMES = frozenset(
    {
        "convention.titre",
        "convention.date_debut",
        "convention.date_fin",
        "convention.annee",
        "convention.annee_suivante",
        "convention.duree",
        "convention.duree_mois",
        "convention.preavis",
        "convention.preavis_mois",
        "convention.date_limite_denonciation",
        "convention.lieu_signature",
        "convention.exemplaires",
        "convention.exemplaires_lettres",
    }
)
#: Parts of a party that its page shows and the back-office edits.
PARTY_PAGE_ATTRIBUTES = frozenset({"nom", "nom_court", "avec_article", "adresse", "deliberation"})
#: Parts of a party that depend on the representative chosen at the parties step.
REPRESENTATIVE_ATTRIBUTES = frozenset(
    {"designation", "representant", "representant_nom", "representant_qualite"}
)


@dataclass(frozen=True)
class Place:
    """Where a value is filled in: a label people read, and the page (None: by hand)."""

    label: str
    url: str | None = None

    @property
    def is_back_office(self) -> bool:
        """The Django admin: offered only to those it admits (a gestionnaire is refused)."""
        return bool(self.url and self.url.startswith("/admin/"))


@dataclass(frozen=True)
class Blank:
    """One value missing from a text, where it shows, and where to fill it in."""

    where: str
    message: str
    name: str
    places: tuple[Place, ...]

    @property
    def blocking(self) -> bool:
        """False for a value the signatories write by hand (the signature date)."""
        return self.name not in HAND_FILLED

    def __str__(self) -> str:
        return f"{self.where} : {self.message}"

    @property
    def readable(self) -> str:
        """What the page says: the value by its French label (« Lieu de signature »), not by
        its name in the template language; the history keeps ``str()``, with the name."""
        if templating.is_known(self.name):
            label = text_editing.variable_label(self.name)
            return f"{self.where} : « {label} » n'a pas de valeur pour cette convention."
        return str(self)


def _admin(model: str, pk: int | None) -> Place | None:
    if pk is None:
        return None
    return Place(
        "back-office (administrateur)", reverse(f"admin:conventions_{model}_change", args=[pk])
    )


def where_to_fill(
    name: str,
    *,
    reference: str,
    convention_id: int | None = None,
    post_id: int | None = None,
    party_id: int | None = None,
    parent_reference: str | None = None,
    is_draft: bool = True,
) -> tuple[Place, ...]:
    """The pages where the value of ``name`` is entered, most direct first.

    ``name`` is a template variable (``convention.lieu_signature``, ``employeur.adresse``,
    ``poste.unites``, ``financement.2023.etat``…) or one of the signature checks
    (``representant``: no representative chosen; ``representant_nom``: a representative known
    by title only). ``party_id``: the party the value belongs to, None when the convention has
    no such party (then the party or its role is to be added at the parties step).
    """
    info = Place(
        "étape 1 du brouillon « Informations » (dates, durée, préavis, lieu de signature, "
        "exemplaires)",
        reverse("wizard_info", args=[reference]),
    )
    parties = Place(
        "étape 2 du brouillon « Parties et rôles » (parties, rôles, représentants)",
        reverse("wizard_parties", args=[reference]),
    )
    plan = Place("plan de financement", reverse("conventions:plan", args=[reference]))
    text = Place(
        "ou écrivez la valeur dans le texte de la convention",
        reverse("conventions:text", args=[reference]),
    )

    def party_page(label: str) -> Place | None:
        if party_id is None:
            return None
        return Place(label, reverse("conventions:party_detail", args=[party_id]))

    prefix, _, attribute = name.partition(".")
    places: list[Place | None]
    if name in HAND_FILLED:
        return (Place("à écrire à la main par les signataires, le jour de la signature"),)
    if name in ("representant", "representant_nom"):
        places = [
            parties if is_draft else None,
            party_page("fiche de la partie (ses représentants)"),
            _admin("party", party_id),
        ]
    elif name in INFO_STEP_NAMES:
        places = [info if is_draft else None, text if is_draft else None]
    elif name.startswith("convention.parent."):
        places = [
            Place(
                f"convention modifiée {parent_reference}",
                reverse("conventions:detail", args=[parent_reference]),
            )
            if parent_reference
            else None
        ]
    elif prefix == "convention" or name == "bloc.visas":
        # Court, renewal, notice clause, copies, notification, visas: the back-office form.
        places = [_admin("convention", convention_id), text if is_draft else None]
    elif prefix == "poste":
        places = [
            Place("fiche du poste (unités, temps de travail, territoire)", _post_url(post_id))
            if post_id is not None
            else parties,
            _admin("post", post_id),
            text if is_draft else None,
        ]
    elif prefix == "deliberation":
        places = [
            party_page("fiche de la partie (ses délibérations)"),
            _admin("convention", convention_id),
        ]
    elif prefix == "financement" or name == "bloc.financement":
        places = [plan, text if is_draft else None]
    elif prefix == "parties" or name in ("bloc.parties", "bloc.modifications"):
        places = [parties if is_draft else None]
    elif party_id is None:
        # No party of that kind or with that role ("employeur", "autorite_fonctionnelle").
        places = [parties if is_draft else None, text if is_draft else None]
    elif attribute in REPRESENTATIVE_ATTRIBUTES:
        places = [
            parties if is_draft else None,
            party_page("fiche de la partie (ses représentants)"),
            _admin("party", party_id),
        ]
    elif attribute in PARTY_PAGE_ATTRIBUTES:
        places = [
            party_page("fiche de la partie"),
            _admin("party", party_id),
            text if is_draft else None,
        ]
    else:
        places = [text if is_draft else None]
    return tuple(place for place in places if place is not None)


def _post_url(post_id: int) -> str:
    return reverse("conventions:post_detail", args=[post_id])


# --------------------------------------------------------------------------- with the database


def party_ids_by_key(convention) -> dict[str, int]:
    """The party each party key of the templates reads (``etat``, ``employeur``…), as
    ``documents.convention_context`` chooses it: the first of its kind, the first with the role."""
    found: dict[str, int] = {}
    for membership in convention.memberships.select_related("party").order_by("order", "pk"):
        key = KIND_KEYS.get(membership.party.kind)
        if key:
            found.setdefault(key, membership.party_id)
        for role_key, flag in ROLE_KEYS.items():
            if getattr(membership, flag):
                found.setdefault(role_key, membership.party_id)
    return found


def convention_blanks(convention, text: dict | None = None) -> list[Blank]:
    """Every value missing from the convention's text (as it renders now), with its places."""
    return blanks_from_problems(convention, documents.render_html(convention, text=text).missing)


def blanks_from_problems(convention, problems) -> list[Blank]:
    """The rendering's missing values (``templating.Problem``) with where to fill each one."""
    by_key = party_ids_by_key(convention)
    post = convention.posts.order_by("pk").first()
    parent = convention.parent.reference if convention.parent_id else None
    blanks, seen = [], set()
    for problem in problems:
        key = (problem.where, problem.name, problem.party_id, problem.message)
        if key in seen:
            continue
        seen.add(key)
        party_id = problem.party_id
        if party_id is None:
            prefix = problem.name.partition(".")[0]
            party_id = by_key.get(prefix)
            if prefix == "deliberation":
                party_id = convention.organisation.party_id
        places = where_to_fill(
            problem.name,
            reference=convention.reference,
            convention_id=convention.pk,
            post_id=post.pk if post else None,
            party_id=party_id,
            parent_reference=parent,
            is_draft=convention.is_text_editable,
        )
        blanks.append(Blank(problem.where, problem.message, problem.name, places))
    return blanks


def blanks_summary(blanks: list[Blank]) -> str:
    """One line per blank, for the history: « Formule finale : « convention.lieu_signature » … »."""
    return "\n".join(f"- {blank}" for blank in blanks)
