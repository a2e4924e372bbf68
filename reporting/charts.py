"""Bar charts drawn on the server as SVG: no JavaScript, the same markup in pages and PDFs.

Each bar carries its label and its value as text (readable without colour, in black and white
prints), a <title> for screen readers and tooltips; pages also show the figures as a table.
Presentation attributes only (no style attribute), as the content security policy requires.

Readable at any width: each label is written in full above its bar, wrapped to the chart's
width (never cut short), in a chart narrow enough (``WIDTH``) that a 390 px wide phone shows
it near its own size, so its text never falls under ``MIN_FONT_PX`` (``smallest_rendered_px``).
"""

import textwrap

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from iscg.formatting import format_number

BAR = "#1f4e8c"
TEXT = "#1b1b1b"

#: The chart's own width (SVG units, CSS pixels when shown at its size).
WIDTH = 360
#: A printed chart's width: 16 cm on the page, its text then at 13 px (about 10 pt).
PDF_WIDTH = 640
#: The size of every text of a chart.
FONT_PX = 14
#: The smallest size a chart's text may be shown at.
MIN_FONT_PX = 11
#: A generous estimate of a character's width, as a share of the font size (DejaVu Sans and
#: the usual sans-serif fonts stay under it), to wrap the labels and size the values' room.
CHAR_EM = 0.62


def text_width(text: str, font_px: int = FONT_PX) -> float:
    """The room ``text`` takes at most, in pixels."""
    return len(text) * font_px * CHAR_EM


def wrap_label(label: str, width: int = WIDTH, font_px: int = FONT_PX) -> list[str]:
    """The label on as many lines as it needs to fit the chart's width (words kept whole
    unless one alone is wider than the chart)."""
    per_line = max(8, int(width / (font_px * CHAR_EM)))
    return textwrap.wrap(label, per_line, break_long_words=True, break_on_hyphens=False) or [""]


def smallest_rendered_px(shown_width: float, width: int = WIDTH, font_px: int = FONT_PX) -> float:
    """The size the chart's text is shown at when the chart is ``shown_width`` pixels wide
    (it shrinks with its box, never grows past its own width)."""
    return font_px * min(1.0, shown_width / width)


def bar_chart(
    items: list[tuple[str, int]],
    *,
    chart_id: str,
    title: str,
    unit: str = "",
    width: int = WIDTH,
    bar_height: int = 18,
    max_bars: int | None = None,
) -> SafeString:
    """Horizontal bars, one per (label, value), the largest value the full plot width; each
    label in full on the line(s) above its bar, each value at the end of its bar.

    ``max_bars``: at most that many bars per drawing, the next ones in another drawing of the
    same scale (a printed page breaks between them: a long chart is never cut off)."""
    figures = [format_number(value) for _, value in items]
    value_space = max((text_width(figure) for figure in figures), default=0) + 10
    plot = max(width - value_space, width / 2)
    largest = max((value for _, value in items), default=0) or 1
    size = max_bars or max(len(items), 1)
    chunks = [items[start : start + size] for start in range(0, len(items), size)] or [[]]
    drawings = []
    for index, chunk in enumerate(chunks):
        drawings.append(
            _drawing(
                chunk,
                chart_id=chart_id if index == 0 else f"{chart_id}-{index + 1}",
                title=title if index == 0 else f"{title} (suite)",
                unit=unit,
                width=width,
                bar_height=bar_height,
                plot=plot,
                largest=largest,
            )
        )
    return mark_safe("".join(drawings))  # noqa: S308 - every text is escaped


def _drawing(
    items: list[tuple[str, int]],
    *,
    chart_id: str,
    title: str,
    unit: str,
    width: int,
    bar_height: int,
    plot: float,
    largest: int,
) -> str:
    line = round(FONT_PX * 1.3)
    gap = 12
    title_id = f"{chart_id}-titre"
    body = []
    y = 4
    for label, value in items:
        figure = format_number(value)
        lines = wrap_label(label, width)
        spans = "".join(
            f'<tspan x="0" dy="{0 if index == 0 else line}">{escape(text)}</tspan>'
            for index, text in enumerate(lines)
        )
        label_y = y + FONT_PX
        bar_y = y + len(lines) * line + 2
        length = round(plot * value / largest) if value else 0
        suffix = f" {unit}" if unit else ""
        body.append(
            f"<g><title>{escape(label)} : {figure}{escape(suffix)}</title>"
            f'<text x="0" y="{label_y}" font-size="{FONT_PX}" fill="{TEXT}">{spans}</text>'
            f'<rect x="0" y="{bar_y}" width="{length}" height="{bar_height}" fill="{BAR}"/>'
            f'<text x="{length + 6}" y="{bar_y + bar_height - 4}" font-size="{FONT_PX}" '
            f'fill="{TEXT}" font-weight="bold">{figure}</text></g>'
        )
        y = bar_y + bar_height + gap
    height = y
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{escape(title_id)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="sans-serif" font-size="{FONT_PX}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        *body,
        "</svg>",
    ]
    return "".join(parts)
