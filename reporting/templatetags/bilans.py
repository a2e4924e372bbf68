"""Template helpers of the bilans pages: percentages, SVG charts."""

from django import template

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
