"""Every PDF the product makes goes through ``render_pdf``: PDF/A-3u, tagged, warm.

* **Archivable and accessible**: WeasyPrint writes PDF/A-3u (XMP identification, sRGB output
  intent, every font embedded, Unicode text) and a tag tree (headings, paragraphs, lists, tables)
  whose language is the HTML's ``<html lang="fr">``; the HTML's ``<title>`` is the PDF's title.
* **Warm**: the fonts (``static/fonts``, registered once in one ``FontConfiguration``), the
  stylesheets (parsed once into WeasyPrint ``CSS`` objects) and the URL fetcher are built once per
  process, so a render in a worker that already rendered pays for layout and drawing only.
* **Lean**: WeasyPrint's user-agent stylesheet without the rules no document of ours can use
  (``dir`` attributes, form fields, links, notes: selectors tried on every element), and its
  streams compressed at zlib level 3 instead of pydyf's 9 (13 % faster, 15 % larger).
* **Less Python per line** (``iscg.pdf_speedups``): the text styles' Pango contexts shared, no
  throw-away layout per justified line, used lengths and PDF numbers converted in fewer calls,
  glyphs read from Pango a run at a time, inherited and initial style values decided first;
  the same drawing to the byte (``PDF_SPEEDUPS = False`` in the settings renders without).
* **Closed**: a document may load the shipped fonts and nothing else (no network, no disk).

WeasyPrint's font configuration is not thread-safe: renders in one process take turns.
"""

from __future__ import annotations

import atexit
import re
import threading
import zlib
from functools import cache
from pathlib import Path

from django.conf import settings

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
#: The fonts of the documents that declare none of their own (reports, tables): the shipped
#: DejaVu files under their usual family names, so no document depends on the system's fonts.
BASE_CSS_PATH = Path(settings.BASE_DIR) / "templates" / "pdf" / "base.css"
#: The output intent's colour profile: WeasyPrint's sRGB profile, loaded once (WeasyPrint's own
#: ``srgb`` intent reopens the file at every render and leaves it open).
OUTPUT_INTENT = "iscg-srgb"
#: What every render writes: PDF/A-3 (ISO 19005-3) level U, and the structure tags.
PDF_OPTIONS = {"pdf_variant": "pdf/a-3u", "pdf_tags": True, "output_intent": OUTPUT_INTENT}

#: zlib level of the PDF streams (pydyf's own choice, 9, costs 45 ms of a 6-page render).
FLATE_LEVEL = 3
#: User-agent rules dropped (one rule per line in WeasyPrint's html5_ua.css): what no document
#: of the product contains, matched against every element all the same.
UA_UNUSED = re.compile(
    r"\[dir|:link|:visited|::footnote|::note|\[rules|\[frame"
    r"|\b(input|select|textarea|button|fieldset|iframe|video|keygen)\b"
)

_lock = threading.Lock()


class _Zlib:
    """pydyf's ``zlib``, its level-9 compression capped at ``FLATE_LEVEL``."""

    def __getattr__(self, name):
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level=-1, *args, **kwargs):
        return zlib.compressobj(min(level, FLATE_LEVEL) if level >= 0 else level, *args, **kwargs)


def _selectors(text: str) -> list[str]:
    """A selector list split at its top-level commas (not those inside ``:is(…)``)."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


def lean_user_agent_css(source: str) -> str:
    """WeasyPrint's user-agent stylesheet without the selectors ``UA_UNUSED`` names (its rules
    are one a line; a rule left with no selector is dropped, the ``@`` blocks are kept)."""
    lines = []
    for line in source.splitlines():
        head, brace, rest = line.partition("{")
        if brace and rest.rstrip().endswith("}") and not head.lstrip().startswith("@"):
            kept = [sel for sel in _selectors(head) if not UA_UNUSED.search(sel)]
            if not kept:
                continue
            line = f"{', '.join(kept)} {{{rest}"
        lines.append(line)
    return "\n".join(lines)


class RefusedResource(ValueError):
    """A document asked for something else than a shipped font."""


@cache
def _engine():
    """The font configuration and URL fetcher, made once per process."""
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    class FontsOnly(URLFetcher):
        """Only the shipped fonts may be loaded: a document never reaches the network or disk."""

        prefix = FONTS_DIR.as_uri() + "/"

        def fetch(self, url, headers=None):
            if not url.startswith(self.prefix) or ".." in url or "%" in url:
                raise RefusedResource(f"Ressource refusée : {url}")
            return super().fetch(url, headers)

    import pydyf
    from weasyprint import CSS, HTML
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA

    pydyf.zlib = _Zlib()
    if getattr(settings, "PDF_SPEEDUPS", True):
        from iscg import pdf_speedups

        pdf_speedups.apply()
    user_agent = CSS(string=lean_user_agent_css(UA), counter_style=CounterStyle())

    class LeanHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [user_agent]

    # Released before the interpreter tears modules down (WeasyPrint's __del__ needs them).
    atexit.register(_engine.cache_clear)
    atexit.register(stylesheet.cache_clear)
    return FontConfiguration(), FontsOnly(allowed_protocols=("file",)), FontsOnly.prefix, LeanHTML


@cache
def _srgb():
    from importlib.resources import files

    from weasyprint.css import ColorProfile

    with (files("weasyprint.pdf") / "sRGB2014.icc").open("rb") as icc:
        return ColorProfile(icc, "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"]))


@cache
def stylesheet(path: Path):
    """The parsed stylesheet at ``path`` (its ``@font-face`` fonts registered), once per process;
    relative ``url()`` are the shipped fonts."""
    from weasyprint import CSS

    font_config, fetcher, fonts_url, _ = _engine()
    return CSS(
        string=path.read_text(encoding="utf-8"),
        base_url=fonts_url,
        font_config=font_config,
        url_fetcher=fetcher,
    )


def warm_up(*paths: Path) -> None:
    """Pay a first render's costs now (imports, fonts, stylesheets, Pango's caches): a worker
    calls it once when it starts, not at its first document."""
    html = (
        '<html lang="fr"><head><title>Préchauffage</title></head><body><h2>Titre</h2>'
        "<p>Texte <strong>gras</strong> <em>italique</em> 17\u202f500\u00a0€.</p></body></html>"
    )
    for path in paths or (None,):
        render_pdf(html, path)


def render_pdf(html: str, css_path: Path | None = None) -> tuple[bytes, int]:
    """The PDF/A-3u, tagged, of a complete HTML document, and its number of pages.

    ``css_path``: the document's stylesheet (parsed once per process), after the base fonts; the
    HTML may also carry its own ``<style>``."""
    font_config, fetcher, _, html_class = _engine()
    sheets = [stylesheet(BASE_CSS_PATH)]
    if css_path is not None:
        sheets.append(stylesheet(css_path))
    with _lock:
        document = html_class(string=html, url_fetcher=fetcher).render(
            stylesheets=sheets,
            font_config=font_config,
            color_profiles={OUTPUT_INTENT: _srgb()},
            **PDF_OPTIONS,
        )
        return document.write_pdf(**PDF_OPTIONS), len(document.pages)
