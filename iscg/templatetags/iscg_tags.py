"""Template filters for French money and dates (loaded as builtins)."""

from django import template

from iscg import formatting, history

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
def person(user):
    """A user's name without the e-mail address (iscg.history.person_name); "—" for none."""
    if user is None or user == "":
        return "—"
    return history.person_name(user)


@register.filter
def no_email(text):
    """A stored label ("Nom <adresse>") without its e-mail address."""
    return history.without_emails(str(text or ""))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def nombre(value):
    """A count with French thousands separators: 2731 → "2 731"."""
    if value is None or value == "":
        return "—"
    return formatting.format_number(value)
