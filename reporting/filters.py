"""FilterSets of the bilans pages: django-filter parses and validates the GET parameters of the
dashboard and of the bilans list instead of hand-written parsing in the views.

They start from querysets scoped with ``visible_to(user)`` and offer only choices in that scope:
a territory or an employer outside it is a bad value, ignored with a French message.
"""

import django_filters

from conventions.filters import StrictFilterSet, YearFilter
from conventions.models import Party, PartyKind, Post, PostKind
from iscg.models import Organisation
from reporting import selectors
from reporting.models import Bilan, BilanStatus


class DashboardFilter(StrictFilterSet):
    """The dashboard's (and its exports') filters, as the typed ``selectors.Filters``.

    ``organisation`` (a slug) is offered only to national coordinators and administrators;
    for anyone else it is not a filter at all, as before."""

    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.order_by("name"), to_field_name="slug", label="Organisation"
    )
    territoire = django_filters.ModelChoiceFilter(
        queryset=Party.objects.none(), label="Territoire (EPCI)"
    )
    employeur = django_filters.ModelChoiceFilter(queryset=Party.objects.none(), label="Employeur")
    type = django_filters.ChoiceFilter(choices=PostKind.choices, label="Type de poste")

    class Meta:
        model = Post
        fields: list[str] = []

    def __init__(self, data=None, *, user, sees_every_organisation: bool):
        super().__init__(data, Post.objects.visible_to(user))
        if not sees_every_organisation:
            del self.filters["organisation"]
        parties = Party.objects.visible_to(user)
        self.filters["territoire"].queryset = parties.filter(kind=PartyKind.EPCI)
        self.filters["employeur"].queryset = parties

    def to_filters(self) -> selectors.Filters:
        """The values that passed validation; a refused one is left out (see ``error_messages``)."""
        self.is_valid()  # so that cleaned_data holds the valid values only
        data = self.form.cleaned_data
        return selectors.Filters(
            organisation=data.get("organisation"),
            epci=data.get("territoire"),
            employer=data.get("employeur"),
            kind=data.get("type") or "",
        )

    def filter_queryset(self, queryset):
        return selectors.filter_posts(queryset, self.to_filters())


class BilanFilter(StrictFilterSet):
    """The bilans list: by year and by state. A bad value shows no bilan, with a message."""

    annee = YearFilter(field_name="year", label="Année")
    etat = django_filters.ChoiceFilter(
        field_name="status", choices=BilanStatus.choices, label="État"
    )

    class Meta:
        model = Bilan
        fields: list[str] = []
