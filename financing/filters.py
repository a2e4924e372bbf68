"""The financing pages' GET filter: which organisation a national coordinator or an
administrator reads, parsed and validated by django-filter instead of by hand in the views."""

import django_filters

from conventions.filters import StrictFilterSet, YearFilter
from conventions.models import Party
from financing.models import Payment, ShareLine
from iscg.models import Organisation
from iscg.perms import sees_every_organisation


class OrganisationFilter(StrictFilterSet):
    """``?organisation=<slug>``; without it, the first organisation by name."""

    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.order_by("name"), to_field_name="slug", label="Organisation"
    )

    class Meta:
        model = ShareLine
        fields: list[str] = []

    def chosen(self) -> Organisation | None:
        """The organisation asked for, else the first one; None for an unknown slug (the views
        answer 404: an export must never fall back to another organisation's figures)."""
        if not self.is_valid():
            return None
        return (
            self.form.cleaned_data.get("organisation")
            or self.filters["organisation"].queryset.first()
        )


class ReceivableFilter(StrictFilterSet):
    """The receivables page: the debtor party, the exercice, the organisation (for those who
    see every organisation), only the late ones. Choices are scoped to what the user sees."""

    partie = django_filters.ModelChoiceFilter(
        queryset=Party.objects.none(),
        field_name="share_line__party",
        label="Partie",
        empty_label="Toutes",
    )
    annee = YearFilter(field_name="share_line__year", label="Exercice")
    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        field_name="share_line__organisation",
        label="Organisation",
        empty_label="Toutes",
    )

    class Meta:
        model = Payment
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["partie"].queryset = Party.objects.visible_to(user).order_by("name")
        if sees_every_organisation(user):
            self.filters["organisation"].queryset = Organisation.objects.order_by("name")
        else:
            del self.filters["organisation"]
            self.form.fields.pop("organisation", None)
