"""Work WeasyPrint repeats for nothing at each render, done once (``iscg.pdf`` applies these).

Profiled on the longest demo convention (cProfile for the Python side, callgrind for instruction
counts, ``docs/benchmarks.md``): three quarters of a warm render is WeasyPrint's Python, and
part of it rebuilds, for every piece of text, what is the same for every piece of the same
style. Each patch below gives byte-for-byte the same PDF content (same Pango calls with the same
values, fewer of them); tests/test_pdf_speedups.py compares the pages' content streams with and
without them.

* **Text layouts** (``Layout.setup``, a thousand times a render): the Pango context, the font
  description and the language of a text style are made once and shared by its layouts (Pango
  copies the description into each layout; a context is meant to serve many layouts), instead
  of a new context, description and language lookup for each line tried.
* **Justified lines** (``add_word_spacing``): WeasyPrint makes a second Pango layout for every
  justified text box, then drops it at once (``deactivate``) and remakes it when drawing
  (``reactivate``); here it only keeps what ``reactivate`` needs.
* **Used lengths** (``resolve_percentages``, 13 properties of every box at every layout): the
  same arithmetic in one function instead of 26 calls a box.
* **PDF serialisation** (pydyf's ``_to_bytes``, 30 000 calls a render): the same conversion,
  the common types tested first by identity.
* **Computed styles** (``ComputedStyle.__missing__``, 12 000 a render): a property neither
  cascaded nor special takes its parent's or initial value without WeasyPrint's general path.
* **Font keys** (``_font_style_cache_key``, every line box's strut): kept on the style.
* **Glyphs drawn** (``draw_first_line``): a run's glyphs read from Pango in one call instead of
  four cffi lookups a glyph; the same operators, strings and numbers.

Applied only to the WeasyPrint and pydyf versions they were written against (``SUPPORTED``):
another version renders unpatched, as WeasyPrint ships.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

#: The versions these patches copy code from (first two parts of WeasyPrint's, pydyf's).
SUPPORTED = {"weasyprint": "70.", "pydyf": "0.13."}

_applied = False


def apply() -> bool:
    """Apply the patches once per process; ``False`` (nothing changed) on other versions."""
    global _applied
    if _applied:
        return True
    import pydyf
    import weasyprint

    if not (
        weasyprint.__version__.startswith(SUPPORTED["weasyprint"])
        and pydyf.__version__.startswith(SUPPORTED["pydyf"])
    ):
        logger.warning(
            "WeasyPrint %s / pydyf %s: speed-ups written for %s, not applied",
            weasyprint.__version__,
            pydyf.__version__,
            SUPPORTED,
        )
        return False
    _patch_layout_setup()
    _patch_word_spacing()
    _patch_percentages()
    _patch_to_bytes()
    _patch_draw_first_line()
    _patch_computed_style()
    _patch_font_style_key()
    _applied = True
    return True


def _patch_layout_setup() -> None:
    from weasyprint.text import line_break
    from weasyprint.text.constants import LST_TO_ISO, PANGO_DIRECTION
    from weasyprint.text.ffi import FROM_UNITS, ffi, gobject, pango, unicode_to_char_p
    from weasyprint.text.fonts import font_features, get_font_description

    #: (font map, direction, language, font properties, decorated) -> what ``setup`` makes.
    shared: dict = {}

    def style_key(style):
        return (
            id(style.font_config.font_map),
            style["direction"],
            style["font_language_override"],
            style["lang"],
            tuple(style["font_family"]),
            style["font_style"],
            style["font_stretch"],
            style["font_weight"],
            style["font_size"],
            style["font_variant_caps"],
            style["font_variation_settings"],
            style["text_decoration_line"] != "none",
        )

    def make_shared(style):
        """WeasyPrint 70's ``Layout.setup`` up to the layout itself, for one text style."""
        font_map = style.font_config.font_map
        pango_context = ffi.gc(
            pango.pango_font_map_create_context(font_map), gobject.g_object_unref
        )
        pango.pango_context_set_round_glyph_positions(pango_context, False)
        pango.pango_context_set_base_dir(pango_context, PANGO_DIRECTION[style["direction"]])
        if style["font_language_override"] != "normal":
            lang_p, lang = unicode_to_char_p(
                LST_TO_ISO.get(
                    style["font_language_override"].lower(), style["font_language_override"]
                )
            )
        elif style["lang"]:
            lang_p, lang = unicode_to_char_p(style["lang"])
        else:
            lang = None
            language = pango.pango_language_get_default()
        if lang:
            language = pango.pango_language_from_string(lang_p)
            pango.pango_context_set_language(pango_context, language)
        font_description = get_font_description(style)
        metrics = (None, None, None, None, None, None)
        if style["text_decoration_line"] != "none":
            font_metrics = ffi.gc(
                pango.pango_context_get_metrics(pango_context, font_description, language),
                pango.pango_font_metrics_unref,
            )
            metrics = (
                FROM_UNITS * pango.pango_font_metrics_get_ascent(font_metrics),
                FROM_UNITS * pango.pango_font_metrics_get_underline_position(font_metrics),
                FROM_UNITS * pango.pango_font_metrics_get_strikethrough_position(font_metrics),
                FROM_UNITS * pango.pango_font_metrics_get_underline_thickness(font_metrics),
                FROM_UNITS * pango.pango_font_metrics_get_strikethrough_thickness(font_metrics),
                True,
            )
        return font_map, pango_context, language, font_description, metrics

    def setup(self, style):
        self.style = style
        self.first_line_direction = 0
        key = style_key(style)
        entry = shared.get(key)
        if entry is None:
            entry = shared[key] = make_shared(style)
        _, pango_context, self.language, font_description, metrics = entry
        self.layout = ffi.gc(pango.pango_layout_new(pango_context), gobject.g_object_unref)
        pango.pango_layout_set_auto_dir(self.layout, False)
        pango.pango_layout_set_font_description(self.layout, font_description)
        if metrics[-1]:
            (
                self.ascent,
                self.underline_position,
                self.strikethrough_position,
                self.underline_thickness,
                self.strikethrough_thickness,
                _,
            ) = metrics
        else:
            self.ascent = self.underline_position = self.strikethrough_position = None
        features = font_features(
            style["font_kerning"],
            style["font_variant_ligatures"],
            style["font_variant_position"],
            style["font_variant_caps"],
            style["font_variant_numeric"],
            style["font_variant_alternates"],
            style["font_variant_east_asian"],
            style["font_feature_settings"],
        )
        if features:  # a list of attributes per layout, as WeasyPrint does (set_text adds to it)
            features = ",".join(f"{key} {value}" for key, value in features.items()).encode()
            attr = style.font_config.font_features.setdefault(
                features, pango.pango_attr_font_features_new(features)
            )
            attr_list = pango.pango_attr_list_new()
            pango.pango_attr_list_insert(attr_list, attr)
            pango.pango_layout_set_attributes(self.layout, attr_list)

    line_break.Layout.setup = setup


def _patch_word_spacing() -> None:
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import inline
    from weasyprint.text.line_break import Layout

    count_expandable_spaces = inline.count_expandable_spaces

    def detached_layout(text, style, justification_spacing):
        """What ``create_layout(text, style, max_width=None, …)`` then ``deactivate()`` leave:
        the text and the spacing that ``reactivate`` lays out again when drawing."""
        layout = Layout.__new__(Layout)
        layout.justification_spacing = justification_spacing
        layout.max_width = None
        layout.first_line_direction = 0
        index = text.find("\n")
        layout.text = text[: index + 2] if index != -1 else text
        if style["text_decoration_line"] != "none":  # read when drawing, before reactivate
            Layout.setup(layout, style)
            del layout.layout, layout.language, layout.style
        else:
            layout.ascent = layout.underline_position = layout.strikethrough_position = None
        return layout

    def add_word_spacing(context, box, justification_spacing, x_advance):
        if isinstance(box, boxes.TextBox):
            box.justification_spacing = justification_spacing
            box.position_x += x_advance
            nb_spaces = count_expandable_spaces(box)
            if nb_spaces > 0:
                layout = detached_layout(box.text, box.style, box.justification_spacing)
                extra_space = justification_spacing * nb_spaces
                x_advance += extra_space
                box.width += extra_space
                box.pango_layout = layout
        elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            box.position_x += x_advance
            previous_x_advance = x_advance
            children = box.children
            if box.style["direction"] == "rtl":
                children = children[::-1]
            for child in children:
                if child.is_in_normal_flow():
                    x_advance = add_word_spacing(context, child, justification_spacing, x_advance)
            box.width += x_advance - previous_x_advance
        else:
            box.translate(x_advance, 0)
        return x_advance

    inline.add_word_spacing = add_word_spacing


def _patch_percentages() -> None:
    import sys
    from math import inf

    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import percent

    percentage, adjust_box_sizing = percent.percentage, percent.adjust_box_sizing
    original_all, original_one = percent.resolve_percentages, percent.resolve_one_percentage
    page_box, box_class = boxes.PageBox, boxes.Box
    #: The properties resolved against the containing block's width (True) or height (False).
    sides = (
        ("margin_left", True),
        ("margin_right", True),
        ("margin_top", False),
        ("margin_bottom", False),
        ("padding_left", True),
        ("padding_right", True),
        ("padding_top", False),
        ("padding_bottom", False),
        ("width", True),
        ("min_width", True),
        ("max_width", True),
    )
    borders = ("border_top_width", "border_right_width", "border_bottom_width", "border_left_width")

    def used(value, style, refer_to):
        """``percentage``, its common cases first."""
        if value is None or value == "auto":
            return value
        unit = getattr(value, "unit", None)
        if unit == "px":
            return value.value
        if unit == "%":
            return refer_to * value.value / 100
        return percentage(value, style, refer_to)

    def resolve_one_percentage(box, property_name, refer_to):
        value = used(box.style[property_name], box.style, refer_to)
        if value == "auto" and property_name in ("min_width", "min_height"):
            value = 0
        setattr(box, property_name, value)

    def resolve_percentages(box, containing_block):
        if isinstance(containing_block, box_class):
            cb_width, cb_height = containing_block.width, containing_block.height
        else:
            cb_width, cb_height = containing_block
        maybe_height = cb_height if isinstance(box, page_box) else cb_width
        style = box.style
        for name, horizontal in sides:
            value = used(style[name], style, cb_width if horizontal else maybe_height)
            if value == "auto" and name == "min_width":
                value = 0
            setattr(box, name, value)
        if cb_height == "auto":
            height = style["height"]
            if height == "auto" or percent.check_math(height) or height.unit == "%":
                box.height = "auto"
            else:
                assert height.unit.lower() == "px"
                box.height = height.value
            value = used(style["min_height"], style, 0)
            box.min_height = 0 if value == "auto" else value
            box.max_height = used(style["max_height"], style, inf)
        else:
            box.height = used(style["height"], style, cb_height)
            value = used(style["min_height"], style, cb_height)
            box.min_height = 0 if value == "auto" else value
            box.max_height = used(style["max_height"], style, cb_height)
        collapse = style["border_collapse"] == "collapse"
        for prop in borders:
            if not (collapse and hasattr(box, prop)):
                setattr(box, prop, style[prop])
        adjust_box_sizing(box, "width")
        adjust_box_sizing(box, "height")

    # Every module imported the functions by name: each one's name is rebound.
    for name, module in list(sys.modules.items()):
        if name.startswith("weasyprint.") and module is not None:
            if getattr(module, "resolve_percentages", None) is original_all:
                module.resolve_percentages = resolve_percentages
            if getattr(module, "resolve_one_percentage", None) is original_one:
                module.resolve_one_percentage = resolve_one_percentage


def _patch_to_bytes() -> None:
    import pydyf

    original = pydyf._to_bytes

    def _to_bytes(item):
        kind = type(item)
        if kind is bytes:
            return item
        if kind is str:
            return item.encode("ascii")
        if kind is int:
            return b"%d" % item
        if kind is float and not item.is_integer():
            return f"{item:f}".rstrip("0").encode("ascii")
        return original(item)

    pydyf._to_bytes = _to_bytes


def _patch_draw_first_line() -> None:
    """WeasyPrint's ``draw_first_line`` (7 % of a render, every glyph of every line) reads each
    glyph's four numbers through cffi attribute lookups, one by one; here a run's glyph array is
    read in one call (``ffi.unpack``) and each glyph's operators built with the same arithmetic
    and the same formatting, so the same bytes. Lines this loop does not know (ellipsis, bitmap,
    SVG, PNG or COLR fonts, empty or missing glyphs, vertical offsets) are drawn by WeasyPrint:
    nothing is written to the page before the line is known to be an ordinary one."""
    import sys

    from weasyprint.draw import text as draw_text
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    original = draw_text.draw_first_line
    glyph_size = ffi.sizeof("PangoGlyphInfo")
    #: PangoGlyphInfo as ints: glyph, width, x_offset, y_offset, attr (the patch's assumption).
    fields = glyph_size // ffi.sizeof("int")
    empty = pango.PANGO_GLYPH_EMPTY  # and above: PANGO_GLYPH_UNKNOWN_FLAG, left to WeasyPrint
    assert (fields, ffi.offsetof("PangoGlyphInfo", "geometry")) == (5, 4)

    class Unusual(Exception):
        """A line the fast loop leaves to WeasyPrint: emoji or bitmap fonts, empty or missing
        glyphs, vertical offsets."""

    def line_operations(stream, textbox, first_line):
        """What ``draw_first_line`` writes after the text matrix, as (font, size) and strings;
        nothing is written yet, so that an unusual line can still be drawn by WeasyPrint."""
        operations = []
        previous_pango_font = None
        string = ""
        utf8_text = None
        run = first_line.runs[0]
        while run != ffi.NULL:
            glyph_item = run.data
            run = run.next
            glyph_string = glyph_item.glyphs
            num_glyphs = glyph_string.num_glyphs
            pango_font = glyph_item.item.analysis.font
            if pango_font != previous_pango_font:
                previous_pango_font = pango_font
                font, font_size = stream.add_font(pango_font)
                if font.bitmap or font.svg or font.png or font.colr:
                    raise Unusual
                if pango.pango_version() < 14802:
                    font_size = textbox.style["font_size"]
                if string:
                    operations.append(string)
                string = ""
                operations.append((font.hash, font_size))
                widths, to_unicode = font.widths, font.to_unicode
            values = ffi.unpack(ffi.cast("int *", glyph_string.glyphs), num_glyphs * fields)
            glyphs = values[0::fields]
            if (
                any(values[3::fields])
                or max(glyphs, default=0) >= empty
                or min(glyphs, default=0) < 0
            ):
                raise Unusual
            clusters = None
            parts = ["<"]
            append = parts.append
            for i, (glyph_id, width, x_offset) in enumerate(
                zip(glyphs, values[1::fields], values[2::fields], strict=True)
            ):
                if glyph_id not in to_unicode:  # as WeasyPrint does, glyph_id & unknown == 0
                    item = glyph_item.item
                    if clusters is None:
                        clusters = ffi.unpack(glyph_string.log_clusters, num_glyphs)
                    offset = item.offset
                    t1 = clusters[i]
                    if item.analysis.level % 2:  # rtl
                        t2 = item.length if i == 0 else clusters[i - 1]
                    else:
                        t2 = item.length if i == num_glyphs - 1 else clusters[i + 1]
                    utf8_text = utf8_text or textbox.pango_layout.text.encode()
                    to_unicode[glyph_id] = utf8_text[offset + t1 : offset + t2].decode()
                offset = x_offset / font_size
                if offset:
                    append(f">{-offset}<")
                append(f"{glyph_id:04x}")
                if glyph_id in widths:
                    logical_width = widths[glyph_id]
                else:
                    pango.pango_font_get_glyph_extents(
                        pango_font, glyph_id, stream.ink_rect, stream.logical_rect
                    )
                    logical_width = widths[glyph_id] = round(
                        stream.logical_rect.width * 1000 * FROM_UNITS / font_size
                    )
                kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
                if kerning:
                    append(f">{int(kerning)}<")
            string += "".join(parts)
            if string[-1] == "<":
                string = string[:-1]
            else:
                string += ">"
        operations.append(string)
        return operations

    def draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
        if text_overflow == "ellipsis" or block_ellipsis != "none":
            return original(stream, textbox, text_overflow, block_ellipsis, matrix)
        if not textbox.text.strip():
            return []
        if textbox.style["font_size"] < 1e-6:
            return []
        layout = textbox.pango_layout
        pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
        first_line, _ = layout.get_first_line()
        try:
            operations = line_operations(stream, textbox, first_line)
        except Unusual:
            return original(stream, textbox, text_overflow, block_ellipsis, matrix)
        stream.set_text_matrix(*matrix.values)
        for operation in operations:
            if type(operation) is str:
                stream.show_text(operation)
            else:
                stream.set_font_size(*operation)
        return []

    # weasyprint.svg.text imports it by name too.
    for name, module in list(sys.modules.items()):
        if name.startswith("weasyprint.") and getattr(module, "draw_first_line", None) is original:
            module.draw_first_line = draw_first_line


def _patch_computed_style() -> None:
    """WeasyPrint computes a style's properties when first read (``ComputedStyle.__missing__``,
    12 000 times a render): most are neither in the element's cascade nor special, and take
    their parent's value (inherited) or their initial one; here those two cases are decided
    first, the rest (cascaded, logical, ``display``/``float``/``position``/``page``, text
    decorations, custom properties, math functions) goes to WeasyPrint's own function."""
    from weasyprint.css import ComputedStyle
    from weasyprint.css.computed_values import COMPUTER_FUNCTIONS, PHYSICAL_FUNCTIONS
    from weasyprint.css.functions import check_math
    from weasyprint.css.properties import INHERITED, INITIAL_NOT_COMPUTED, INITIAL_VALUES

    original = ComputedStyle.__missing__
    special = {"float", "display", "page", "position"}
    math_initial = {key for key, value in INITIAL_VALUES.items() if check_math(value)}

    def __missing__(self, key):
        if (
            key in special
            or key in self.cascaded
            or key[:2] == "__"
            or key[:16] == "text_decoration_"
            or key in math_initial
        ):
            return original(self, key)
        logical = PHYSICAL_FUNCTIONS.get(key)
        if logical and logical(block="ttb", inline=self["direction"]) in self.cascaded:
            return original(self, key)
        parent_style = self.parent_style
        if key in INHERITED and parent_style is not None:
            value = parent_style[key]
            if check_math(value):
                return original(self, key)
            self[key] = value
            return value
        value = INITIAL_VALUES[key]
        if key in INITIAL_NOT_COMPUTED and key in COMPUTER_FUNCTIONS:
            value = COMPUTER_FUNCTIONS[key](self, key, value)
        self[key] = value
        return value

    ComputedStyle.__missing__ = __missing__


def _patch_font_style_key() -> None:
    """``strut`` (every line box) and ``character_ratio`` look their cached results up by a key
    that WeasyPrint rebuilds at each call: ``str()`` of a tuple of 14 font properties (700 a
    render). The key of a style is kept on the style object: its font properties are not
    changed in place once read (WeasyPrint copies a style before changing one)."""
    from weasyprint.text import line_break

    original = line_break._font_style_cache_key

    def _font_style_cache_key(style, include_size=False):
        keys = style.__dict__.setdefault("_iscg_font_keys", {})
        key = keys.get(include_size)
        if key is None:
            key = keys[include_size] = original(style, include_size)
        return key

    line_break._font_style_cache_key = _font_style_cache_key
