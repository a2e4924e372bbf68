"""A bilan's figures beside the same post's figures of the year before, with the differences
(the coordinator's review page). Pure: values in, rows of French text out."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from iscg.formatting import format_number
from reporting import rules

MINUS = "\u2212"

#: The figures compared, in the order of the entry form: (label, field, is a percentage).
COMPARED: tuple[tuple[str, str, bool], ...] = (
    ("Saisines", "referrals_total", False),
    ("dont femmes", "referrals_women", False),
    ("dont hommes", "referrals_men", False),
    ("dont enfants", "referrals_children", False),
    ("Victimes", "public_victims", False),
    ("Mis en cause", "public_suspects", False),
    ("Hors champ pénal", "public_other", False),
    ("Origine : services de police ou de gendarmerie", "origin_services", False),
    ("Origine : main courante", "origin_main_courante", False),
    ("Origine : partenaires", "origin_partners", False),
    ("Origine : demande de la personne", "origin_own_request", False),
    ("Entretiens", "interviews_total", False),
    ("dont physiques", "interviews_in_person", False),
    ("dont téléphoniques", "interviews_phone", False),
    ("dont avec des partenaires", "interviews_with_partners", False),
    ("Part des violences intrafamiliales", "vif_pct", True),
    ("Personnes déjà connues d'un service social", "known_to_social_services", False),
    ("EPCI couverts", "epci_count", False),
    ("Communes couvertes", "communes_count", False),
)

#: What ``year_on_year`` reads of a bilan.
FIELDS = (*(field for _, field, _ in COMPARED), "problems", "orientations")


@dataclass(frozen=True)
class Row:
    label: str
    current: int | Decimal | None
    previous: int | Decimal | None
    percentage: bool = False
    #: A detail of the row above it ("dont femmes"): indented on the page.
    detail: bool = False

    @property
    def current_text(self) -> str:
        return _figure(self.current, self.percentage)

    @property
    def previous_text(self) -> str:
        return _figure(self.previous, self.percentage)

    @property
    def difference(self) -> int | Decimal | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def difference_text(self) -> str:
        """ "+12 (+13,6 %)", "−5 (−4 %)", "+3,5 points" (a share), "=" when equal, "—" when a
        year lacks the figure."""
        difference = self.difference
        if difference is None:
            return "—"
        if difference == 0:
            return "="
        if self.percentage:
            points = Decimal(difference).quantize(Decimal("0.1"))
            return f"{_signed(points, 1)}\u00a0point{'s' if abs(points) >= 2 else ''}"
        text = _signed(Decimal(difference), 0)
        previous = self.previous or 0
        if previous:
            change = (Decimal(difference) * 100 / Decimal(previous)).quantize(Decimal("0.1"))
            text += f" ({_signed(change, 1)}\u00a0%)"
        return text

    @property
    def trend(self) -> str:
        """ "hausse", "baisse" or "" (for a class on the page; the text says it in words)."""
        difference = self.difference
        if not difference:
            return ""
        return "hausse" if difference > 0 else "baisse"


def _figure(value: int | Decimal | None, percentage: bool) -> str:
    if value is None:
        return "—"
    return rules.pct(value) if percentage else rules.n(value)


def _signed(value: Decimal, places: int) -> str:
    text = format_number(abs(value), places)
    if places:
        text = text.rstrip("0").rstrip(",")
    return f"{'+' if value > 0 else MINUS}{text}"


def _counts_rows(
    current: Mapping[str, Any], previous: Mapping[str, Any], labels: Mapping[str, str], title: str
) -> list[Row]:
    rows = []
    for key, label in labels.items():
        now, before = current.get(key), previous.get(key)
        if now is None and before is None:
            continue
        rows.append(Row(f"{title} : {label}", now, before))
    return rows


def year_on_year(current: Mapping[str, Any], previous: Mapping[str, Any] | None) -> list[Row]:
    """The rows of the comparison; ``previous`` is None when the post has no bilan for the
    year before (its column then reads "—"). A figure neither year has is left out."""
    before: Mapping[str, Any] = previous or {}
    rows = []
    for label, field, percentage in COMPARED:
        now, then = current.get(field), before.get(field)
        if now is None and then is None:
            continue
        rows.append(Row(label, now, then, percentage, detail=label.startswith("dont ")))
    rows += _counts_rows(
        current.get("problems") or {}, before.get("problems") or {}, rules.PROBLEMS, "Problématique"
    )
    rows += _counts_rows(
        current.get("orientations") or {},
        before.get("orientations") or {},
        rules.ORIENTATIONS,
        "Orientation",
    )
    return rows
