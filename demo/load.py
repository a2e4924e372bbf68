"""Demo data: four real cases loaded from the JSON extractions shipped in ``demo/data/``.

``load_demo()`` is idempotent and atomic. Every object is looked up by its natural key
(organisation slug, party slug, post slug, convention reference, …), validated with
``full_clean()`` and saved only when something changed, so a second run creates nothing,
keeps every primary key and adds no history row. Child rows of a post or a convention (host
units, absences, memberships) are upserted and those the sources no longer list are deleted.

Statuses (the sources hold no signature date for Pas-de-Calais; the texts are annexes of the
deliberation that authorises their signature):

* Pas-de-Calais 2023: ``signee`` for the 15 conventions approved by the Commission
  Permanente of 3 July 2023 (n° 2023-332), except ``PDC2023-A13`` (Osartis Marquion: a new
  post "en cours de recrutement", starting 1 September 2023) left ``a_signer`` so that the demo
  has a convention still to sign;
* Quimper: ``a_signer`` (only the municipal authorisation of 7 December 2023 is known; the
  post "prendrait ses fonctions en janvier 2024");
* Dijon: ``signee`` (signed in Dijon on 24 June 2022);
* Aubervilliers: ``signee`` (authorised on 21 November 2013, renewing the 2009 convention of a
  post in service since 2009; the signature date is not in the source).

Later issues add their own steps (financing plans, users, bilans) by appending a callable to
``EXTRA_STEPS``; ``load_demo()`` runs them, in order, after the four cases.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from conventions.models import (
    FROZEN_TEXT_STATUSES,
    Convention,
    ConventionKind,
    ConventionParty,
    ConventionStatus,
    Deliberation,
    HostUnit,
    Party,
    PartyKind,
    Post,
    PostAbsence,
    Representative,
    UnitKind,
)
from financing import engine
from iscg.formatting import MONTHS, format_date_long
from iscg.models import Organisation

DEMO_DATA_DIR = Path(__file__).resolve().parent / "data"

#: Later loading steps, as dotted paths imported when they run (financing plans, bilans, users).
EXTRA_STEPS: list[str] = [
    "demo.plans.load_plans",
    "demo.bilans.load_bilans",
    "demo.documents.load_document_templates",
    "demo.load.load_amendment_and_renewal",
    "demo.identifiers.load_public_identifiers",
    "demo.users.create_demo_users",
    "demo.signing.open_demo_circuits",
]

DEMO_ORGANISATION_SLUGS = ("pas-de-calais", "finistere", "dijon", "aubervilliers")

PDC_REFERENCE = "PDC2023-A{annex:02d}"
#: The one Pas-de-Calais convention left "à signer" (see the module docstring).
PDC_TO_SIGN = frozenset({"PDC2023-A13"})

#: Values the signed acts do not give (``Convention.unknown_values``): their documents say
#: "(non précisé dans l'acte)" instead of a blank. The deliberation's annexes carry no signature
#: date at all (observations of the extraction), those of France Victimes 62 leave the place
#: blank ("Fait à....., le"); the other names are those the texts drafted from the Pas-de-Calais
#: models use and that the annex does not give (no court named, no renewal clause, no notice
#: in annexe 9, no address of the EPCI, no start date or weekly hours of the post…).
PDC_UNKNOWN_VALUES: dict[int, list[str]] = {
    5: ["poste.territoire"],
    8: ["employeur.adresse", "convention.renouvellement", "convention.juridiction"],
    9: [
        "poste.date_creation",
        "poste.heures_hebdomadaires",
        "convention.preavis",
        "convention.preavis_mois",
        "convention.juridiction",
    ],
    10: [
        "poste.date_creation",
        "poste.brigades",
        "poste.territoire",
        "convention.renouvellement",
        "convention.juridiction",
    ],
    11: ["employeur.adresse", "convention.renouvellement", "convention.juridiction"],
    12: ["convention.renouvellement", "convention.juridiction"],
    14: ["convention.lieu_signature"],
    15: ["convention.lieu_signature"],
    16: ["convention.lieu_signature"],
    17: ["convention.lieu_signature"],
}
#: The Département's deliberation date left as a draft placeholder in annexes 8, 12, 14–17
#: (".././....", "../../....", "XX/XX/XXXX"): it is the Commission permanente that approves them.
_DATE_PLACEHOLDER = re.compile(r"(?:\.{1,2}/){2}\.{2,4}|XX/XX/XXXX")
#: Annexes 15 to 17 as extracted start the Département's designation with "…"; the seed text
#: (the deliberation) writes it in full.
PDC_DEPARTEMENT_DESIGNATION = (
    "Le Département du Pas-de-Calais représenté par son Président, M. Jean-Claude LEROY,"
)

CONVENTION_KINDS = {
    "mise_a_disposition": ConventionKind.MISE_A_DISPOSITION,
    "subvention_bipartite": ConventionKind.OBJECTIFS,
    "financement_tripartite": ConventionKind.FINANCEMENT,
    "partenariat": ConventionKind.PARTENARIAT,
}

ROLE_FIELDS = {
    "signataire": "is_signatory",
    "financeur": "is_funder",
    "employeur": "is_employer",
    "autorite_fonctionnelle": "is_functional_authority",
    "autorite_hierarchique": "is_hierarchical_authority",
    "beneficiaire": "is_beneficiary",
    "destinataire_bilan": "receives_report",
}

FRENCH_MONTHS = {month: number for number, month in enumerate(MONTHS, start=1)}


# --------------------------------------------------------------------------- entry point


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Load (or refresh) the four demo organisations; return the number of objects of each kind."""
    load_pas_de_calais()
    load_quimper()
    load_dijon()
    load_aubervilliers()
    for step in EXTRA_STEPS:
        import_string(step)()
    return demo_counts()


def demo_counts() -> dict[str, int]:
    organisations = Organisation.objects.filter(slug__in=DEMO_ORGANISATION_SLUGS)
    return {
        "organisations": organisations.count(),
        "parties": Party.objects.filter(organisation__in=organisations).count(),
        "representatives": Representative.objects.filter(
            party__organisation__in=organisations
        ).count(),
        "deliberations": Deliberation.objects.filter(party__organisation__in=organisations).count(),
        "posts": Post.objects.filter(organisation__in=organisations).count(),
        "units": HostUnit.objects.filter(post__organisation__in=organisations).count(),
        "absences": PostAbsence.objects.filter(post__organisation__in=organisations).count(),
        "conventions": Convention.objects.filter(organisation__in=organisations).count(),
        "memberships": ConventionParty.objects.filter(
            convention__organisation__in=organisations
        ).count(),
    }


# --------------------------------------------------------------------------- generic helpers


@cache
def read_source(filename: str) -> dict[str, Any]:
    """One JSON extraction of ``demo/data/`` (read once per process)."""
    return json.loads((DEMO_DATA_DIR / filename).read_text(encoding="utf-8"))


def upsert[M: models.Model](model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> M:
    """``update_or_create`` that validates with ``full_clean()`` and saves only on change.

    Saving an unchanged row would add a history record (and bump ``updated_at``): a second run
    of the loader must leave the database exactly as it was.
    """
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
        changed = True
    else:
        changed = False
        for field, value in values.items():
            if getattr(instance, field) != value:
                setattr(instance, field, value)
                changed = True
    instance.full_clean()
    if changed:
        instance.save()
    return instance


def delete_others(queryset: models.QuerySet, keep: Iterable[models.Model]) -> None:
    """Delete the child rows the sources no longer list."""
    queryset.exclude(pk__in=[obj.pk for obj in keep]).delete()


def parse_date(value: str | None) -> date | None:
    """ISO date; a month alone ("2022-06") gives its first day; a year alone gives None."""
    if not value:
        return None
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 2:
        return date(parts[0], parts[1], 1)
    return None


def parse_french_date(text: str) -> date | None:
    """Parse the first French date of a text: "5 avril 2023" → 2023-04-05."""
    match = re.search(r"(\d{1,2})(?:er)? (" + "|".join(FRENCH_MONTHS) + r") (\d{4})", text)
    if not match:
        return None
    return date(int(match[3]), FRENCH_MONTHS[match[2]], int(match[1]))


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def capitalise(value: str) -> str:
    return value[:1].upper() + value[1:]


def sentence(label: str, value: Any) -> str:
    """Format a note line "Label : value." ("" without value; no double full stop)."""
    value = text(value)
    if not value:
        return ""
    return f"{label} : {value}" + ("" if value[-1] in ".!?»" else ".")


def join_lines(lines: Iterable[str | None]) -> str:
    return "\n".join(line for line in (text(x) for x in lines) if line)


def extraction_note(value: str | None) -> str:
    """An extractor's remark (written in English in the JSON), kept verbatim and labelled."""
    return f"Extraction : {value}" if value else ""


_ANNOTATION = re.compile(r"\s*\([^)]*['’:;][^)]*\)")


def strip_annotations(value: str | None) -> str:
    """Drop the extractor's parenthesised comments: "Arras (city only: 'à Arras')" → "Arras"."""
    return _ANNOTATION.sub("", text(value)).strip()


_ABBREVIATIONS = [
    (re.compile(r"Centre Intercommunal d'Action Sociale", re.I), "CIAS"),
    (re.compile(r"Centre Communal d'Action Sociale(?: \(CCAS\))?", re.I), "CCAS"),
    (re.compile(r"Communauté d'Agglomération", re.I), "CA"),
    (re.compile(r"Communauté de Communes", re.I), "CC"),
    (re.compile(r"Communauté Urbaine", re.I), "CU"),
    (re.compile(r"Parquet près le Tribunal Judiciaire", re.I), "Parquet"),
]
_LEADING_ARTICLE = re.compile(r"^(?:L['’]|Le |La |Les )", re.I)
_KIND_SHORT_NAMES = {
    PartyKind.ETAT: "État",
    PartyKind.POLICE: "Police nationale",
    PartyKind.GENDARMERIE: "Gendarmerie nationale",
    PartyKind.DEPARTEMENT: "Département",
}


def short_name_for(kind: str, name: str) -> str:
    """Derive a short name: "Communauté de Communes du Ternois" → "CC du Ternois", "État"…"""
    if kind in _KIND_SHORT_NAMES:
        return _KIND_SHORT_NAMES[kind]
    acronym = re.search(r"\(([A-Z]{3,})\)$", name)
    if acronym:
        return acronym[1]
    short = _LEADING_ARTICLE.sub("", name.strip())
    short = re.split(r" [—–] ", short)[0]
    for pattern, abbreviation in _ABBREVIATIONS:
        short = pattern.sub(abbreviation, short)
    return capitalise(short)


def party_kind(value: str) -> str:
    return value if value in PartyKind.values else PartyKind.OTHER


def unit_kind(value: str | None) -> str:
    return value if value in UnitKind.values else UnitKind.OTHER


def clean_title(value: str) -> str:
    """Drop the extractor's brackets: "Président (du Conseil communautaire)" → without them."""
    return re.sub(r"\((du |de la |des )([^)]*)\)", r"\1\2", value).strip()


# --------------------------------------------------------------------------- building blocks


def upsert_organisation(
    slug: str, name: str, budget_line: str = "", actes_department: str = ""
) -> Organisation:
    """``actes_department``: the préfecture's département code of its @ctes transmissions."""
    values = {"name": name, "budget_line": budget_line, "actes_department": actes_department}
    return upsert(Organisation, {"slug": slug}, values)


def set_organisation_party(organisation: Organisation, party: Party) -> None:
    upsert(Organisation, {"pk": organisation.pk}, {"party": party})
    organisation.party = party


def upsert_party(
    organisation: Organisation,
    slug: str,
    *,
    kind: str,
    name: str,
    short_name: str | None = None,
    address: str = "",
    notes: str = "",
) -> Party:
    kind = party_kind(kind)
    return upsert(
        Party,
        {"organisation": organisation, "slug": slug},
        {
            "kind": kind,
            "name": name,
            "short_name": short_name if short_name is not None else short_name_for(kind, name),
            "address": address,
            "notes": notes,
        },
    )


def upsert_representative(
    party: Party, *, name: str | None, title: str, delegation: str = ""
) -> Representative:
    name = text(name)
    lookup: dict[str, Any] = {"party": party, "name": name}
    values: dict[str, Any] = {"title": title, "delegation": delegation}
    if not name:  # only a title is known ("madame la maire"): the title is the key
        lookup["title"] = values.pop("title")
    return upsert(Representative, lookup, values)


def upsert_deliberation(
    party: Party, *, body: str, day: date, number: str = "", subject: str = ""
) -> Deliberation:
    return upsert(
        Deliberation,
        {"party": party, "body": body, "date": day},
        {"number": number, "subject": subject},
    )


def upsert_post(organisation: Organisation, slug: str, **values: Any) -> Post:
    return upsert(Post, {"organisation": organisation, "slug": slug}, values)


def replace_units(post: Post, units: list[dict[str, Any]]) -> None:
    """Upsert the post's host units by name, in the source's order, and drop the others.

    Each dict: name, kind, optional parent_party (Party), address, time_share.
    """
    kept = []
    for unit in units:
        kept.append(
            upsert(
                HostUnit,
                {"post": post, "name": unit["name"]},
                {
                    "kind": unit_kind(unit.get("kind")),
                    "parent_party": unit.get("parent_party"),
                    "address": text(unit.get("address")),
                    "time_share": (
                        Decimal(str(unit["time_share"]))
                        if unit.get("time_share") is not None
                        else None
                    ),
                },
            )
        )
    delete_others(post.units.all(), kept)
    post.full_clean()  # the time shares of the units now add up (or are all unknown)


def replace_absences(post: Post, absences: list[tuple[date, str]]) -> None:
    kept = [
        upsert(PostAbsence, {"post": post, "start": start}, {"end": None, "reason": reason})
        for start, reason in absences
    ]
    delete_others(post.absences.all(), kept)


def upsert_convention(organisation: Organisation, reference: str, **values: Any) -> Convention:
    values.setdefault("parent", None)
    values.setdefault("renews", None)
    values.setdefault("unknown_values", [])
    if values.get("status") in FROZEN_TEXT_STATUSES and "text_frozen_at" not in values:
        # An act loaded to sign or signed has its text frozen: since it was first loaded.
        frozen = (
            Convention.objects.filter(reference=reference)
            .values_list("text_frozen_at", flat=True)
            .first()
        )
        values["text_frozen_at"] = frozen or timezone.now()
    return upsert(Convention, {"reference": reference}, {"organisation": organisation, **values})


def replace_memberships(convention: Convention, members: list[dict[str, Any]]) -> None:
    """Upsert one ConventionParty per member, ``order`` = position in the source's list.

    Each dict: party (Party), roles (JSON role names), wording, representative.
    """
    kept = []
    for order, member in enumerate(members):
        roles = set(member["roles"])
        values = {field: role in roles for role, field in ROLE_FIELDS.items()}
        values.update(
            order=order,
            wording=text(member.get("wording")),
            representative=member.get("representative"),
        )
        kept.append(
            upsert(ConventionParty, {"convention": convention, "party": member["party"]}, values)
        )
    delete_others(convention.memberships.all(), kept)


def match_representative(
    representatives: list[Representative], signatory_name: str | None
) -> Representative | None:
    """The party's representative whose surname is in the signature block ("CREPIN")."""
    if not representatives:
        return None
    if signatory_name:
        surname = signatory_name.split()[-1].upper()
        for representative in representatives:
            if representative.name and representative.name.split()[-1].upper() == surname:
                return representative
    return representatives[0]  # no name in the block: the party's usual representative


# --------------------------------------------------------------------------- Pas-de-Calais


def load_pas_de_calais() -> Organisation:
    """Deliberation 2023-332 of the Commission Permanente (3 July 2023), annexes 3 to 17."""
    source = read_source("pas_de_calais_2023.json")
    decision = source["decision"]
    organisation = upsert_organisation(
        "pas-de-calais",
        "Département du Pas-de-Calais",
        budget_line=text(
            decision.get("budget_line", {}).get("in_decision_article_27", {}).get("imputation")
        ),
        actes_department="062",
    )
    parties, representatives = _pdc_parties(organisation, source["parties"])
    set_organisation_party(organisation, parties["departement_62"])
    authorisations = _pdc_deliberations(source, parties)
    posts = _pdc_posts(organisation, source, parties)
    _pdc_conventions(organisation, source, parties, representatives, posts, authorisations)
    _pdc_covered_epcis(source, parties, posts)
    return organisation


#: People who sign for a party by delegation (other_people of the JSON).
PDC_DELEGATES = {
    "epci_ca_boulonnais": [
        {
            "name": "Gwenaëlle LOIRE",
            "title": (
                "10ème Vice-Présidente en charge des politiques de prévention, sécurité et santé"
            ),
            "delegation": "par délégation du Président (arrêté du 10 juillet 2020)",
        }
    ]
}


def _pdc_parties(
    organisation: Organisation, rows: list[dict[str, Any]]
) -> tuple[dict[str, Party], dict[str, list[Representative]]]:
    parties: dict[str, Party] = {}
    representatives: dict[str, list[Representative]] = {}
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        notes = [extraction_note(row.get("notes"))]
        territory = row.get("territory")
        if territory:
            notes.append(
                f"Territoire : {territory['communes']} communes, "
                f"{territory['habitants']:,} habitants".replace(",", "\u202f")
                + (f" ({territory['note']})" if territory.get("note") else "")
                + "."
            )
        if row.get("parent_party"):
            parent = by_id[row["parent_party"]]
            notes.append(f"Rattaché à : {parent['name']}.")
        if row.get("contracting") is False:
            notes.append("Citée dans les actes sans être partie aux conventions de 2023.")
        services = [s.split(" — ")[0] for s in row.get("services_named", [])]
        if services:
            notes.append("Services cités : " + " ; ".join(services) + ".")
        party = upsert_party(
            organisation,
            row["id"],
            kind=row["kind"],
            name=row["name"],
            address=strip_annotations(row.get("address")),
            notes=join_lines(notes),
        )
        parties[row["id"]] = party
        reps = []
        if row.get("representative"):
            rep = row["representative"]
            reps.append(
                upsert_representative(party, name=rep["name"], title=clean_title(rep["title"]))
            )
        for delegate in PDC_DELEGATES.get(row["id"], []):
            reps.append(upsert_representative(party, **delegate))
        representatives[row["id"]] = reps
    return parties, representatives


def _pdc_deliberations(
    source: dict[str, Any], parties: dict[str, Party]
) -> dict[str, list[Deliberation]]:
    """Deliberations authorising a party, by party slug ("*" = the Département's, for all)."""
    decision = source["decision"]
    found: dict[str, list[Deliberation]] = {
        "*": [
            upsert_deliberation(
                parties["departement_62"],
                body=decision["body"],
                day=parse_date(decision["meeting_date"]),
                number=decision["number"],
                subject=decision["title"],
            )
        ]
    }
    for row in source["parties"]:
        auth = row.get("authorisation")
        if not auth:
            continue
        subject = "Citée dans la convention comme autorisant la signature du Président."
        if auth.get("number_as_written"):
            subject += (
                f" Numéro laissé en blanc dans la convention (« {auth['number_as_written']} »)."
            )
        found.setdefault(row["id"], []).append(
            upsert_deliberation(
                parties[row["id"]],
                body=auth["body"],
                day=parse_date(auth["date"]),
                number=text(auth.get("number")),
                subject=subject,
            )
        )
    return found


def _pdc_legal_basis_deliberations(members: list[Party], lines: list[str]) -> list[Deliberation]:
    """The EPCI's act among the visas: "délibération du Bureau communautaire du … autorisant…"."""
    epcis = [party for party in members if party.kind == PartyKind.EPCI]
    found = []
    for line in lines:
        match = re.match(
            r"délibération du (Bureau communautaire|Conseil communautaire) du (.+)", line
        )
        if not match or "autorisant" not in line or len(epcis) != 1:
            continue
        day = parse_french_date(match[2])
        if day:
            found.append(
                upsert_deliberation(epcis[0], body=match[1], day=day, subject=capitalise(line))
            )
    return found


def _pdc_absences(source: dict[str, Any]) -> dict[str, list[tuple[date, str]]]:
    """Absences from the posts and from the 2022 activity rows (the reason why a bilan lacks)."""
    absences: dict[str, dict[date, str]] = {}
    for post in source["posts"]:
        if post.get("absence"):
            start = parse_date(post["absence"]["since"])
            absences.setdefault(post["id"], {})[start] = post["absence"]["text"]
    for row in source["activity_2022"]["rows"]:
        missing = row.get("missing")
        if missing and missing.get("absent_since"):
            start = parse_date(missing["absent_since"])
            absences.setdefault(row["post"], {}).setdefault(start, missing["reason_text"])
    return {post: sorted(rows.items()) for post, rows in absences.items()}


def _pdc_post_notes(row: dict[str, Any]) -> str:
    dates = row.get("dates") or {}
    renewal = parse_date(dates.get("renewal_of_worker"))
    notes = [
        sentence("Implantation (rapport)", row.get("rapport_location")),
        sentence("Rapport", row.get("rapport_description")),
        sentence("Situation selon le rapport", dates.get("status_in_rapport")),
        sentence("Résidence administrative", row.get("administrative_residence")),
        sentence("Statut de l'intervenant", row.get("worker_status")),
        sentence("Profil", row.get("worker_profile")),
        sentence("Autres lieux d'exercice", row.get("other_sites")),
        sentence("Répartition du temps", row.get("time_split_as_written")),
        sentence("Rémunération", (row.get("salary_estimate") or {}).get("as_written")),
        sentence("Contrat", dates.get("worker_contract")),
        f"Renouvellement de l'intervenant au {format_date_long(renewal)}." if renewal else "",
    ]
    history = row.get("holders_history") or []
    if history:
        notes.append("Historique du poste :")
        for step in history:
            period = " – ".join(p for p in (text(step.get("from")), text(step.get("to"))) if p)
            notes.append(f"- {period + ' : ' if period else ''}{step['text']}")
    units_by_note: dict[str, list[str]] = {}
    for unit in row.get("units", []):
        if unit.get("note"):
            units_by_note.setdefault(unit["note"], []).append(f"« {unit['name']} »")
    for note, names in units_by_note.items():
        label = "Unité" if len(names) == 1 else "Unités"
        notes.append(sentence(f"{label} {', '.join(names)}", note))
    if row.get("cofinanced_by_departement_2023") is False:
        notes.append("Non cofinancé par le Département en 2023.")
    for key in ("note", "authorities_note", "first_start_note", "dates_note"):
        notes.append(extraction_note(row.get(key) or dates.get(key)))
    return join_lines(notes)


def _pdc_posts(
    organisation: Organisation, source: dict[str, Any], parties: dict[str, Party]
) -> dict[str, Post]:
    absences = _pdc_absences(source)
    posts: dict[str, Post] = {}
    for row in source["posts"]:
        employer = parties[row["employer"]]
        employer_label = re.sub(r"^(CA|CC|CU) ", "", employer.short_name)
        name = row.get("name") or f"Poste {row['type']} {employer_label}"
        if row.get("name_disambiguation"):
            name = f"{name} ({employer.short_name})"
        working_time = row.get("working_time") or {}
        first_start = text((row.get("dates") or {}).get("first_start"))
        post = upsert_post(
            organisation,
            row["id"],
            name=name,
            kind=row["type"],
            employer=employer,
            hierarchical_authority=text(row.get("autorite_hierarchique")),
            functional_authority=text(row.get("autorite_fonctionnelle")),
            working_time_pct=_decimal(working_time.get("pct")),
            weekly_hours=_decimal(working_time.get("hours_per_week")),
            working_time_text=text(working_time.get("as_written")),
            territory_text=text(row.get("territory_text")),
            communes_count=row.get("nb_communes"),
            communes="",
            first_year=int(first_start[:4]) if first_start else None,
            start_date=parse_date(first_start),
            notes=_pdc_post_notes(row),
        )
        replace_units(
            post,
            [
                {
                    "name": unit["name"],
                    "kind": unit["kind"],
                    "parent_party": parties.get(unit.get("parent_party")),
                    "address": unit.get("address"),
                    "time_share": unit.get("time_share_pct"),
                }
                for unit in row["units"]
            ],
        )
        replace_absences(post, absences.get(row["id"], []))
        posts[row["id"]] = post
    return posts


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _pdc_convention_notes(
    row: dict[str, Any], decision: dict[str, Any], by_annex: dict[int, dict[str, Any]]
) -> str:
    meeting = parse_date(decision["meeting_date"])
    comite = row.get("comite")
    created = parse_date(row.get("post_created_from"))
    notes = [
        f"Annexe {row['annex']} de la délibération n° {decision['number']} de la Commission "
        f"permanente du {format_date_long(meeting)}.",
        "Texte marqué « PROJET »." if row.get("marked") == "PROJET" else "",
        "Vaut aussi convention de financement." if row.get("also_financing") else "",
        sentence("Action", row.get("action")),
        sentence("Priorité FIPD", row.get("fipd_priority")),
        f"Poste créé le {format_date_long(created)}." if created else "",
        sentence("Temps de travail", row.get("working_time")),
        sentence("Recrutement", row.get("recruitment")),
        sentence("Évaluation", _pdc_same_as(row, "evaluation", by_annex)),
        sentence(comite["name"], ", ".join(comite["members"]) + f" ({comite['frequency']})")
        if comite
        else "",
        sentence("Unités citées, non signataires", ", ".join(row.get("non_signatory_units", []))),
        sentence("Sanctions", row.get("sanctions")),
        sentence("Avenant", row.get("amendment")),
        f"Lieu de signature laissé en blanc (« {row['signature_place_as_written']} »)."
        if row.get("signature_place_as_written")
        else "",
        _pdc_placeholder_note(row, meeting),
    ]
    for key in (
        "title_note",
        "kind_note",
        "end_date_note",
        "notice_period_note",
        "copies_note",
        "non_signatory_note",
        "post_created_note",
    ):
        notes.append(extraction_note(row.get(key)))
    return join_lines(notes)


def _pdc_placeholder_note(row: dict[str, Any], meeting: date | None) -> str:
    """Say so when the Département's deliberation date, left as dots in the draft annex, is
    printed as the date of the Commission permanente (see ``_pdc_wording``)."""
    for member in row["parties"]:
        written = text(member.get("as_written"))
        found = _DATE_PLACEHOLDER.search(written) if member["party"] == "departement_62" else None
        if found:
            return (
                f"Date de la délibération du Département laissée en blanc dans l'annexe "
                f"(« {found[0]} ») : le texte porte celle de la Commission permanente du "
                f"{format_date_long(meeting)} qui approuve la convention."
            )
    return ""


def _pdc_same_as(row: dict[str, Any], key: str, by_annex: dict[int, dict[str, Any]]) -> Any:
    """The extractor writes "same as annexe 6 (…)" for a clause copied from another annex."""
    value = row.get(key)
    match = re.match(r"same as annexe (\d+)", value) if isinstance(value, str) else None
    return by_annex[int(match[1])].get(key) if match else value


def _pdc_legal_basis_lines(row: dict[str, Any], by_annex: dict[int, dict[str, Any]]) -> list[str]:
    basis = _pdc_same_as(row, "legal_basis", by_annex)
    return [basis] if isinstance(basis, str) else list(basis or [])


def _pdc_conventions(
    organisation: Organisation,
    source: dict[str, Any],
    parties: dict[str, Party],
    representatives: dict[str, list[Representative]],
    posts: dict[str, Post],
    authorisations: dict[str, list[Deliberation]],
) -> None:
    decision = source["decision"]
    by_annex = {row["annex"]: row for row in source["conventions"]}
    for row in source["conventions"]:
        reference = PDC_REFERENCE.format(annex=row["annex"])
        title = row["title"]
        if row.get("action"):  # annexes 6 and 7 share a title; the action tells them apart
            title = f"{title} : {row['action']}"
        start, end = parse_date(row.get("start_date")), parse_date(row.get("end_date"))
        duration = text(row.get("duration"))
        notice = row.get("notice_period")
        legal_basis = _pdc_legal_basis_lines(row, by_annex)
        convention = upsert_convention(
            organisation,
            reference,
            title=title,
            kind=CONVENTION_KINDS[row["kind"]],
            start_date=start,
            end_date=end,
            duration_months=12 if end is None and "un an" in duration else None,
            notification_date=None,
            duration_text=duration,
            renewal_rule=text(row.get("renewal")),
            # No notice at all in annexe 9 ("peut être résiliée … en cas de non-respect").
            notice_months=notice["months"] if notice else 0,
            notice_text=text(notice["text"]) if notice else "",
            signature_place=text(row.get("signature_place")),
            signature_date=parse_date(row.get("signature_date")),
            original_copies=row.get("original_copies"),
            competent_court=_competent_court(row.get("competent_court")),
            legal_basis=join_lines(legal_basis),
            status=(
                ConventionStatus.TO_SIGN if reference in PDC_TO_SIGN else ConventionStatus.SIGNED
            ),
            notes=_pdc_convention_notes(row, decision, by_annex),
            unknown_values=[]
            if reference in PDC_TO_SIGN
            else ["convention.date_signature", *PDC_UNKNOWN_VALUES.get(row["annex"], [])],
        )
        convention.posts.set([posts[row["post"]]])

        signatories = {s["party"]: s for s in row.get("signatories", [])}
        members = []
        for member in row["parties"]:
            slug = member["party"]
            signatory = signatories.get(slug, {})
            members.append(
                {
                    "party": parties[slug],
                    "roles": member["roles"],
                    "wording": _pdc_wording(member.get("as_written"), slug, decision),
                    "representative": match_representative(
                        representatives.get(slug, []), signatory.get("name")
                    ),
                }
            )
        replace_memberships(convention, members)

        member_parties = [m["party"] for m in members]
        deliberations = list(authorisations["*"])
        for party in member_parties:
            deliberations += authorisations.get(party.slug, [])
        deliberations += _pdc_legal_basis_deliberations(member_parties, legal_basis)
        convention.deliberations.set(deliberations)


def _pdc_wording(value: str | None, slug: str, decision: dict[str, Any]) -> str:
    """A party's designation as the annex writes it, with the Département's deliberation date
    that the draft left as dots (the Commission permanente that approves the convention)."""
    wording = text(value)
    if slug != "departement_62" or not wording:
        return wording
    if wording.startswith("…"):
        wording = f"{PDC_DEPARTEMENT_DESIGNATION} {wording.lstrip('… ')}"
    meeting = format_date_long(parse_date(decision["meeting_date"]))
    return _DATE_PLACEHOLDER.sub(meeting, wording)


def _competent_court(value: str | None) -> str:
    value = text(value).replace("(not named)", "(non désignée)")
    return capitalise(value)


def _pdc_covered_epcis(
    source: dict[str, Any], parties: dict[str, Party], posts: dict[str, Post]
) -> None:
    """EPCIs a post covers: its employer if an EPCI, and the EPCI funders of its conventions.

    A CIAS funder stands for its EPCI (CIAS de Desvres-Samer → CC de Desvres-Samer).
    """
    parent_of = {row["id"]: row.get("parent_party") for row in source["parties"]}
    covered: dict[str, list[str]] = {slug: [] for slug in posts}
    for row in source["posts"]:
        if parties[row["employer"]].kind == PartyKind.EPCI:
            covered[row["id"]].append(row["employer"])
    for row in source["conventions"]:
        for member in row["parties"]:
            if "financeur" not in member["roles"]:
                continue
            slug = member["party"]
            if parties[slug].kind != PartyKind.EPCI and parent_of.get(slug):
                slug = parent_of[slug]
            if parties[slug].kind == PartyKind.EPCI and slug not in covered[row["post"]]:
                covered[row["post"]].append(slug)
    for slug, post in posts.items():
        post.epcis.set([parties[epci] for epci in covered[slug]])


# --------------------------------------------------------------------------- Quimper


#: The extraction leaves the Finistère implicit ("Sur le Finistère"); the names say it.
QUIMPER_NAMES = {
    "etat_29": "État (préfecture du Finistère)",
    "departement_29": "Département du Finistère",
    "commune_quimper": "Ville de Quimper",
    "commune_concarneau": "Ville de Concarneau",
    "commune_ergue_gaberic": "Commune d'Ergué-Gabéric",
    "police_commissariats": "Commissariats de Quimper et de Concarneau",
}


def load_quimper() -> Organisation:
    """Ville de Quimper, deliberation n° 20 of 7 December 2023 (the convention is not in it)."""
    source = read_source("quimper_2023.json")
    deliberation = source["deliberation"]
    organisation = upsert_organisation(
        "finistere", "Département du Finistère", actes_department="029"
    )

    parties: dict[str, Party] = {}
    representatives: dict[str, Representative] = {}
    for row in source["parties"]:
        name = QUIMPER_NAMES.get(row["id"], strip_annotations(row["name"]))
        notes = [f"Désignation dans la délibération : {row['name']}."]
        notes.append(extraction_note(row.get("note")))
        parties[row["id"]] = upsert_party(
            organisation,
            row["id"],
            kind=row["kind"],
            name=name,
            address=text(row.get("address")),
            notes=join_lines(notes),
        )
    set_organisation_party(organisation, parties["departement_29"])
    # "autoriser madame la maire à signer": the only representative the source gives.
    representatives["commune_quimper"] = upsert_representative(
        parties["commune_quimper"], name=None, title="Maire de Quimper"
    )
    authorisation = upsert_deliberation(
        parties["commune_quimper"],
        body=deliberation["body"],
        day=parse_date(deliberation["meeting_date"]),
        number=deliberation["number"],
        subject=capitalise(deliberation["decision"]),
    )

    post_row = source["post"]
    post = upsert_post(
        organisation,
        "isc_quimper_concarneau",
        name="Poste ISC Quimper–Concarneau",
        kind=post_row["type"],
        employer=parties[post_row["employer"]],
        hierarchical_authority="Le Département, employeur (encadrement)",
        functional_authority="",
        working_time_pct=None,
        weekly_hours=None,
        working_time_text="",
        territory_text="Quimper, Concarneau et Ergué-Gabéric",
        communes_count=3,
        communes="Quimper\nConcarneau\nErgué-Gabéric",
        first_year=2024,
        start_date=date(2024, 1, 1),
        notes=join_lines(
            [
                f"Prise de fonctions : « {post_row['start']['as_written']} » (au conditionnel).",
                sentence("Profils", post_row["profiles"]),
                sentence("Contexte", source["context"]["coverage"]),
            ]
        ),
    )
    replace_units(
        post,
        [
            {
                "name": capitalise(unit),
                "kind": UnitKind.COMMISSARIAT,
                "parent_party": parties["police_commissariats"],
            }
            for unit in post_row["units"]
        ],
    )
    post.epcis.set([])

    convention = upsert_convention(
        organisation,
        "QUIMPER2023",
        title=(
            "Convention de partenariat relative au recrutement et au financement d'un poste "
            "d'intervenant social au sein des commissariats de Quimper et de Concarneau"
        ),
        kind=ConventionKind.PARTENARIAT,
        start_date=None,
        end_date=None,
        duration_months=None,
        notification_date=None,
        duration_text="",
        renewal_rule="",
        notice_months=3,
        notice_text="",
        signature_place="",
        signature_date=None,
        original_copies=None,
        competent_court="",
        legal_basis="",
        status=ConventionStatus.TO_SIGN,
        notes=join_lines(
            [
                "Le texte de la convention ne figure pas dans la source : seule la délibération "
                f"n° {deliberation['number']} du conseil municipal de Quimper du "
                f"{format_date_long(parse_date(deliberation['meeting_date']))} qui autorise sa signature "
                f"({deliberation['vote']}).",
                "Durée, dates et préavis non précisés (préavis de 3 mois par défaut).",
                "Financement : État 80 % la 1re année, 50 % la 2e, 30 % la 3e, puis 33 % ; "
                "le reste réparti 30 % Département, 40 % Quimper, 20 % Concarneau, "
                "10 % Ergué-Gabéric ; le Département, employeur, prend en charge le véhicule, "
                "la logistique et l'encadrement.",
            ]
        ),
    )
    convention.posts.set([post])
    funder = ["signataire", "financeur"]
    replace_memberships(
        convention,
        [
            {"party": parties["etat_29"], "roles": funder},
            {
                "party": parties["departement_29"],
                "roles": [*funder, "employeur", "autorite_hierarchique"],
            },
            {
                "party": parties["commune_quimper"],
                "roles": funder,
                "representative": representatives["commune_quimper"],
            },
            {"party": parties["commune_concarneau"], "roles": funder},
            {"party": parties["commune_ergue_gaberic"], "roles": funder},
        ],
    )
    convention.deliberations.set([authorisation])
    return organisation


# --------------------------------------------------------------------------- Dijon


def load_dijon() -> Organisation:
    """Convention triennale de partenariat signed in Dijon on 24 June 2022 (CCAS employer)."""
    source = read_source("dijon_2022.json")
    data = source["convention"]
    organisation = upsert_organisation("dijon", "CCAS de Dijon", actes_department="021")

    parties: dict[str, Party] = {}
    representatives: dict[str, list[Representative]] = {}
    deliberations = []
    for row in source["parties"]:
        party = upsert_party(
            organisation,
            row["id"],
            kind=row["kind"],
            name=row["name"],
            address=text(row.get("address")),
        )
        parties[row["id"]] = party
        rep = row.get("representative")
        if rep:
            delegation = "Pour le Président, par délégation" if rep.get("delegation") else ""
            title = rep["title"]
            if row["kind"] == PartyKind.CCAS_CIAS:
                title = f"{title} du CCAS de la Ville de Dijon"
            representatives[row["id"]] = [
                upsert_representative(party, name=rep["name"], title=title, delegation=delegation)
            ]
        auth = row.get("authorisation")
        if auth:
            deliberations.append(
                upsert_deliberation(
                    party,
                    body=auth["body"],
                    day=parse_date(auth["date"]),
                    number=text(auth.get("number")),
                    subject="Habilite le Président à signer la convention.",
                )
            )
    ccas = parties["ccas_dijon"]
    set_organisation_party(organisation, ccas)

    post_row = source["post"]
    by_id = {row["id"]: row for row in source["parties"]}
    start = parse_date(post_row["start_date"])
    post = upsert_post(
        organisation,
        "isc_dijon_suquet",
        name="Poste ISC Dijon (commissariat de SUQUET)",
        kind=post_row["type"],
        employer=parties[post_row["employer"]],
        hierarchical_authority=capitalise(by_id["ccas_dijon"]["autorite_hierarchique"]),
        functional_authority=capitalise(by_id["police_ddsp_21"]["autorite_fonctionnelle"]),
        working_time_pct=None,
        weekly_hours=None,
        working_time_text=capitalise(post_row["working_days"]),
        territory_text="",
        communes_count=None,
        communes="",
        first_year=start.year,
        start_date=start,
        notes=join_lines(
            [
                f"Création : « {post_row['start_as_written']} ».",
                sentence("Recrutement", post_row["recruitment"]),
                "Équipement fourni par la police : " + ", ".join(post_row["equipment"]) + ".",
            ]
        ),
    )
    replace_units(
        post,
        [
            {
                "name": "Commissariat de SUQUET (Dijon)",
                "kind": UnitKind.COMMISSARIAT,
                "parent_party": parties["police_ddsp_21"],
            }
        ],
    )

    signature = data["signature"]
    signed_on = parse_date(signature["date"])
    comite = source["comite_de_suivi"]
    convention = upsert_convention(
        organisation,
        "DIJON2022",
        title=f"Convention triennale de partenariat {data['title']}",
        kind=ConventionKind.PARTENARIAT_TRIENNAL,
        start_date=None,
        end_date=None,
        duration_months=data["duration"]["years"] * 12,
        # The notification date is not in the source: the signature date stands for it.
        notification_date=signed_on,
        duration_text=data["duration"]["as_written"],
        renewal_rule=data["renewal"],
        notice_months=data["notice_period"]["months"],
        notice_text=data["notice_period"]["as_written"],
        signature_place=signature["place"],
        signature_date=signed_on,
        original_copies=signature["original_copies"],
        competent_court=text(data.get("competent_court")),
        legal_basis=data["legal_basis"],
        status=ConventionStatus.SIGNED,
        notes=join_lines(
            [
                "Date de notification inconnue : la date de signature (24/06/2022) en tient lieu.",
                sentence("Clause suspensive", data["suspensive_clause"]),
                "Financement de l'État : 80 % des charges salariales du CCAS en 2022, 50 % en "
                "2023, 30 % en 2024 ; demande de concours avant le 30 octobre de l'année "
                "précédente (art. 8).",
                f"Comité de suivi ({comite['frequency']}) : " + ", ".join(comite["members"]) + ".",
                f"Bilan d'activité transmis au {comite['bilan_sent_to']}.",
                f"Annexe : {data['annex'].replace(' (not in the file)', '')} "
                "(absente de la source).",
            ]
        ),
    )
    convention.posts.set([post])
    signatories = {s["party"]: s for s in source["signatories"]}
    replace_memberships(
        convention,
        [
            {
                "party": parties[row["id"]],
                "roles": row["roles"],
                "wording": (row.get("representative") or {}).get("as_written"),
                "representative": match_representative(
                    representatives.get(row["id"], []),
                    signatories.get(row["id"], {}).get("name"),
                ),
            }
            for row in source["parties"]
        ],
    )
    convention.deliberations.set(deliberations)
    return organisation


# --------------------------------------------------------------------------- Aubervilliers


def _aubervilliers_roles(source: dict[str, Any], slug: str) -> list[str]:
    """The roles of the extraction; the employer is also the hierarchical authority ("l'employeur
    est le Maire … le développement de carrière revenant à l'employeur")."""
    roles = list(next(r["roles"] for r in source["parties"] if r["id"] == slug))
    if "employeur" in roles and "autorite_hierarchique" not in roles:
        roles.append("autorite_hierarchique")
    return roles


def load_aubervilliers() -> Organisation:
    """Conseil municipal of 21 November 2013: renewal of the 2009 partnership convention."""
    source = read_source("aubervilliers_2013.json")
    deliberation = source["deliberation"]
    organisation = upsert_organisation(
        "aubervilliers", "Ville d'Aubervilliers", actes_department="093"
    )

    titles = {
        "commune_aubervilliers": "Maire d'Aubervilliers",
        "police_commissariat_aubervilliers": "Commissaire de police d'Aubervilliers",
    }
    parties: dict[str, Party] = {}
    representatives: dict[str, Representative] = {}
    for row in source["parties"]:
        party = upsert_party(
            organisation,
            row["id"],
            kind=row["kind"],
            name=row["name"],
            notes=extraction_note(row.get("note")),
        )
        parties[row["id"]] = party
        if row.get("representative"):
            representatives[row["id"]] = upsert_representative(
                party, name=row["representative"]["name"], title=titles[row["id"]]
            )
    commune = parties["commune_aubervilliers"]
    police = parties["police_commissariat_aubervilliers"]
    set_organisation_party(organisation, commune)
    authorisation = upsert_deliberation(
        commune,
        body="Conseil municipal de la Ville d'Aubervilliers",
        day=parse_date(deliberation["meeting_date"]),
        number=deliberation["reference"],
        subject=re.sub(r"^AUTORISE", "Autorise", deliberation["decision"]),
    )

    posts = []
    for row in source["posts"]:
        took_office = row["took_office"]
        start = parse_date(took_office)
        funding = row["funding_2013"]
        notes = [f"Financement 2013 : « {funding['as_written']} »."]
        if len(took_office) == 7:
            notes.insert(0, f"Prise de fonctions en {start:%m/%Y} (jour non précisé).")
        post = upsert_post(
            organisation,
            f"isc_aubervilliers_{row['rank']}",
            name=f"Poste ISC Aubervilliers ({row['working_time']['as_written']})",
            kind=row["type"],
            employer=commune,
            hierarchical_authority="Le Maire (employeur)",
            functional_authority="Le commissaire de police d'Aubervilliers",
            working_time_pct=_decimal(row["working_time"]["pct"]),
            weekly_hours=None,
            working_time_text=capitalise(row["working_time"]["as_written"]),
            territory_text="Aubervilliers",
            communes_count=1,
            communes="Aubervilliers",
            first_year=start.year,
            start_date=start,
            notes=join_lines(notes),
        )
        replace_units(
            post, [{"name": row["unit"], "kind": UnitKind.COMMISSARIAT, "parent_party": police}]
        )
        posts.append(post)

    data = source["convention"]
    convention = upsert_convention(
        organisation,
        "AUBERVILLIERS2013",
        title=(
            "Convention de partenariat concernant les intervenants sociaux en commissariat au "
            "Commissariat d'Aubervilliers"
        ),
        kind=ConventionKind.PARTENARIAT,
        start_date=None,
        end_date=None,
        duration_months=data["duration_years"] * 12,
        notification_date=None,
        duration_text="3 ans",
        renewal_rule="",
        notice_months=3,
        notice_text="",
        signature_place="Aubervilliers",
        signature_date=None,
        original_copies=None,
        competent_court="",
        legal_basis="",
        status=ConventionStatus.SIGNED,
        # Only the deliberation authorising the signature is known: not the text's dates, its
        # number of copies, nor the names of the Maire and of the commissaire who sign.
        unknown_values=[
            "convention.date_fin",
            "convention.date_signature",
            "convention.exemplaires_lettres",
            "representant:commune_aubervilliers",
            "representant:police_commissariat_aubervilliers",
        ],
        notes=join_lines(
            [
                "Renouvelle la convention de partenariat de 2009 entre la Ville et le "
                "commissariat (texte de 2009 absent des sources, non chargé) : "
                f"« {data['as_written']} ».",
                "Autorisée par le conseil municipal du 21/11/2013 (à l'unanimité) ; date de "
                "signature, dates de la période et préavis non précisés (préavis de 3 mois par "
                "défaut).",
                "L'État (préfecture de la Seine-Saint-Denis) finance par le FIPD sans être partie "
                "à la convention.",
            ]
        ),
    )
    convention.posts.set(posts)
    replace_memberships(
        convention,
        [
            {
                "party": parties[slug],
                "roles": _aubervilliers_roles(source, slug),
                "representative": representatives.get(slug),
            }
            for slug in data["parties"]
        ],
    )
    convention.deliberations.set([authorisation])
    return organisation


# --------------------------------------------------------------------------- avenant, renewal

#: An illustrative signed avenant (the sources hold none) and a draft renewal, so that the demo
#: shows both. The avenant changes one amount of one year that no source figure is checked
#: against: the State's 2024 rate for the Dijon post, 30 % → 33 % of the salary charges (the
#: rate Quimper's schedule gives after the third year), 12 484 € → 13 733 €, the CCAS
#: (employer, remainder) taking the rest. Its plan states that year only (an avenant's plan
#: replaces its parent's for the years it covers); avenants drafted in the wizard copy the
#: whole plan and change it.
DEMO_AMENDMENT = "DIJON2022-AV1"
DEMO_AMENDMENT_PARENT = "DIJON2022"
DEMO_AMENDMENT_SIGNED_ON = date(2022, 11, 15)  # in force with its parent from then on
DEMO_RENEWAL = "PDC2024-A10"
DEMO_RENEWAL_SOURCE = "PDC2023-A10"


def load_amendment_and_renewal() -> None:
    """Idempotent: the avenant is upserted (brought back to its demo state); the renewal, a
    draft someone may be working on, is created once and then left alone."""
    from conventions import drafting
    from financing.models import FinancingPlan
    from financing.services import plan_set_as_signed

    parent = Convention.objects.get(reference=DEMO_AMENDMENT_PARENT)
    amendment = upsert_convention(
        parent.organisation,
        DEMO_AMENDMENT,
        title=f"Avenant n° 1 à la convention {parent.reference} (exemple illustratif)",
        kind=ConventionKind.AVENANT,
        parent=parent,
        amendment_number=1,
        status=ConventionStatus.SIGNED,
        signature_date=DEMO_AMENDMENT_SIGNED_ON,
        notes="Exemple illustratif : les sources ne contiennent aucun avenant. Il porte le taux "
        "de l'État pour 2024 de 30 % à 33 % des charges salariales.",
        **{
            name: getattr(parent, name)
            for name in drafting.COPIED_FIELDS + drafting.DATE_FIELDS
            if name not in ("title", "kind")
        },
    )
    if set(amendment.posts.all()) != set(parent.posts.all()):
        amendment.posts.set(parent.posts.all())
    members = [
        {
            "party": membership.party,
            "roles": [role.value for role in membership.roles],
            "wording": membership.wording,
            "representative": membership.representative,
        }
        for membership in parent.memberships.select_related("party", "representative")
    ]
    replace_memberships(amendment, members)
    for membership in amendment.memberships.filter(is_signatory=True).select_related(
        "representative"
    ):
        upsert(
            ConventionParty,
            {"pk": membership.pk},
            {
                "signed_on": DEMO_AMENDMENT_SIGNED_ON,
                "signatory_name": membership.representative.name
                if membership.representative
                else "Signataire non nommé (exemple illustratif)",
            },
        )
    plan = FinancingPlan.objects.get(convention=parent)
    year_2024 = engine.only_years(plan.get_plan(), {2024})
    amended = dataclasses.replace(
        year_2024,
        shares=tuple(
            dataclasses.replace(share, percent_by_year={2024: Decimal(33)})
            if share.percent_by_year
            else share
            for share in year_2024.shares
        ),
    )
    plan_set_as_signed(
        convention=amendment,
        post=plan.post,
        plan=amended,
        months_by_hand=plan.months_by_hand,
        notes="Avenant illustratif : taux de l'État pour 2024 porté de 30 % à 33 %.",
    )

    if not Convention.objects.filter(reference=DEMO_RENEWAL).exists():
        started = drafting.convention_draft_start(
            organisation=Convention.objects.get(reference=DEMO_RENEWAL_SOURCE).organisation,
            mode="renouvellement",
            source=Convention.objects.get(reference=DEMO_RENEWAL_SOURCE),
            reference=DEMO_RENEWAL,
        )
        if started.plan_not_copied:
            raise ValueError(started.plan_not_copied)  # the demo's source has its dates
