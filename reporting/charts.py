"""Bar charts drawn on the server as SVG: no JavaScript, the same markup in pages and PDFs.

Each bar carries its label and its value as text (readable without colour, in black and white
prints), a <title> for screen readers and tooltips; pages also show the figures as a table.
Presentation attributes only (no style attribute), as the content security policy requires.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from iscg.formatting import format_number

BAR = "#1f4e8c"
TEXT = "#1b1b1b"
AXIS = "#6b6b6b"


def bar_chart(
    items: list[tuple[str, int]],
    *,
    chart_id: str,
    title: str,
    unit: str = "",
    width: int = 640,
    bar_height: int = 22,
    label_width: int = 260,
) -> SafeString:
    """Horizontal bars, one per (label, value), longest value = full width."""
    gap = 8
    top = 4
    value_space = 70
    height = top + len(items) * (bar_height + gap) + 4
    plot = width - label_width - value_space
    largest = max((value for _, value in items), default=0) or 1
    title_id = f"{chart_id}-titre"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{escape(title_id)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<line x1="{label_width}" y1="0" x2="{label_width}" y2="{height}" '
        f'stroke="{AXIS}" stroke-width="1"/>',
    ]
    for index, (label, value) in enumerate(items):
        y = top + index * (bar_height + gap)
        length = round(plot * value / largest) if value else 0
        shown = label if len(label) <= 38 else label[:37] + "…"
        figure = format_number(value)
        suffix = f" {unit}" if unit else ""
        parts.append(
            f"<g><title>{escape(label)} : {figure}{escape(suffix)}</title>"
            f'<text x="{label_width - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" '
            f'fill="{TEXT}">{escape(shown)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" '
            f'fill="{BAR}"/>'
            f'<text x="{label_width + length + 6}" y="{y + bar_height * 0.7:.1f}" '
            f'fill="{TEXT}" font-weight="bold">{figure}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
