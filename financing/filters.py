"""The financing pages' GET filter: which organisation a national coordinator or an
administrator reads, parsed and validated by django-filter instead of by hand in the views."""

import django_filters

from conventions.filters import StrictFilterSet
from financing.models import ShareLine
from iscg.models import Organisation


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
