"""A convention's document: the values its text may use, its HTML and its PDF (WeasyPrint).

``convention_context`` builds the only dictionary a template can read (see ``templating``);
``render_html`` renders the convention's text with it into the HTML of the whole document, and
``render_pdf`` turns that HTML into an A4 PDF with the fonts shipped in ``static/fonts``.
Storing versions, caching and freezing are in ``conventions.services``; the French wording
(articles, designations, plurals) in ``conventions.wording``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from html import escape
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from conventions import amendments, templating
from conventions.models import (
    SIGNED_STATUSES,
    Convention,
    ConventionKind,
    ConventionParty,
    PartyKind,
    UnitKind,
)
from conventions.templating import Block, Problem
from conventions.wording import (
    duration_words,
    enumerate_fr,
    number_words,
    party_designation,
    pronoun,
    representative_line,
    title_with_article,
    unit_place,
    visa,
    with_article,
)
from financing import engine, rule_words
from iscg import formatting, pdf
from iscg.formatting import NBSP, format_date_long, format_euros

#: Bump when the layout changes: a new layout must not be served from an older stored file.
RENDERER_VERSION = "3"  # 3: PDF/A-3u and tagged (iscg.pdf)
CSS_PATH = Path(settings.BASE_DIR) / "templates" / "conventions" / "pdf" / "document.css"

_PARENTHESIS = re.compile(r"\s*\([^)]*\)")


# --------------------------------------------------------------------------- the context


@dataclass
class PartyView:
    membership: ConventionParty
    deliberation: str | None = None
    #: The source act names no representative for this party (``Convention.unknown_values``).
    representative_unknown: bool = False

    @property
    def party(self):
        return self.membership.party

    @property
    def with_article(self) -> str:
        return with_article(self.party.name, self.party.kind)

    @property
    def representative_line(self) -> str | None:
        rep = self.membership.representative
        if rep is None:
            return None
        return representative_line(title=rep.title, name=rep.name, delegation=rep.delegation)

    @property
    def designation(self) -> str:
        line = self.representative_line or (
            templating.UNKNOWN if self.representative_unknown else templating.BLANK
        )  # visible: to complete, or said unknown in words
        return party_designation(
            party=self.with_article, wording=self.membership.wording, representative=line
        )

    def values(self, key: str) -> dict[str, str | None]:
        rep = self.membership.representative
        return {
            f"{key}.nom": self.party.name,
            f"{key}.nom_court": self.party.short_name or self.party.name,
            f"{key}.avec_article": self.with_article,
            f"{key}.pronom": pronoun(self.with_article),
            f"{key}.designation": self.designation,
            f"{key}.representant": self.representative_line,
            f"{key}.representant_nom": rep.name if rep else None,
            f"{key}.representant_qualite": rep.title if rep else None,
            f"{key}.adresse": self.party.address or None,
            f"{key}.deliberation": self.deliberation,
        }


KIND_KEYS = {
    PartyKind.ETAT: "etat",
    PartyKind.POLICE: "police",
    PartyKind.GENDARMERIE: "gendarmerie",
    PartyKind.DEPARTEMENT: "departement",
    PartyKind.EPCI: "epci",
    PartyKind.COMMUNE: "commune",
    PartyKind.CCAS_CIAS: "ccas",
    PartyKind.ASSOCIATION: "association",
    PartyKind.PARQUET: "parquet",
}
ROLE_KEYS = {
    "employeur": "is_employer",
    "autorite_fonctionnelle": "is_functional_authority",
    "autorite_hierarchique": "is_hierarchical_authority",
}


def _deliberation_text(deliberation) -> str:
    number = f" n°{NBSP}{deliberation.number}" if deliberation.number else ""
    return f"{deliberation.body}{number} du {format_date_long(deliberation.date)}"


@dataclass
class Financing:
    years: list[int] = field(default_factory=list)
    amounts: dict[tuple[int, int], Decimal] = field(default_factory=dict)  # (year, party pk)
    remainder: dict[int, int] = field(default_factory=dict)  # year → party pk
    costs: dict[int, tuple[Decimal, Decimal | None]] = field(
        default_factory=dict
    )  # year → (cost, months)
    annual_cost: Decimal | None = None
    full_year: dict[int, Decimal] = field(default_factory=dict)  # party pk → amount
    names: dict[int, str] = field(default_factory=dict)  # party pk → name
    #: Each party's rule in words (party pk → « 80 % du coût la 1re année de service… »,
    #: ``financing.rule_words.party_words``); empty for the totals of several posts.
    words: dict[int, str] = field(default_factory=dict)
    #: A convention covering several posts: each post's own figures (the fields above are
    #: then the convention's totals); empty for a one-post convention.
    posts: list[PostFinancing] = field(default_factory=list)


@dataclass
class PostFinancing:
    """One post's figures in a several-post convention: its own ``Financing``."""

    name: str
    financing: Financing


def _plan_financing(financing_plan, lines: list) -> Financing:
    """The figures of one plan: its stored lines, its years' cost and months, its first
    year's full-year shares."""
    result = Financing()
    for line in lines:
        if line.year not in result.years:
            result.years.append(line.year)
        result.amounts[(line.year, line.party_id)] = line.amount
        result.names[line.party_id] = line.party.name
        if line.is_remainder:
            result.remainder[line.year] = line.party_id
    if financing_plan is None:
        return result
    for plan_year in financing_plan.years.all():
        result.costs[plan_year.year] = (plan_year.cost, plan_year.months)
    try:
        plan = financing_plan.get_plan()
    except engine.PlanError:  # a plan saved before its rules changed: no full-year figures
        return result
    if plan.years:
        first = plan.years[0]
        result.annual_cost = first.annual_cost
        by_slug = {line.party.slug: line.party_id for line in lines}
        try:
            shares = engine.full_year(plan, first.year).shares
        except engine.PlanError:
            shares = {}
        result.full_year = {by_slug[s]: amount for s, amount in shares.items() if s in by_slug}
        names = {line.party.slug: line.party.name for line in lines}
        words = rule_words.party_words(plan, names)
        # « reste à charge » alone is already the note of the party's cells.
        result.words = {
            by_slug[s]: text
            for s, text in words.items()
            if s in by_slug and text != "reste à charge"
        }
    return result


def _summed(parts: list[Financing]) -> Financing:
    """The convention's totals over its posts' figures: amounts, costs, full-year shares and
    first-year annual costs added up; a year's months only when every post has the same; the
    remainder party of a year only when it is the same for every post that has the year."""
    total = Financing()
    remainders: dict[int, set[int]] = {}
    months: dict[int, set] = {}
    for part in parts:
        for year in part.years:
            if year not in total.years:
                total.years.append(year)
        for key, amount in part.amounts.items():
            total.amounts[key] = total.amounts.get(key, Decimal(0)) + amount
        total.names.update(part.names)
        for year in part.years:
            remainders.setdefault(year, set()).add(part.remainder.get(year, 0))
        for year, (cost, month) in part.costs.items():
            before = total.costs.get(year, (Decimal(0), None))[0]
            total.costs[year] = (before + cost, None)
            months.setdefault(year, set()).add(month)
        for pk, amount in part.full_year.items():
            total.full_year[pk] = total.full_year.get(pk, Decimal(0)) + amount
        if part.annual_cost is not None:
            total.annual_cost = (total.annual_cost or Decimal(0)) + part.annual_cost
    total.years.sort()
    for year, (cost, _) in total.costs.items():
        if len(months[year]) == 1:
            total.costs[year] = (cost, next(iter(months[year])))
    for year, pks in remainders.items():
        if len(pks) == 1 and 0 not in pks:
            total.remainder[year] = next(iter(pks))
    return total


def _financing(convention: Convention) -> Financing:
    """The convention's figures: those of its plan, or, for several posts, each post's and
    their totals."""
    lines = list(convention.share_lines.select_related("party", "post").order_by("year", "pk"))
    if not lines:
        return Financing()
    plans = list(
        convention.financing_plans.select_related("post")
        .prefetch_related("years")
        .order_by("post_id", "pk")
    )
    by_plan: dict[int, list] = {}
    for line in lines:
        by_plan.setdefault(line.plan_id, []).append(line)
    plans = [p for p in plans if p.pk in by_plan]
    if len(plans) <= 1:
        return _plan_financing(plans[0] if plans else None, lines)
    parts = [PostFinancing(p.post.name, _plan_financing(p, by_plan[p.pk])) for p in plans]
    total = _summed([part.financing for part in parts])
    total.posts = parts
    return total


@dataclass
class Sources:
    """What every section of the context reads, fetched once per document."""

    convention: Convention
    views: list[PartyView]
    deliberations: list
    by_party: dict[int, list]
    unknown: frozenset[str]


def _sources(convention: Convention) -> Sources:
    memberships = list(
        convention.memberships.select_related("party", "representative").order_by("order", "pk")
    )
    deliberations = list(convention.deliberations.select_related("party").order_by("date"))
    by_party: dict[int, list] = {}
    for deliberation in deliberations:
        by_party.setdefault(deliberation.party_id, []).append(deliberation)
    unknown = unknown_values(convention)
    views = [
        PartyView(
            m,
            _deliberation_text(by_party[m.party_id][-1]) if m.party_id in by_party else None,
            representative_unknown=representative_key(m.party) in unknown,
        )
        for m in memberships
    ]
    return Sources(convention, views, deliberations, by_party, unknown)


def convention_context(convention: Convention) -> dict[str, templating.Value]:
    """Every value a template may use for this convention; ``None`` where there is none.

    Built section by section of a convention (one function each, in the order of the act):
    the act itself and its dates, its parent for an avenant, the parties, the deliberation, the
    visas, the post, the modifications of an avenant, the financing; then what the source act
    does not give is said in words."""
    sources = _sources(convention)
    context: dict[str, templating.Value] = dict.fromkeys(templating.SCHEMA)
    for section in SECTIONS:
        context.update(section(sources))
    return _said_unknown(context, sources.unknown)


def _act_section(sources: Sources) -> dict[str, templating.Value]:
    """The act: reference, title, kind, dates, duration, notice, renewal, court, signature."""
    convention = sources.convention
    end = convention.computed_end_date
    start = convention.effective_start_date
    months = convention.duration_months
    dated = convention.start_date is not None and end is not None and start <= end
    span = formatting.duration_between(start, end) if dated else None
    if not months and span is not None and span[2] == 0:
        months = span[0] * 12 + span[1]
    notice = convention.notice_months
    return {
        "convention.reference": convention.reference,
        "convention.titre": convention.title,
        "convention.nature": convention.get_kind_display(),
        "convention.organisation": convention.organisation.name,
        "convention.date_debut": _date(convention.start_date),
        "convention.date_fin": _date(end),
        "convention.annee": str(start.year) if start else None,
        "convention.annee_suivante": str(start.year + 1) if start else None,
        "convention.duree": duration_words(months)
        if months
        else (formatting.duration_words(*span) if span else convention.duration_text),
        "convention.periode": formatting.period_words(start, end) if dated else None,
        "convention.duree_mois": str(months) if months else None,
        "convention.preavis": duration_words(notice) if notice else None,
        "convention.preavis_mois": str(notice) if notice else None,
        "convention.date_limite_denonciation": _date(convention.notice_deadline),
        "convention.renouvellement": convention.renewal_rule,
        "convention.denonciation": convention.notice_text,
        # The extraction's remark "(après tentative de solution amiable)" is not the court.
        "convention.juridiction": _PARENTHESIS.sub("", convention.competent_court).strip(),
        "convention.lieu_signature": convention.signature_place,
        "convention.date_signature": _date(convention.signature_date),
        "convention.exemplaires": str(convention.original_copies or "") or None,
        "convention.exemplaires_lettres": number_words(convention.original_copies)
        if convention.original_copies
        else None,
        "convention.date_notification": _date(convention.notification_date),
    }


def _parent_section(sources: Sources) -> dict[str, templating.Value]:
    """An avenant's parent convention: its reference, title and signature date."""
    convention = sources.convention
    if not convention.parent_id:
        return {}
    parent = convention.parent
    return {
        "convention.parent.reference": parent.reference,
        "convention.parent.titre": parent.title,
        "convention.parent.date_signature": _date(parent.signature_date),
    }


def _parties_section(sources: Sources) -> dict[str, templating.Value]:
    """Each party by kind (the first of each) and by role, the lists of parties, their block."""
    views = sources.views
    values: dict[str, templating.Value] = {}
    for view in views:
        key = KIND_KEYS.get(view.party.kind)
        if key and values.get(f"{key}.nom") is None:
            values.update(view.values(key))
        for role_key, flag in ROLE_KEYS.items():
            if getattr(view.membership, flag) and values.get(f"{role_key}.nom") is None:
                values.update(view.values(role_key))
    values.update(
        {
            "parties.liste": enumerate_fr([v.with_article for v in views]),
            "parties.signataires": enumerate_fr(
                [v.with_article for v in views if v.membership.is_signatory]
            ),
            "parties.financeurs": enumerate_fr(
                [v.with_article for v in views if v.membership.is_funder]
            ),
            "parties.epcis": enumerate_fr(
                [v.with_article for v in views if v.party.kind == PartyKind.EPCI]
            ),
            "parties.nombre": str(len(views)) if views else None,
            "bloc.parties": _parties_block(views),
        }
    )
    return values


def _deliberation_section(sources: Sources) -> dict[str, templating.Value]:
    """The managing organisation's deliberation (else the latest one on record)."""
    own = sources.convention.organisation.party_id
    deliberation = (sources.by_party.get(own) or sources.deliberations or [None])[-1]
    if deliberation is None:
        return {}
    return {
        "deliberation.instance": deliberation.body,
        "deliberation.date": _date(deliberation.date),
        "deliberation.numero": deliberation.number or None,
    }


def _visas_section(sources: Sources) -> dict[str, templating.Value]:
    """The legal basis, one "Vu …," line each."""
    legal_basis = sources.convention.legal_basis
    if not legal_basis.strip():
        return {}
    lines = [line for line in legal_basis.splitlines() if line.strip()]
    return {
        "bloc.visas": Block("".join(f'<p class="visa">{_inline(visa(line))}</p>' for line in lines))
    }


def _post_section(sources: Sources) -> dict[str, templating.Value]:
    """The convention's (first) post: units, working time, territory, authorities."""
    post = sources.convention.posts.order_by("pk").first()
    return _post_values(post) if post is not None else {}


def _modifications_section(sources: Sources) -> dict[str, templating.Value]:
    """What an avenant changes; one that changes only the wording says so, not a blank."""
    convention = sources.convention
    if not convention.parent_id:
        return {}
    changes = amendment_changes(convention)
    return {
        "bloc.modifications": Block(
            "<ul>" + "".join(f"<li>{_inline(change)}</li>" for change in changes) + "</ul>"
            if changes
            else f"<p>{NO_CHANGE}</p>"
        )
    }


def _financing_section(sources: Sources) -> dict[str, templating.Value]:
    """The amounts by year and party, and the financing table."""
    financing = _financing(sources.convention)
    if not financing.years:
        return {}
    first = financing.years[0]
    values: dict[str, templating.Value] = dict(_financing_values(financing, first, sources.views))
    values["bloc.financement"] = Block(_financing_table(financing, sources.views))
    return values


#: The sections of the context, in the order of a convention.
SECTIONS = (
    _act_section,
    _parent_section,
    _parties_section,
    _deliberation_section,
    _visas_section,
    _post_section,
    _modifications_section,
    _financing_section,
)


def _said_unknown(context: dict, unknown: frozenset[str]) -> dict[str, templating.Value]:
    """What the source act does not give is said in words, not left as a blank."""
    for name in unknown:
        value = context.get(name)
        if templating.is_known(name) and (value is None or str(value).strip() == ""):
            context[name] = templating.UNKNOWN
    return context


def unknown_values(convention: Convention) -> frozenset[str]:
    """The values the convention's source act does not give (see ``Convention.unknown_values``)."""
    values = convention.unknown_values if isinstance(convention.unknown_values, list) else []
    return frozenset(str(value) for value in values)


def representative_key(party) -> str:
    """The ``unknown_values`` entry saying that the act names no representative for a party."""
    return f"representant:{party.slug}"


def _date(value: date | None) -> str | None:
    return format_date_long(value) if value else None


def _inline(text: str) -> str:
    return escape(templating.french_typography(text), quote=False)


def _post_values(post) -> dict[str, str | None]:
    units = list(post.units.all())
    brigades = [u.name for u in units if u.kind in (UnitKind.BRIGADE, UnitKind.COB)]
    commissariats = [u.name for u in units if u.kind == UnitKind.COMMISSARIAT]
    companies = [u.name for u in units if u.kind == UnitKind.COMPAGNIE]
    pct = post.working_time_pct
    return {
        "poste.intitule": post.name,
        "poste.type": post.kind,
        "poste.type_long": post.get_kind_display(),
        "poste.temps_de_travail": post.working_time_text or None,
        "poste.quotite": f"{pct.normalize():f}{NBSP}%" if pct is not None else None,
        "poste.heures_hebdomadaires": f"{post.weekly_hours.normalize():f}"
        if post.weekly_hours is not None
        else None,
        "poste.territoire": post.territory_text or None,
        "poste.nombre_communes": str(post.communes_count) if post.communes_count else None,
        "poste.communes": enumerate_fr([c.strip() for c in post.communes.splitlines()]) or None,
        "poste.date_creation": _date(post.start_date),
        "poste.autorite_hierarchique": post.hierarchical_authority or None,
        "poste.autorite_fonctionnelle": post.functional_authority or None,
        "poste.unites": enumerate_fr([u.name for u in units]) or None,
        "poste.unite_principale": units[0].name if units else None,
        "poste.brigades": enumerate_fr([unit_place(name) for name in brigades]) or None,
        "poste.commissariats": enumerate_fr(commissariats) or None,
        "poste.compagnie": companies[0] if companies else None,
        "poste.epcis": enumerate_fr([with_article(p.name) for p in post.epcis.all()]) or None,
    }


def _financing_values(financing: Financing, first: int, views) -> dict[str, str | None]:
    values: dict[str, str | None] = {
        "financement.annee": str(first),
        "financement.cout_annuel": _euros(financing.annual_cost),
    }
    for year in financing.years:
        cost, months = financing.costs.get(year, (None, None))
        year_values = {
            "cout": _euros(cost),
            "mois": formatting.format_months(months) if months else None,
            "total": _euros(_year_total(financing, year)),
        }
        for what, value in year_values.items():
            values[f"financement.{year}.{what}"] = value
            if year == first:
                values[f"financement.{what}"] = value
        keys_done: set[str] = set()
        for view in views:
            keys = [KIND_KEYS.get(view.party.kind)] + [
                key for key, flag in ROLE_KEYS.items() if getattr(view.membership, flag)
            ]
            for key in keys:
                if not key or key in keys_done:
                    continue
                keys_done.add(key)
                amount = financing.amounts.get((year, view.party.pk))
                values[f"financement.{year}.{key}"] = _euros(amount)
                if year == first:
                    values[f"financement.{key}"] = _euros(amount)
                    values[f"financement.{key}.annee_pleine"] = _euros(
                        financing.full_year.get(view.party.pk)
                    )
    remainder = financing.remainder.get(first)
    party = next((v for v in views if v.party.pk == remainder), None)
    values["financement.reste_a_charge"] = party.with_article if party else None
    return values


def _euros(value) -> str | None:
    return format_euros(value) if value is not None else None


def _parties_block(views: list[PartyView]) -> Block | None:
    if not views:
        return None
    paragraphs = [f'<p class="party">{_inline(view.designation)}</p>' for view in views]
    return Block('<p class="and">ET</p>'.join(paragraphs))


def _year_total(financing: Financing, year: int) -> Decimal:
    return sum((a for (y, _), a in financing.amounts.items() if y == year), Decimal(0))


@dataclass(frozen=True)
class TableCell:
    amount: Decimal | None
    is_remainder: bool = False
    months: Decimal | None = None


@dataclass(frozen=True)
class TableRow:
    name: str
    cells: tuple[TableCell, ...]
    #: The party's rule in words (empty when unknown: totals of several posts).
    words: str = ""
    #: What the party pays over the whole period (all the years of the table).
    total: Decimal = Decimal(0)


@dataclass(frozen=True)
class PostTable:
    """One post's block of the table of a several-post convention."""

    name: str
    rows: tuple[TableRow, ...]
    totals: tuple[Decimal, ...]
    costs: tuple[TableCell, ...] = ()

    @property
    def period_total(self) -> Decimal:
        return sum(self.totals, Decimal(0))

    @property
    def period_cost(self) -> Decimal:
        return sum((cell.amount or Decimal(0) for cell in self.costs), Decimal(0))


@dataclass(frozen=True)
class FinancingTable:
    """The financing table of the document, as ``financing/includes/plan_table.html`` shows
    it: a row per party (in the order of the parties), a column per year, the totals and the
    post's cost (with its months, when not twelve). For a several-post convention, ``posts``
    holds each post's block (its rows, total and cost) and the other fields are the
    convention's totals."""

    years: tuple[int, ...]
    rows: tuple[TableRow, ...]
    totals: tuple[Decimal, ...]
    costs: tuple[TableCell, ...] = ()
    posts: tuple[PostTable, ...] = ()

    @property
    def period_total(self) -> Decimal:
        """What all the funders pay over the period (the table's last column)."""
        return sum(self.totals, Decimal(0))

    @property
    def period_cost(self) -> Decimal:
        return sum((cell.amount or Decimal(0) for cell in self.costs), Decimal(0))


def _table_parts(financing: Financing, views: list[PartyView], years: list[int]):
    order = {view.party.pk: index for index, view in enumerate(views)}
    names = {**financing.names, **{view.party.pk: view.party.name for view in views}}
    party_ids = sorted(
        {pk for (_, pk) in financing.amounts}, key=lambda pk: (order.get(pk, 999), pk)
    )
    rows = tuple(
        TableRow(
            name=templating.french_typography(names[pk]),
            cells=tuple(
                TableCell(financing.amounts.get((year, pk)), financing.remainder.get(year) == pk)
                for year in years
            ),
            words=templating.french_typography(financing.words.get(pk, "")),
            total=sum(
                (financing.amounts.get((year, pk), Decimal(0)) for year in years), Decimal(0)
            ),
        )
        for pk in party_ids
    )
    costs: tuple[TableCell, ...] = ()
    if financing.costs:
        costs = tuple(
            TableCell(cost, months=months)
            for cost, months in (financing.costs.get(year, (None, None)) for year in years)
        )
    totals = tuple(_year_total(financing, year) for year in years)
    return rows, totals, costs


def financing_table(financing: Financing, views: list[PartyView]) -> FinancingTable:
    """The table's figures: the plan's computed amounts as stored, party by party (and post by
    post, then in total, for several posts)."""
    years = financing.years
    rows, totals, costs = _table_parts(financing, views, years)
    posts = tuple(
        PostTable(post.name, *_table_parts(post.financing, views, years))
        for post in financing.posts
    )
    return FinancingTable(years=tuple(years), rows=rows, totals=totals, costs=costs, posts=posts)


def _financing_table(financing: Financing, views: list[PartyView]) -> str:
    return render_to_string(
        "financing/includes/plan_table.html", {"table": financing_table(financing, views)}
    ).strip()


# --------------------------------------------------------------------------- amendments


#: The modifications block of an avenant that changes no date, party, post or amount.
NO_CHANGE = "Les dates, les parties, les postes et les montants de la convention restent inchangés."


def amendment_changes(amendment: Convention) -> list[str]:
    """What an avenant changes, compared with its parent as amended by the signed avenants
    numbered before it: dates, notice, court, parties (added, withdrawn, representatives,
    roles), posts, and each amount by year and party. Nothing that did not change is listed
    (``conventions.amendments.changes_between``, a pure function)."""
    before = amendments.amended_state(amendment.parent, before=amendment)
    after = amendments.apply_amendment(before, amendments.snapshot(amendment))
    return amendments.changes_between(before, after)


# --------------------------------------------------------------------------- the text


def amendment_text() -> dict:
    """The default text of an avenant: what it changes, computed from its parent."""
    return {
        "title": "**{{ convention.titre }}**\n\n{{ convention.parent.titre }}",
        "parties_block": "Entre :\n\n{{ bloc.parties }}\n\nIl est convenu ce qui suit :",
        "preamble": "",
        "articles": [
            {
                "title": "Objet de l'avenant",
                "body": "Le présent avenant modifie la convention {{ convention.parent.reference }}"
                " sur les points suivants :\n\n{{ bloc.modifications }}",
            },
            {"title": "Financement", "body": "{{ bloc.financement }}"},
            {
                "title": "Autres dispositions",
                "body": "Les autres dispositions de la convention "
                "{{ convention.parent.reference }} demeurent inchangées.",
            },
        ],
        "closing": "Fait à {{ convention.lieu_signature }}, le {{ convention.date_signature }}, "
        "en {{ convention.exemplaires_lettres }} exemplaires originaux.",
    }


def default_text(convention: Convention) -> dict:
    """The text of a convention drafted from no template: its title, parties, financing, closing."""
    if convention.parent_id:
        text = amendment_text()
        if not convention.share_lines.exists():
            text["articles"] = [a for a in text["articles"] if a["title"] != "Financement"]
        return text
    articles = []
    if convention.share_lines.exists():
        articles.append({"title": "Financement", "body": "{{ bloc.financement }}"})
    return {
        "title": "{{ convention.titre }}",
        "parties_block": "Entre :\n\n{{ bloc.parties }}",
        "preamble": "",
        "articles": articles,
        "closing": "Fait à {{ convention.lieu_signature }}, le {{ convention.date_signature }}, "
        "en {{ convention.exemplaires_lettres }} exemplaires originaux.",
    }


def effective_text(convention: Convention) -> dict:
    """The convention's own text, else its template version's, else the default one."""
    if convention.text:
        return convention.text
    if convention.template_version_id:
        return convention.template_version.as_text()
    return default_text(convention)


# --------------------------------------------------------------------------- HTML


@dataclass
class Signature:
    party: str
    delegation: str
    title: str
    name: str
    missing: bool
    party_id: int | None = None
    #: A representative known by title only: the name line is blank.
    title_only: bool = False


def signature_blocks(convention: Convention) -> list[Signature]:
    """One block per signatory party: "Pour l'État, / le Préfet du Pas-de-Calais, / Jacques BILLANT"."""
    blocks = []
    unknown = unknown_values(convention)
    memberships = convention.memberships.filter(is_signatory=True).select_related(
        "party", "representative"
    )
    for membership in memberships.order_by("order", "pk"):
        rep = membership.representative
        name = rep.name if rep else ""
        said_unknown = representative_key(membership.party) in unknown
        if not name and said_unknown:
            name = templating.UNKNOWN
        blocks.append(
            Signature(
                party=with_article(membership.party.name, membership.party.kind),
                delegation=rep.delegation if rep else "",
                title=title_with_article(rep.title) if rep else "",
                name=name,
                missing=rep is None and not said_unknown,
                party_id=membership.party_id,
                title_only=rep is not None and not name,
            )
        )
    return blocks


@dataclass
class RenderedDocument:
    html: str
    input_hash: str
    missing: list[Problem]
    errors: list[Problem]


@cache
def _static_fingerprint() -> str:
    """What else than the HTML decides the PDF: the renderer, the stylesheet, the fonts."""
    digest = hashlib.sha256(RENDERER_VERSION.encode())
    digest.update(pdf.BASE_CSS_PATH.read_bytes())
    digest.update(CSS_PATH.read_bytes())
    for font in sorted(pdf.FONTS_DIR.glob("*.ttf")):
        digest.update(f"{font.name}:{font.stat().st_size}".encode())
    return digest.hexdigest()


def _typo(text: str) -> str:
    return templating.french_typography(text)


def is_projet(convention: Convention) -> bool:
    """A convention not yet signed by all (draft, awaiting signature, abandoned): its PDF
    carries "PROJET" on every page."""
    return convention.status not in SIGNED_STATUSES


def render_html(
    convention: Convention, text: dict | None = None, *, projet: bool | None = None
) -> RenderedDocument:
    """The whole document as HTML, and the hash that identifies its PDF. ``projet``: marked
    "PROJET" on every page (by default when the convention is not signed)."""
    projet = is_projet(convention) if projet is None else projet
    text = text if text is not None else effective_text(convention)
    errors = templating.validate_text(text)
    context = convention_context(convention)
    if errors:
        parts = {"title": "", "parties_block": "", "preamble": "", "articles": [], "closing": ""}
        missing: list[Problem] = []
    else:
        parts = templating.render_parts(text, context)
        missing = parts.pop("missing")
    signatures = signature_blocks(convention)
    for signature in signatures:
        if signature.missing:
            missing.append(
                Problem(
                    "Signatures",
                    f"aucun représentant signataire pour {signature.party}.",
                    "representant",
                    signature.party_id,
                )
            )
        elif signature.title_only:
            missing.append(
                Problem(
                    "Signatures",
                    f"le nom du représentant de {signature.party} ({signature.title}) n'est "
                    "pas renseigné.",
                    "representant_nom",
                    signature.party_id,
                )
            )
    if not errors:
        missing.extend(_designation_blanks(convention, text))
    html = render_to_string(
        "conventions/pdf/document.html",
        {
            "convention": convention,
            "parts": {
                key: mark_safe(value) if isinstance(value, str) else value  # noqa: S308 - escaped
                for key, value in parts.items()
            },
            "articles": [
                {**a, "title": mark_safe(a["title"]), "body": mark_safe(a["body"])}  # noqa: S308
                for a in parts["articles"]
            ],
            "signatures": signatures,
            "meta_title": _typo(convention.title),
            "meta_subject": f"{convention.get_kind_display()} {convention.reference}",
            "meta_author": convention.organisation.name,
            "meta_keywords": ", ".join(
                ["ISCG", convention.reference, convention.get_kind_display()]
            ),
            "is_amendment": convention.kind == ConventionKind.AVENANT,
            "is_projet": projet,
        },
    )
    return RenderedDocument(html, html_hash(html), missing, errors)


def html_hash(html: str) -> str:
    """What identifies a document's PDF: its HTML, the renderer, the stylesheet, the fonts."""
    digest = hashlib.sha256(_static_fingerprint().encode())
    digest.update(html.encode())
    return digest.hexdigest()


def _designation_blanks(convention: Convention, text: dict) -> list[Problem]:
    """Parties that are not signatories (those are reported with the signatures) and whose
    designation in the parties block prints a blank: no wording, no representative."""
    names = set()
    for _, part in templating.text_parts(text):
        names.update(templating.names_in(str(part or "")))
    if "bloc.parties" not in names:
        return []
    unknown = unknown_values(convention)
    problems = []
    memberships = convention.memberships.filter(is_signatory=False).select_related("party")
    for membership in memberships.order_by("order", "pk"):
        if membership.wording.strip() or membership.representative_id:
            continue
        if representative_key(membership.party) in unknown:
            continue
        problems.append(
            Problem(
                "Bloc des parties",
                f"aucun représentant pour {with_article(membership.party.name)}.",
                "representant",
                membership.party_id,
            )
        )
    return problems


# --------------------------------------------------------------------------- PDF


def render_pdf(html: str) -> tuple[bytes, int]:
    """The PDF (PDF/A-3u, tagged: ``iscg.pdf``) of a document's HTML and its number of pages."""
    return pdf.render_pdf(html, CSS_PATH)
