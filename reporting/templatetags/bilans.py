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


@register.filter
def accord(count, forms):
    """``{{ n|accord:"bilan transmis,bilans transmis" }}`` → "1 bilan transmis", "4 bilans
    transmis"; 0 and 1 take the singular, as in French (``compte`` of iscg_tags, the same
    rule, for templates that load the bilans' library)."""
    singular, _, plural = forms.partition(",")
    return rules.counted(int(count or 0), singular, plural or singular)


@register.simple_tag
def bar_chart(breakdown, chart_id, pdf=False):
    """A page's chart at its own narrow width; a PDF's wider (labels on one line), drawn in
    parts of ten bars so that a page may break between them."""
    options = {"width": charts.PDF_WIDTH, "max_bars": 10} if pdf else {}
    return charts.bar_chart(
        breakdown.items, chart_id=chart_id, title=breakdown.title, unit=breakdown.unit, **options
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
