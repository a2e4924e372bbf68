"""Template filters for French money and dates (loaded as builtins)."""

from django import template

from iscg import formatting

register = template.Library()


@register.filter
def euros(value):
    return formatting.format_euros(value)


@register.filter
def mois(value):
    """Months funded: "5", "9,55"."""
    return formatting.format_months(value)


@register.filter
def date_long(value):
    return formatting.format_date_long(value)


@register.filter
def datetime_long(value):
    """A moment as "1er juillet 2023 à 14:05" (local time)."""
    return formatting.format_datetime_long(value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def nombre(value):
    """A count with French thousands separators: 2731 → "2 731"."""
    if value is None or value == "":
        return "—"
    return formatting.format_number(value)
