"""Template helpers of the bilans pages: percentages, SVG charts."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from reporting import charts, rules

register = template.Library()


@register.filter
def pct(value):
    """61.5 → "61,5 %"; empty → "—"."""
    if value is None or value == "":
        return "—"
    return rules.pct(value)


@register.simple_tag
def bar_chart(breakdown, chart_id, width=640):
    return charts.bar_chart(
        breakdown.items, chart_id=chart_id, title=breakdown.title, unit=breakdown.unit, width=width
    )


@register.simple_tag
def select_options(items, selected=None):
    """The ``<option>`` elements of a filter from ``{"pk", "name"}`` rows, ``selected`` marked:
    rendered in one go, as a national view lists hundreds of territories and employers."""
    chosen = getattr(selected, "pk", None)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (item["pk"], mark_safe(" selected") if item["pk"] == chosen else "", item["name"])
            for item in items
        ),
    )
