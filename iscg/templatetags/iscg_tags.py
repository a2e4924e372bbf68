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


def _forms(forms: str) -> tuple[str, str | None]:
    """ "page" or "bilan transmis,bilans transmis": the singular and, when given, the plural."""
    singular, _, plural = forms.partition(",")
    return singular.strip(), (plural.strip() or None)


@register.filter
def compte(value, forms):
    """A count and its agreeing words: {{ n|compte:"page" }} → "4 pages";
    {{ n|compte:"titre à annuler,titres à annuler" }} → "1 titre à annuler" (0 and 1 singular)."""
    if value is None or value == "":
        value = 0
    return formatting.count_words(value, *_forms(forms))


@register.filter
def pluriel(value, forms):
    """The words only, agreeing with a count: {{ posts|length|pluriel:"Poste" }} → "Postes",
    {{ n|pluriel:"a,ont" }} → "ont". (The count with its words is ``compte``; the bilans'
    library has the same as ``accord``.)"""
    if value is None or value == "":
        value = 0
    return formatting.plural_word(value, *_forms(forms))
