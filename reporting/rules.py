"""Pure rules of a bilan d'activité: sums, ranges, completeness, due dates, anonymity.

No database here: every rule takes plain values (a mapping of field name → value) and returns
French messages naming the figures, so each one is tested by itself (tests/reporting/test_rules.py)
and the same rules serve the model, the forms, the spreadsheet import and the workflow.
"""

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from decimal import Decimal
from typing import Any

from iscg.formatting import MONTHS, count_words, format_number
from reporting import privacy

#: A bilan's figures as a form or an import gives them (field name → value, None when blank).
Values = Mapping[str, Any]

HUNDRED = Decimal(100)
#: Rounding allowed between a year's VIF share and the weighted share of its parts (points).
VIF_TOLERANCE = Decimal("0.5")

# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class Breakdown:
    """A count split into parts that must add up to a total, unless marked "non ventilé"."""

    name: str
    total: str
    total_label: str
    parts: tuple[tuple[str, str], ...]
    flag: str

    @property
    def parts_fields(self) -> tuple[str, ...]:
        return tuple(field for field, _ in self.parts)


SEX = Breakdown(
    "saisines",
    total="referrals_total",
    total_label="total",
    parts=(
        ("referrals_women", "Femmes"),
        ("referrals_men", "hommes"),
        ("referrals_children", "enfants"),
    ),
    flag="referrals_not_split",
)
PUBLIC = Breakdown(
    "public",
    total="referrals_total",
    total_label="total des saisines",
    parts=(
        ("public_victims", "Victimes"),
        ("public_suspects", "mis en cause"),
        ("public_other", "hors champ pénal"),
    ),
    flag="public_not_split",
)
ORIGIN = Breakdown(
    "origine",
    total="referrals_total",
    total_label="total des saisines",
    parts=(
        ("origin_services", "Services de police ou de gendarmerie"),
        ("origin_main_courante", "main courante"),
        ("origin_partners", "partenaires"),
        ("origin_own_request", "demande de la personne"),
    ),
    flag="origin_not_split",
)
INTERVIEWS = Breakdown(
    "entretiens",
    total="interviews_total",
    total_label="total des entretiens",
    parts=(("interviews_in_person", "Physiques"), ("interviews_phone", "téléphoniques")),
    flag="interviews_not_split",
)
BREAKDOWNS = (SEX, PUBLIC, ORIGIN, INTERVIEWS)

#: Main problématiques and orientations, counted (one saisine may have several of each).
PROBLEMS = {
    "violences_conjugales": "Violences conjugales",
    "violences_intrafamiliales": "Autres violences intrafamiliales",
    "mineurs": "Mineurs en danger ou en risque",
    "conflits_familiaux": "Conflits familiaux, séparation",
    "precarite": "Précarité, difficultés sociales",
    "logement": "Logement, hébergement, errance",
    "sante_mentale": "Santé mentale, troubles psychiatriques",
    "addictions": "Addictions",
    "isolement": "Isolement, vulnérabilité (personnes âgées…)",
    "voisinage": "Différends de voisinage",
    "autre": "Autre",
}
ORIENTATIONS = {
    "service_social_departemental": "Service social départemental (MDS)",
    "ccas": "CCAS / CIAS",
    "aide_aux_victimes": "Association d'aide aux victimes",
    "justice": "Justice, accès au droit, avocat",
    "sante": "Soins, santé mentale, addictologie",
    "hebergement": "Hébergement, logement",
    "protection_enfance": "Protection de l'enfance (CRIP, ASE)",
    "autre": "Autre",
}

#: Every count of the year, as the model names it (used to tell an empty bilan).
COUNT_FIELDS = (
    *SEX.parts_fields,
    SEX.total,
    *PUBLIC.parts_fields,
    *ORIGIN.parts_fields,
    *INTERVIEWS.parts_fields,
    INTERVIEWS.total,
    "interviews_with_partners",
    "vif_pct",
    "known_to_social_services",
)


@dataclass(frozen=True)
class Issue:
    """One broken rule: the field it concerns (None for the whole bilan) and a French message.

    ``inconsistency``: figures that do not add up yet (a sum, a part above its total, a missing
    figure). A draft is saved with them, so that half-finished work is kept; they are listed on
    the bilan's pages and only the sending to the coordinator waits for them. Every other issue
    (out of range, nominative text, a structure the table cannot hold) stops the saving."""

    field: str | None
    message: str
    inconsistency: bool = dataclass_field(default=False, compare=False)


def blocking(issues: Iterable[Issue]) -> list[Issue]:
    """The issues that stop even a draft from being saved."""
    return [issue for issue in issues if not issue.inconsistency]


def inconsistencies(issues: Iterable[Issue]) -> list[Issue]:
    """The issues a draft is saved with (they block only its sending)."""
    return [issue for issue in issues if issue.inconsistency]


def n(value: Decimal | int) -> str:
    """A count as French text ("1 000")."""
    return format_number(value)


def counted(count: int, singular: str, plural: str) -> str:
    """A count and its noun, agreed the French way: 0 and 1 take the singular ("0 bilan
    transmis", "1 bilan transmis", "4 bilans transmis", "1 000 bilans transmis"):
    ``iscg.formatting.count_words``, the product's one rule."""
    return count_words(count, singular, plural)


def pct(value: Decimal | int | str) -> str:
    """A percentage as French text ("61,5 %")."""
    amount = Decimal(value)
    if amount == amount.to_integral_value():
        return f"{format_number(amount)}\u00a0%"
    return f"{format_number(amount, 2).rstrip('0').rstrip(',')}\u00a0%"


# --------------------------------------------------------------------------- year figures


def breakdown_issues(values: Values, breakdown: Breakdown) -> list[Issue]:
    """The parts must add up to the total. An empty breakdown is simply "non ventilé"; a partial
    one must be marked so, and its parts must then not exceed the total."""
    total = values.get(breakdown.total)
    parts = [(field, label, values.get(field)) for field, label in breakdown.parts]
    given = [(field, label, value) for field, label, value in parts if value is not None]
    if not given:
        return []
    not_split = bool(values.get(breakdown.flag))
    if total is None:
        return [
            Issue(
                breakdown.total,
                f"Indiquez le {breakdown.total_label} : la ventilation ({breakdown.name}) "
                "n'a de sens qu'avec lui.",
                inconsistency=True,
            )
        ]
    text = " + ".join(f"{label} {n(value)}" for _, label, value in given)
    text = text[0].upper() + text[1:]
    given_sum = sum(value for _, _, value in given)
    if not_split:
        if given_sum > total:
            return [
                Issue(
                    breakdown.total,
                    f"{text} = {n(given_sum)}, plus que le {breakdown.total_label} {n(total)}.",
                    inconsistency=True,
                )
            ]
        return []
    missing = [label for _, label, value in parts if value is None]
    if missing:
        return [
            Issue(
                breakdown.flag,
                f"Ventilation ({breakdown.name}) incomplète : renseignez "
                f"{', '.join(label.lower() for label in missing)}, ou cochez « non ventilé ».",
                inconsistency=True,
            )
        ]
    if given_sum != total:
        return [
            Issue(
                breakdown.total,
                f"{text} = {n(given_sum)}, différent du {breakdown.total_label} {n(total)}.",
                inconsistency=True,
            )
        ]
    return []


def percentage_issue(
    value: Decimal | int | str | None, field: str = "vif_pct", label: str = "La part de VIF"
) -> Issue | None:
    if value is None:
        return None
    if Decimal(value) < 0 or Decimal(value) > HUNDRED:
        typed = format_number(Decimal(value), 2).removesuffix(",00")
        return Issue(field, f"{label} doit être comprise entre 0 et 100 % (saisi : {typed} %).")
    return None


def subset_issues(values: Values) -> list[Issue]:
    """Counts that are part of another one ("dont…") cannot exceed it."""
    issues = []
    checks = [
        (
            "interviews_with_partners",
            "Entretiens avec des partenaires",
            "interviews_total",
            "total des entretiens",
        ),
        (
            "known_to_social_services",
            "Personnes déjà connues d'un service social",
            "referrals_total",
            "total des saisines",
        ),
    ]
    for field, label, total_field, total_label in checks:
        value, total = values.get(field), values.get(total_field)
        if value is not None and total is not None and value > total:
            issues.append(
                Issue(
                    field,
                    f"{label} {n(value)}, plus que le {total_label} {n(total)}.",
                    inconsistency=True,
                )
            )
    return issues


def category_counts_issues(
    counts: object,
    allowed: Mapping[str, str],
    field: str,
    total: int | None,
) -> list[Issue]:
    """Problématiques or orientations: known categories, whole counts, none above the saisines.

    ``counts`` as given (an import may give anything): a mapping of category → count."""
    if not counts:
        return []
    if not isinstance(counts, Mapping):
        return [Issue(field, "Les comptes doivent être donnés par catégorie.")]
    issues = []
    for key, value in counts.items():
        if key not in allowed:
            issues.append(Issue(field, f"Catégorie « {key} » inconnue."))
            continue
        label = allowed[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            issues.append(Issue(field, f"{label} : un nombre entier positif est attendu."))
        elif total is not None and value > total:
            issues.append(
                Issue(
                    field,
                    f"{label} {n(value)}, plus que le total des saisines {n(total)}.",
                    inconsistency=True,
                )
            )
    return issues


def no_report_issues(values: Values) -> list[Issue]:
    """A year without bilan has its reason and no figures (a reason of blanks counts as one:
    the table's constraint ``bilan_no_figures_without_report`` would refuse it)."""
    if not (values.get("no_report_reason") or ""):
        return []
    filled = [field for field in COUNT_FIELDS if values.get(field) is not None]
    if filled:
        return [
            Issue(
                "no_report_reason",
                "Une année sans bilan ne porte aucun chiffre : videz les chiffres ou le motif.",
            )
        ]
    return []


def completeness_issues(values: Values) -> list[Issue]:
    """What a bilan needs before it is submitted: its saisines, or the reason why there are none."""
    if (values.get("no_report_reason") or "").strip():
        return []
    if values.get("referrals_total") is None:
        return [
            Issue(
                "referrals_total",
                "Indiquez le total des saisines, ou le motif de l'absence de bilan.",
                inconsistency=True,
            )
        ]
    return []


# --------------------------------------------------------------------------- anonymity

#: Every free-text field of a bilan (and of its parts), with the words naming it in messages.
FREE_TEXT_LABELS = {
    "comment": "Commentaire qualitatif",
    "no_report_reason": "Motif de l'absence de bilan",
    "review_comment": "Commentaire du coordinateur",
    "label": "Nom de l'unité",
}


def personal_data_issues(text: str | None, field: str = "comment") -> list[Issue]:
    """Bilans are never nominative (Béthune convention art. 4): the one check of every
    free-text field of a bilan (``reporting/privacy.py``: civilities and titles with a name,
    first name and name, date of birth, street address, NIR, e-mail, phone), its message
    naming the field (``FREE_TEXT_LABELS``) and what looks personal, never repeating it whole."""
    message = privacy.personal_data_message(text, FREE_TEXT_LABELS.get(field, field))
    return [Issue(field, message)] if message else []


# --------------------------------------------------------------------------- whole bilan


def bilan_issues(values: Values, *, complete: bool = False) -> list[Issue]:
    """Every rule on a year's figures; ``complete`` adds what submission requires."""
    issues: list[Issue] = []
    for breakdown in BREAKDOWNS:
        issues += breakdown_issues(values, breakdown)
    issue = percentage_issue(values.get("vif_pct"))
    if issue:
        issues.append(issue)
    issues += subset_issues(values)
    total = values.get("referrals_total")
    issues += category_counts_issues(values.get("problems"), PROBLEMS, "problems", total)
    issues += category_counts_issues(
        values.get("orientations"), ORIENTATIONS, "orientations", total
    )
    issues += no_report_issues(values)
    issues += personal_data_issues(values.get("comment"))
    issues += personal_data_issues(values.get("no_report_reason"), "no_report_reason")
    if complete:
        issues += completeness_issues(values)
    return issues


# --------------------------------------------------------------------------- parts of the year

PART_FIELDS = (
    ("referrals_women", "femmes"),
    ("referrals_men", "hommes"),
    ("referrals_children", "enfants"),
    ("referrals_total", "saisines"),
    ("interviews_total", "entretiens"),
)
PART_KINDS = {"mois": 12, "trimestre": 4, "unite": None}
MONTH_NAMES = tuple(MONTHS)


def part_label(kind: str, number: int | None, label: str = "") -> str:
    if kind == "mois" and isinstance(number, int) and 1 <= number <= 12:
        return MONTH_NAMES[number - 1]
    if kind == "trimestre" and isinstance(number, int) and 1 <= number <= 4:
        return "1er trimestre" if number == 1 else f"{number}e trimestre"
    if kind in ("mois", "trimestre"):
        return f"{kind} n° {number}"
    return label or "unité"


def weighted_share(pairs: Iterable[tuple[Decimal | None, int | None]]) -> Decimal | None:
    """The share of the whole from (share, weight) pairs, e.g. VIF % weighted by saisines;
    pairs lacking either value are left out. None when nothing is left."""
    numerator = Decimal(0)
    weight = 0
    for share, count in pairs:
        if share is None or not count:
            continue
        numerator += Decimal(share) * count
        weight += count
    if not weight:
        return None
    return (numerator / weight).quantize(Decimal("0.01"))


def parts_issues(year: Values, parts: Sequence[Values], *, complete: bool = False) -> list[Issue]:
    """Months, quarters or units of a bilan: one kind, each numbered once, each consistent, and
    together equal to the year's figures (each count, and the VIF share weighted by saisines)."""
    if not parts:
        return []
    issues: list[Issue] = []
    kinds = {part.get("kind") for part in parts}
    if len(kinds) > 1:
        return [
            Issue(
                None, "Ventilez l'année d'une seule façon : par mois, par trimestre ou par unité."
            )
        ]
    kind = kinds.pop()
    if kind not in PART_KINDS:
        return [Issue(None, f"Ventilation « {kind} » inconnue.")]
    expected = PART_KINDS[kind]
    if expected:
        numbers = [part.get("number") for part in parts]
        wrong = [x for x in numbers if not isinstance(x, int) or not 1 <= x <= expected]
        if wrong:
            issues.append(Issue(None, f"Numéro de {kind} hors de 1 à {expected} : {wrong[0]}."))
        duplicates = sorted(
            {x for x in numbers if isinstance(x, int) and x not in wrong and numbers.count(x) > 1}
        )
        for number in duplicates:
            issues.append(Issue(None, f"« {part_label(kind, number)} » figure deux fois."))
        if complete and not wrong and len(set(numbers)) != expected:
            missing = [part_label(kind, x) for x in range(1, expected + 1) if x not in numbers]
            issues.append(
                Issue(
                    None,
                    f"Ventilation incomplète : manque {', '.join(missing)}.",
                    inconsistency=True,
                )
            )
    else:
        labels = [(part.get("label") or "").strip() for part in parts]
        if any(not label for label in labels):
            issues.append(Issue(None, "Nommez chaque unité de la ventilation."))
        for label in sorted({x for x in labels if x and labels.count(x) > 1}):
            issues.append(Issue(None, f"L'unité « {label} » figure deux fois."))
        for label in labels:
            issues += [Issue(None, i.message) for i in personal_data_issues(label, "label")]
    for part in parts:
        name = part_label(kind, part.get("number"), part.get("label") or "")
        for issue in breakdown_issues(part, SEX):
            issues.append(
                Issue(None, f"{name[0].upper()}{name[1:]} : {issue.message}", inconsistency=True)
            )
        vif_issue = percentage_issue(part.get("vif_pct"), label=f"La part de VIF ({name})")
        if vif_issue:
            issues.append(Issue(None, vif_issue.message))
    if issues:
        return issues
    what = {"mois": "des mois", "trimestre": "des trimestres", "unite": "des unités"}[kind]
    for field, label in PART_FIELDS:
        values = [part.get(field) for part in parts]
        if all(value is None for value in values) or year.get(field) is None:
            continue
        if any(value is None for value in values):
            issues.append(
                Issue(
                    field,
                    f"Renseignez le nombre de {label} de chaque part, ou d'aucune.",
                    inconsistency=True,
                )
            )
            continue
        total = sum(value for value in values if value is not None)  # none is, by now
        if total != year[field]:
            issues.append(
                Issue(
                    field,
                    f"La somme {what} ({label} : {n(total)}) diffère du chiffre de l'année "
                    f"({n(year[field])}).",
                    inconsistency=True,
                )
            )
    year_vif = year.get("vif_pct")
    if year_vif is not None:
        share = weighted_share((part.get("vif_pct"), part.get("referrals_total")) for part in parts)
        if share is not None and abs(share - Decimal(year_vif)) > VIF_TOLERANCE:
            issues.append(
                Issue(
                    "vif_pct",
                    f"La part de VIF {what}, pondérée par les saisines ({pct(share)}), diffère de "
                    f"celle de l'année ({pct(year_vif)}).",
                    inconsistency=True,
                )
            )
    return issues


# --------------------------------------------------------------------------- due dates

DEFAULT_DUE = (1, 31)  # 31 January of the following year (bilan moral et financier, CAB art. 3)


def due_date(year: int, month: int = DEFAULT_DUE[0], day: int = DEFAULT_DUE[1]) -> date:
    """The bilan of ``year`` is due on day/month of the following year (clamped to the month)."""
    last = calendar.monthrange(year + 1, month)[1]
    return date(year + 1, month, min(day, last))


def is_late(due: date, today: date, *, transmitted: bool) -> bool:
    """A bilan not yet transmitted (nor replaced by a reason) is late once its due date is past."""
    return not transmitted and today > due


# --------------------------------------------------------------------------- due and late notices

#: The « bilan bientôt dû » notice goes this many days before the due date (once).
DUE_SOON_DAYS = 15
#: A late bilan is recalled at most this often…
LATE_EVERY_DAYS = 7
#: …and no longer than this many days after its due date (the dashboard still shows it late).
LATE_FOR_DAYS = 91
DUE_SOON, LATE = "bientot", "retard"


def reminder_due(
    due: date,
    today: date,
    *,
    transmitted: bool,
    soon_sent_on: date | None = None,
    last_late_on: date | None = None,
) -> str:
    """Which notice a bilan due on ``due`` calls for on ``today``: ``DUE_SOON`` within
    ``DUE_SOON_DAYS`` before its due date, once; ``LATE`` once it is late (``is_late``), then
    every ``LATE_EVERY_DAYS`` at most, for ``LATE_FOR_DAYS``; "" for none. A notice already
    recorded today is due again (the e-mails are keyed by day: asking twice sends once).

    >>> d = date(2027, 1, 31)
    >>> reminder_due(d, date(2027, 1, 16), transmitted=False), reminder_due(d, date(2027, 1, 15), transmitted=False)
    ('bientot', '')
    >>> reminder_due(d, date(2027, 1, 20), transmitted=False, soon_sent_on=date(2027, 1, 16))
    ''
    >>> reminder_due(d, date(2027, 2, 1), transmitted=False), reminder_due(d, date(2027, 2, 1), transmitted=True)
    ('retard', '')
    >>> [reminder_due(d, date(2027, 2, n), transmitted=False, last_late_on=date(2027, 2, 1)) for n in (5, 8)]
    ['', 'retard']
    """
    if transmitted:
        return ""
    if is_late(due, today, transmitted=transmitted):
        if (today - due).days > LATE_FOR_DAYS:
            return ""
        if last_late_on is None or last_late_on == today:
            return LATE
        return LATE if (today - last_late_on).days >= LATE_EVERY_DAYS else ""
    if (due - today).days <= DUE_SOON_DAYS and soon_sent_on in (None, today):
        return DUE_SOON
    return ""


# --------------------------------------------------------------------------- years to report


def years_to_report(
    spans: Iterable[tuple[date | None, date | None]],
    today: date,
    *,
    service_start: int | None = None,
    service_end: int | None = None,
) -> list[int]:
    """The years a post's bilan is offered for: last year and this one, and every year from the
    first one a convention of the post covers up to this one (a year between two conventions,
    or covered by a renewal still being signed, is still a year of work). ``spans``: each
    convention's (start, end), an open end running to today; none beyond this year. The post's
    years of service bound them (``service_start``, ``service_end``)."""
    years = {today.year - 1, today.year}
    starts = [start.year for start, _ in spans if start is not None]
    if starts:
        years.update(range(min(starts), today.year + 1))
    if service_start is not None:
        years = {year for year in years if year >= service_start}
    if service_end is not None:
        years = {year for year in years if year <= service_end}
    return sorted(year for year in years if year <= today.year)
