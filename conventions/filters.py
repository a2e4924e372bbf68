"""FilterSets of the conventions' lists: django-filter parses and validates the GET parameters
(French messages for bad values) instead of hand-written parsing in the views.

Each FilterSet starts from a queryset already scoped with ``visible_to(user)``, and its choices
(posts, parties, territories) are scoped the same way: a filter can only narrow what the user may
see, never widen it.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.db.models.functions import Lower

from conventions.models import (
    STATUS_FILTER_CHOICES,
    STATUS_FILTER_INCLUDES,
    ConventionKind,
    Deliberation,
    Party,
    PartyKind,
    Post,
    PostKind,
)
from iscg.search import matching_pks

#: The years a filter may ask for (the pages' inputs say the same).
MIN_YEAR, MAX_YEAR = 2000, 2100

#: ``?tri=`` value → (ordering, French label); the first one is the default. A column header
#: also sorts by its key, and by ``-key`` for the reverse order (``?tri=-titre``).
SORTS = {
    "reference": ("reference", "Référence"),
    "debut": ("-start_date", "Début (récent d'abord)"),
    "fin": ("end_date", "Fin (proche d'abord)"),
    "statut": ("status", "Statut"),
    "titre": ("title", "Intitulé"),
    "nature": ("kind", "Nature"),
}
POST_SORTS = {
    "nom": ("name", "Poste"),
    "type": ("kind", "Type"),
    "employeur": ("employer__name", "Employeur"),
    "temps": ("working_time_pct", "Temps de travail"),
}
PARTY_SORTS = {
    "nature": ("kind", "Nature"),
    "nom": ("name", "Partie"),
    "siret": ("siret", "SIRET"),
}


#: Text columns sorted without regard to case (the sources' titles in capitals among others).
CASELESS = {"title", "name", "employer__name"}


def sort_ordering(sorts: dict, value: str | None, tie: str) -> list:
    """The ``order_by`` of a whitelisted ``?tri=`` value (``key`` or ``-key``); anything else
    gives the first sort. ``tie`` breaks ties, so pages never shuffle."""
    value = (value or "").strip()
    reverse = value.startswith("-")
    field = sorts.get(value.lstrip("-"), next(iter(sorts.values())))[0]
    if reverse:
        field = field[1:] if field.startswith("-") else f"-{field}"
    name = field.lstrip("-")
    if name in CASELESS:
        lower = Lower(name)
        return [lower.desc() if field.startswith("-") else lower.asc(), tie]
    return [field, tie]


def sort_links(sorts: dict, current: str | None) -> dict[str, dict]:
    """For each column key: the ``tri`` value its header links to (the reverse when it is the
    current sort) and its state for ``aria-sort``."""
    current = (current or "").strip()
    if current.lstrip("-") not in sorts:
        current = next(iter(sorts))
    links = {}
    for key in sorts:
        if current == key:
            links[key] = {"value": f"-{key}", "aria": "ascending", "arrow": "▲"}
        elif current == f"-{key}":
            links[key] = {"value": key, "aria": "descending", "arrow": "▼"}
        else:
            links[key] = {"value": key, "aria": "none", "arrow": ""}
    return links


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet whose bad values show nothing (not everything) and say why in French.

    An id outside the user's scope is a bad value too: a partner asking for another party's
    conventions gets an empty list and a message, never more than it may see."""

    @property
    def results(self):
        return self.qs if self.is_valid() else self.queryset.none()

    @property
    def error_messages(self) -> list[str]:
        """ "Label : message" for each refused value (for the page's alert)."""
        return [
            f"{self.form.fields[name].label} : {message}"
            for name, messages in self.errors.items()
            for message in messages
        ]


class YearFilter(django_filters.Filter):
    """A whole year between MIN_YEAR and MAX_YEAR (``NumberFilter`` would accept 2023.5)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", MIN_YEAR)
        kwargs.setdefault("max_value", MAX_YEAR)
        super().__init__(*args, **kwargs)


class SortFilter(django_filters.Filter):
    """Orders by one of ``sorts`` (``key`` or ``-key``); an empty or unknown value falls back
    to the first (an old bookmark keeps working rather than showing an error)."""

    field_class = forms.CharField

    def __init__(self, *args, sorts=SORTS, tie="reference", **kwargs):
        super().__init__(*args, **kwargs)
        self.sorts, self.tie = sorts, tie

    def filter(self, qs, value):
        return qs.order_by(*sort_ordering(self.sorts, value, self.tie))


def _search(queryset, query: str, fields: tuple[str, ...]):
    """``queryset`` narrowed to the rows whose ``fields`` hold every word of ``query``,
    accents and case ignored (iscg.search)."""
    # One query per field (not one join of them all, which multiplies the rows).
    rows = [
        row for name in fields for row in queryset.order_by().values_list("pk", name).distinct()
    ]
    return queryset.filter(pk__in=matching_pks(query, rows))


#: What the conventions' search reads: reference, title, its parties' names, its posts' names,
#: units (brigade de Frévent) and territories (EPCI, communes).
CONVENTION_SEARCH_FIELDS = (
    "reference",
    "title",
    "memberships__party__name",
    "memberships__party__short_name",
    "posts__name",
    "posts__units__name",
    "posts__epcis__name",
    "posts__communes",
)


class ConventionFilter(StrictFilterSet):
    """The conventions list: status (as read today), kind, year in force, post, party,
    territory, text search and sort. GET names are the page's since the first version."""

    q = django_filters.CharFilter(method="_joint", label="Rechercher")
    statut = django_filters.ChoiceFilter(
        choices=STATUS_FILTER_CHOICES, method="_status", label="Statut"
    )
    nature = django_filters.ChoiceFilter(
        field_name="kind", choices=ConventionKind.choices, label="Nature"
    )
    annee = YearFilter(method="_year", label="Année")
    poste = django_filters.ModelChoiceFilter(
        queryset=Post.objects.none(), method="_joint", label="Poste"
    )
    partie = django_filters.ModelChoiceFilter(
        queryset=Party.objects.none(), method="_joint", label="Partie"
    )
    territoire = django_filters.ModelChoiceFilter(
        queryset=Party.objects.none(), method="_joint", label="Territoire (EPCI)"
    )
    deliberation = django_filters.ModelChoiceFilter(
        queryset=Deliberation.objects.none(), field_name="deliberations", label="Délibération"
    )
    tri = SortFilter(label="Trier par")

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        """``queryset``: the conventions ``user`` may see; the choices are scoped to them."""
        super().__init__(data, queryset, **kwargs)
        visible = self.queryset
        self.filters["poste"].queryset = (
            Post.objects.visible_to(user)
            .filter(conventions__in=visible)
            .distinct()
            .order_by("name")
        )
        parties = Party.objects.visible_to(user)
        self.filters["partie"].queryset = (
            parties.filter(conventions__in=visible).distinct().order_by("kind", "name")
        )
        self.filters["territoire"].queryset = (
            parties.filter(covered_by_posts__conventions__in=visible).distinct().order_by("name")
        )
        self.filters["deliberation"].queryset = (
            Deliberation.objects.filter(party__in=parties, convention__in=visible)
            .select_related("party")
            .distinct()
            .order_by("-date", "pk")
        )

    def _status(self, queryset, name, value):
        # The status read today, from the dates (not the stored one, which may be stale).
        wanted = STATUS_FILTER_INCLUDES.get(value, {value})
        return queryset.filter(pk__in=self.queryset.having_status(wanted).values("pk"))

    def _year(self, queryset, name, value):
        # In force at some point of the year, by the computed end the page shows (durations,
        # notification dates, a résiliation's date of effect); a convention without dates is kept.
        return queryset.filter(pk__in=self.queryset.in_force_during(value).values("pk"))

    def _joint(self, queryset, name, value):
        """Applied together in ``filter_queryset``."""
        return queryset

    def filter_queryset(self, queryset):
        """Post, party, territory and text in one condition, so that "poste" and "territoire"
        (and the search on post names) speak of the same post, as the list always did."""
        data = self.form.cleaned_data
        condition = Q()
        if data.get("poste"):
            condition &= Q(posts=data["poste"])
        if data.get("partie"):
            condition &= Q(memberships__party=data["partie"])
        if data.get("territoire"):
            condition &= Q(posts__epcis=data["territoire"])
        if condition:
            queryset = queryset.filter(pk__in=self.queryset.filter(condition).values("pk"))
        if data.get("q"):
            queryset = _search(queryset, data["q"], CONVENTION_SEARCH_FIELDS)
        return super().filter_queryset(queryset)


class PostFilter(StrictFilterSet):
    """The posts list: kind, employer (among those of the posts the user may see), name."""

    q = django_filters.CharFilter(method="_name", label="Rechercher")
    type = django_filters.ChoiceFilter(
        field_name="kind", choices=PostKind.choices, label="Type de poste"
    )
    employeur = django_filters.ModelChoiceFilter(
        field_name="employer", queryset=Party.objects.none(), label="Employeur"
    )
    tri = SortFilter(label="Trier par", sorts=POST_SORTS, tie="name")

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        """``queryset``: the posts ``user`` may see; the employers offered are theirs."""
        super().__init__(data, queryset, **kwargs)
        self.filters["employeur"].queryset = (
            Party.objects.visible_to(user)
            .filter(employed_posts__in=self.queryset)
            .distinct()
            .order_by("name")
        )

    def _name(self, queryset, name, value):
        return _search(queryset, value, ("name", "units__name", "epcis__name", "communes"))


class PartyFilter(StrictFilterSet):
    """The parties list: kind and name (official or short)."""

    q = django_filters.CharFilter(method="_name", label="Rechercher")
    nature = django_filters.ChoiceFilter(
        field_name="kind", choices=PartyKind.choices, label="Nature"
    )

    tri = SortFilter(label="Trier par", sorts=PARTY_SORTS, tie="name")

    def _name(self, queryset, name, value):
        return _search(queryset, value, ("name", "short_name"))


#: The conventions list's filters, in the page's order.
CONVENTION_FILTERS = ("q", "statut", "nature", "annee", "poste", "partie", "territoire")
#: Filters that speak of other parties: of no use to a partner, who is one party.
STAFF_FILTERS = {"partie", "territoire", "deliberation"}


def filters_to_show(
    *, staff: bool, total: int, choices: dict[str, int], applied: set[str]
) -> list[str]:
    """The filters worth offering: none for one or two conventions, a choice only when it has
    at least two values, the parties' filters to staff only; a filter in use always stays (so
    it can be cleared). ``choices``: number of values each filter would offer."""
    shown = []
    for name in (*CONVENTION_FILTERS, "deliberation"):
        if name in applied:
            shown.append(name)
        elif total <= 2 or (name in STAFF_FILTERS and not staff):
            continue
        elif name == "q" or choices.get(name, 0) >= 2:
            shown.append(name)
    return shown
