"""Faster paths through ten of WeasyPrint 70's hottest functions, for the report's render.

A report is about 2,000 boxes, and WeasyPrint spends its time in a few small functions called for
every box, property, line or glyph. Each replacement here returns exactly what WeasyPrint's own
function returns, and hands every input outside the common case it was written for to that
function. Together they take 29-33% off a warm render of a report (A/B in one process;
benchmarks/bench_pdf.py and README, "Measured"). Tests render the reports and a document built to
take every fallback (var(), inherit, logical properties, calc(), pre-formatted text,
justification, ellipsis, right-to-left text, combining marks, missing glyphs, letter spacing,
languages, floats, running elements, rounded corners, backgrounds, ::first-line, and @page rules
for first, left, right, nth, named and blank pages) with and without them, and compare the PDF
bytes and every computed property of every box.

``install()`` (called by reports/pdf.py at import) applies them only to the WeasyPrint release
they were written against (``SUPPORTED``); with any other release WeasyPrint runs unchanged and a
test fails, so an upgrade is checked again before it ships.

1. **Computed styles.** ``ComputedStyle.__missing__`` computes a property the first time it is
   read: about 30,000 times a report. Most are neither set by the stylesheet (inherited or
   initial) nor special (``float``, ``display``, ``position``, ``page``, text decorations,
   custom properties, ``var()``, ``calc()``, ``inherit``/``initial`` keywords, physical properties
   whose logical twin is set). ``_computed_value`` answers those directly and sends the rest to
   WeasyPrint's method. It also remembers the logical name of each physical property, which
   WeasyPrint derived again for each lookup.
2. **Line layouts kept for drawing.** WeasyPrint shapes each line of text with Pango to break it,
   drops that Pango layout, then builds and shapes it again to draw the line; and drawing
   switches the layout to single-paragraph mode, which makes Pango lay it out once more. The
   layout is now kept from breaking to drawing when the box keeps its style and has no
   justification spacing, and the switch is skipped when the text holds no paragraph separator
   (it only changes how those are laid out). Every drawn line is shaped once less.
3. **Glyphs read in bulk.** Drawing a line read each glyph's id, width and offsets field by field
   through cffi (about 60,000 glyphs in an English report); they are now read as integers from
   Pango's array in one go per run, and the same PDF text operators are written. Lines with an
   ellipsis, and fonts WeasyPrint draws specially (emoji, bitmap), keep WeasyPrint's function.
4. **Pango contexts.** Every line layout created a Pango context and a font description; those
   depend only on the font configuration, direction, language and font, so they are made once per
   font configuration and reused (Pango copies a layout's font description; nothing changes a
   context after it is made).
5. **Used lengths.** ``resolve_percentages`` turns the computed margins, paddings, sizes and
   borders of each box into used values, 2,800 times a report, through a generic helper per
   property. A style whose lengths are all px or auto gives the same used values to every box
   whatever its containing block, so they are worked out once per style; otherwise px and %
   are resolved inline and everything else by that helper.
6. **Normal flow.** ``Box.is_in_normal_flow`` (11,000 calls a report) made five method calls and
   six style lookups; it reads ``float`` and ``position`` once each.
7. **Page styles.** Every page has its own page type (its index is part of it, for ``:nth()``),
   so WeasyPrint computed the page's style and the styles of all 16 margin boxes, the footnote
   area and the note area again for every page, and looked for them among every element's
   cascaded styles. Those styles depend only on the @page rules that match the page, so pages
   matched by the same rules (in a report, every page but the cover) now share the styles the
   first of them computed. Nothing that lays out a page changes its style in a way that differs
   from page to page (the page's ``overflow`` and its counters are set to the same values each
   time).
8. **Backgrounds.** ``layout_box_backgrounds`` runs for every box of every page (2,000 a
   report) to find what to paint behind it; most boxes have square corners and nothing to
   paint, and get no background after a few style lookups. Any other box (a colour, an image or
   gradient, a shadow, a border image or mask, rounded corners, the page itself) goes to
   WeasyPrint's function.
9. **Lines beside no float.** ``avoid_collisions`` places each line box beside the floats on its
   page (1,700 calls a report, which has no floats); a line box in left-to-right text on a page
   without floats gets its containing block's content box directly, by the same arithmetic.
   Floats, right-to-left text and other boxes go to WeasyPrint's function.
10. **Struts.** ``strut`` (a style's line height and baseline, 2,000 calls a report) looked its
    answer up under a key made by turning sixteen of the style's properties into a string on
    every call; the answer is now kept on the style, whose font properties do not change once
    layout has begun (``::first-line`` styles are copies).
"""

from __future__ import annotations

import importlib
import threading
from math import inf
from typing import Any

import weasyprint
import weasyprint.draw.text as draw_text_module
import weasyprint.layout.background as background_module
import weasyprint.layout.float as float_module
import weasyprint.layout.page as page_module
import weasyprint.layout.percent as percent_module
import weasyprint.text.line_break as line_break_module
from weasyprint.css import ComputedStyle
from weasyprint.css.computed_values import COMPUTER_FUNCTIONS, PHYSICAL_FUNCTIONS
from weasyprint.css.functions import check_math
from weasyprint.css.properties import INHERITED, INITIAL_NOT_COMPUTED, INITIAL_VALUES, Dimension
from weasyprint.css.tokens import Pending
from weasyprint.formatting_structure.boxes import Box, LineBox, PageBox
from weasyprint.logger import LOGGER
from weasyprint.text.constants import LST_TO_ISO, PANGO_DIRECTION
from weasyprint.text.ffi import FROM_UNITS, ffi, gobject, pango, unicode_to_char_p
from weasyprint.text.fonts import font_features, get_font_description
from weasyprint.text.line_break import Layout

__all__ = ["SUPPORTED", "install", "installed", "uninstall"]

#: WeasyPrint releases whose internals these replacements were written against and checked on.
SUPPORTED = ("70.",)

# --- 1. computed styles ---------------------------------------------------------------------

_original_missing = ComputedStyle.__missing__
# Properties WeasyPrint's method treats specially whatever their value.
_SPECIAL_PROPERTIES = frozenset({"float", "display", "position", "page"})
_logical_names: dict[tuple[str, str], str] = {}


def _computed_value(style: Any, key: str) -> Any:
    """ComputedStyle.__missing__: the common cases here, the rest by WeasyPrint's method."""
    if key in _SPECIAL_PROPERTIES or key[:16] == "text_decoration_" or key[:2] == "__":
        return _original_missing(style, key)
    cascaded = style.cascaded
    if key in PHYSICAL_FUNCTIONS:
        direction = style["direction"]
        logical = _logical_names.get((key, direction))
        if logical is None:
            # WeasyPrint 70 always lays out top to bottom (block="ttb").
            logical = PHYSICAL_FUNCTIONS[key](block="ttb", inline=direction)
            _logical_names[key, direction] = logical
        if logical in cascaded:  # the logical twin may win over the physical property
            return _original_missing(style, key)
    if key in cascaded:
        value = cascaded[key][0]
        if (
            value == "inherit"
            or value == "initial"
            or isinstance(value, Pending)
            or check_math(value)
        ):
            return _original_missing(style, key)
        compute = COMPUTER_FUNCTIONS.get(key)
        if compute is not None:
            value = compute(style, key, value)
        style[key] = value
        return value
    parent = style.parent_style
    if parent is not None and key in INHERITED:
        value = style[key] = parent[key]
        return value
    if key in INITIAL_NOT_COMPUTED:
        return _original_missing(style, key)
    value = style[key] = INITIAL_VALUES[key]
    return value


# --- 2, 3. line layouts kept for drawing, glyphs read in bulk -------------------------------

_original_deactivate = Layout.deactivate
_original_reactivate = Layout.reactivate
_original_draw_first_line = draw_text_module.draw_first_line
_original_draw_pango = draw_text_module.pango
# What Pango treats as the end of a paragraph (and single-paragraph mode draws as a glyph), plus
# the line separators, to be safe.
_SEPARATORS = ("\n", "\r", "\u2029", "\u2028", "\x85")


def _keep_layout(layout: Any) -> None:
    """Layout.deactivate: keep the Pango layout aside for drawing instead of dropping it."""
    layout._kept = (layout.layout, layout.language, layout.style)
    del layout.layout, layout.language, layout.style


def _reuse_layout(layout: Any, style: Any) -> None:
    """Layout.reactivate: the kept Pango layout when nothing it was shaped with changed."""
    kept = layout.__dict__.pop("_kept", None)
    if kept is not None and kept[2] is style and not layout.justification_spacing:
        layout.layout, layout.language, layout.style = kept
        return
    _original_reactivate(layout, style)


class _DrawingPango:
    """weasyprint.draw.text's ``pango``: the library, but for a single-paragraph switch that
    draw_first_line has marked as changing nothing."""

    def __init__(self, lib: Any) -> None:
        self._lib = lib
        self._state = threading.local()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._lib, name)
        setattr(self, name, value)  # looked up per glyph: once through here is enough
        return value

    def pango_layout_set_single_paragraph_mode(self, layout: Any, setting: bool) -> None:
        if not getattr(self._state, "skip", False):
            self._lib.pango_layout_set_single_paragraph_mode(layout, setting)


_drawing_pango = _DrawingPango(pango)


# PangoGlyphInfo as WeasyPrint declares it: guint glyph, then PangoGlyphGeometry (width, x_offset,
# y_offset: ints), then a guint of attributes; 20 bytes, read as five 32-bit integers.
_GLYPH_INFO_INTS = 5
_GLYPH_INFO_READABLE = (
    ffi.sizeof("PangoGlyphInfo") == 4 * _GLYPH_INFO_INTS
    and ffi.offsetof("PangoGlyphInfo", "geometry") == 4
    and ffi.sizeof("PangoGlyphGeometry") == 12
)
_OLD_PANGO = pango.pango_version() < 14802  # WeasyPrint's workaround for Pango issue #530
_GLYPH_EMPTY = pango.PANGO_GLYPH_EMPTY
_GLYPH_UNKNOWN = pango.PANGO_GLYPH_UNKNOWN_FLAG


def _draw_first_line(
    stream: Any, textbox: Any, text_overflow: Any, block_ellipsis: Any, matrix: Any
) -> Any:
    """draw_first_line: the glyphs read in bulk when no ellipsis is drawn and every font is an
    outline font (no emoji, no bitmap); otherwise WeasyPrint's function, which still does not
    lay the line out again when it has no paragraph separator."""
    if (
        _GLYPH_INFO_READABLE
        and text_overflow != "ellipsis"
        and block_ellipsis == "none"
        and textbox.text.strip()
        and textbox.style["font_size"] >= 1e-6
    ):
        drawn = _draw_glyph_runs(stream, textbox, matrix)
        if drawn is not None:
            return drawn
    text = textbox.pango_layout.text
    state = _drawing_pango._state
    state.skip = not any(separator in text for separator in _SEPARATORS)
    try:
        return _original_draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)
    finally:
        state.skip = False


def _draw_glyph_runs(stream: Any, textbox: Any, matrix: Any) -> list[Any] | None:
    """WeasyPrint 70's draw_first_line for plain lines, writing the same PDF operators: each
    run's glyph ids, widths and offsets read as integers from Pango's array at once instead of
    field by field through cffi. None (nothing drawn) when a font needs WeasyPrint's emoji or
    bitmap handling."""
    layout = textbox.pango_layout
    if any(separator in layout.text for separator in _SEPARATORS):
        pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
    first_line, _ = layout.get_first_line()

    runs = []
    run = first_line.runs[0]
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        pango_font = glyph_item.item.analysis.font
        font, font_size = stream.add_font(pango_font)
        if font.png or font.svg or font.colr or font.bitmap:
            return None
        runs.append((glyph_item, pango_font, font, font_size))

    stream.set_text_matrix(*matrix.values)
    previous_pango_font = None
    string = ""
    utf8_text = None
    font_size = 0.0
    for glyph_item, pango_font, font, run_font_size in runs:
        if pango_font != previous_pango_font:
            previous_pango_font = pango_font
            font_size = textbox.style["font_size"] if _OLD_PANGO else run_font_size
            if string:
                stream.show_text(string)
            string = ""
            stream.set_font_size(font.hash, font_size)
        string += "<"
        glyph_string = glyph_item.glyphs
        num_glyphs = glyph_string.num_glyphs
        infos = memoryview(ffi.buffer(glyph_string.glyphs, num_glyphs * 4 * _GLYPH_INFO_INTS))
        glyph_ids = infos.cast("I")[0::_GLYPH_INFO_INTS].tolist()
        signed = infos.cast("i")
        widths = signed[1::_GLYPH_INFO_INTS].tolist()
        x_offsets = signed[2::_GLYPH_INFO_INTS].tolist()
        y_offsets = signed[3::_GLYPH_INFO_INTS].tolist()
        font_widths = font.widths
        to_unicode = font.to_unicode
        # What a glyph without offsets writes depends only on its id, width and the font size
        # (its text mapping and logical width are fixed at its first use in this document), so
        # it is written out once per font and document.
        pieces = font.__dict__.setdefault("_cqo_glyph_pieces", {})
        clusters = None
        for i in range(num_glyphs):
            glyph_id = glyph_ids[i]
            width = widths[i]
            plain = not x_offsets[i] and not y_offsets[i]
            if plain:
                piece = pieces.get((glyph_id, width, font_size))
                if piece is not None:
                    string += piece
                    continue

            # Zero-width empty glyph.
            if glyph_id == _GLYPH_EMPTY:
                string += f">{-width / font_size}<"
                continue

            # .notdef for a missing glyph, with WeasyPrint's warning.
            if glyph_id & _GLYPH_UNKNOWN:  # never kept as a piece: it warns each time
                plain = False
                codepoint = glyph_id - _GLYPH_UNKNOWN
                LOGGER.warning(
                    '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)',
                    chr(codepoint),
                    codepoint,
                )
                glyph_id = font.get_unused_glyph_id(codepoint)
                font_widths[glyph_id] = round(width * 1000 * FROM_UNITS / font_size)
                if 0 not in font_widths:
                    font_widths[0] = font_widths[glyph_id]

            # Map the glyph to its text.
            if glyph_id not in to_unicode:
                if clusters is None:
                    clusters = ffi.unpack(glyph_string.log_clusters, num_glyphs)
                item_offset = glyph_item.item.offset
                t1 = clusters[i]
                if glyph_item.item.analysis.level % 2:  # rtl
                    t2 = glyph_item.item.length if i == 0 else clusters[i - 1]
                else:
                    t2 = glyph_item.item.length if i == num_glyphs - 1 else clusters[i + 1]
                utf8_text = utf8_text or layout.text.encode()
                to_unicode[glyph_id] = utf8_text[item_offset + t1 : item_offset + t2].decode()

            # Horizontal and vertical offsets.
            offset = x_offsets[i] / font_size
            rise = y_offsets[i] / 1000
            if rise:
                if string[-1] == "<":
                    string = string[:-1]
                else:
                    string += ">"
                if string:
                    stream.show_text(string)
                stream.set_text_rise(-rise)
                string = ""
                if offset:
                    string = f"{-offset}"
                string += f"<{glyph_id:04x}>"
                stream.show_text(string)
                stream.set_text_rise(0)
                string = "<"
            else:
                if offset:
                    string += f">{-offset}<"
                string += f"{glyph_id:04x}"

            # Logical width, then kerning, word and letter spacing.
            if glyph_id in font_widths:
                logical_width = font_widths[glyph_id]
            else:
                pango.pango_font_get_glyph_extents(
                    pango_font, glyph_id, stream.ink_rect, stream.logical_rect
                )
                logical_width = font_widths[glyph_id] = round(
                    stream.logical_rect.width * 1000 * FROM_UNITS / font_size
                )
            kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
            if kerning:
                string += f">{int(kerning)}<"
            if plain:
                pieces[glyph_id, width, font_size] = f"{glyph_id:04x}" + (
                    f">{int(kerning)}<" if kerning else ""
                )

        # Close the run's glyph list, or drop it when empty.
        if string[-1] == "<":
            string = string[:-1]
        else:
            string += ">"

    stream.show_text(string)
    return []


# --- 4. Pango contexts ----------------------------------------------------------------------

_original_setup = Layout.setup


def _setup(layout: Any, style: Any) -> None:
    """Layout.setup, with the Pango context and font description made once per font
    configuration (WeasyPrint 70's own body otherwise)."""
    layout.style = style
    layout.first_line_direction = 0

    font_config = style.font_config
    cache = font_config.__dict__.get("_cqo_pango")
    if cache is None:
        cache = font_config.__dict__["_cqo_pango"] = ({}, {})
    contexts, descriptions = cache

    direction = style["direction"]
    override = style["font_language_override"]
    if override != "normal":
        lang = LST_TO_ISO.get(override.lower(), override)
    else:
        lang = style["lang"] or None
    context = contexts.get((direction, lang))
    if context is None:
        pango_context = ffi.gc(
            pango.pango_font_map_create_context(font_config.font_map), gobject.g_object_unref
        )
        pango.pango_context_set_round_glyph_positions(pango_context, False)
        pango.pango_context_set_base_dir(pango_context, PANGO_DIRECTION[direction])
        if lang:
            lang_p, _ = unicode_to_char_p(lang)
            language = pango.pango_language_from_string(lang_p)
            pango.pango_context_set_language(pango_context, language)
        else:
            language = pango.pango_language_get_default()
        context = contexts[direction, lang] = (pango_context, language)
    pango_context, layout.language = context

    variations = style["font_variation_settings"]
    font_key = (
        tuple(style["font_family"]),
        style["font_style"],
        style["font_stretch"],
        style["font_weight"],
        style["font_size"],
        style["font_variant_caps"],
        variations if variations == "normal" else tuple(variations),
    )
    font_description = descriptions.get(font_key)
    if font_description is None:
        font_description = descriptions[font_key] = get_font_description(style)
    layout.layout = ffi.gc(pango.pango_layout_new(pango_context), gobject.g_object_unref)
    pango.pango_layout_set_auto_dir(layout.layout, False)
    pango.pango_layout_set_font_description(layout.layout, font_description)

    if style["text_decoration_line"] != "none":
        metrics = ffi.gc(
            pango.pango_context_get_metrics(pango_context, font_description, layout.language),
            pango.pango_font_metrics_unref,
        )
        layout.ascent = FROM_UNITS * pango.pango_font_metrics_get_ascent(metrics)
        layout.underline_position = FROM_UNITS * (
            pango.pango_font_metrics_get_underline_position(metrics)
        )
        layout.strikethrough_position = FROM_UNITS * (
            pango.pango_font_metrics_get_strikethrough_position(metrics)
        )
        layout.underline_thickness = FROM_UNITS * (
            pango.pango_font_metrics_get_underline_thickness(metrics)
        )
        layout.strikethrough_thickness = FROM_UNITS * (
            pango.pango_font_metrics_get_strikethrough_thickness(metrics)
        )
    else:
        layout.ascent = None
        layout.underline_position = None
        layout.strikethrough_position = None

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
    if features:
        encoded = ",".join(f"{key} {value}" for key, value in features.items()).encode()
        attr = font_config.font_features.setdefault(
            encoded, pango.pango_attr_font_features_new(encoded)
        )
        attr_list = pango.pango_attr_list_new()
        pango.pango_attr_list_insert(attr_list, attr)
        pango.pango_layout_set_attributes(layout.layout, attr_list)


# --- 5. used lengths ------------------------------------------------------------------------

_original_resolve_percentages = percent_module.resolve_percentages
_percentage = percent_module.percentage
_adjust_box_sizing = percent_module.adjust_box_sizing
# Layout modules that imported resolve_percentages by name (flex reads it from percent).
_PERCENT_USERS = ("absolute", "block", "column", "float", "grid", "inline", "page", "table")


_BORDER_WIDTHS = (
    "border_top_width",
    "border_right_width",
    "border_bottom_width",
    "border_left_width",
)


def _used(value: Any, style: Any, refer_to: Any) -> Any:
    """percentage(): px and % here, anything else (auto, None, calc()) by WeasyPrint's helper."""
    if value.__class__ is Dimension:
        unit = value.unit
        if unit == "px":
            return value.value
        if unit == "%":
            return refer_to * value.value / 100
    return _percentage(value, style, refer_to)


# The lengths resolve_percentages sets, and those of them whose "auto" is used as 0.
_LENGTHS = (
    "margin_left",
    "margin_right",
    "margin_top",
    "margin_bottom",
    "padding_left",
    "padding_right",
    "padding_top",
    "padding_bottom",
    "width",
    "min_width",
    "max_width",
    "height",
    "min_height",
    "max_height",
)
_AUTO_IS_ZERO = frozenset({"min_width", "min_height"})
_UNKNOWN = object()


def _fixed_lengths(style: Any) -> tuple[dict[str, Any], dict[str, Any], bool] | None:
    """The used values resolve_percentages sets from this style when none of them depends on
    the containing block (every length in px or auto, sizes of the content box): the lengths,
    the border widths, and whether borders collapse (a table cell's are then set by the table
    layout). None otherwise."""
    if style["box_sizing"] != "content-box":
        return None
    lengths = {}
    for name in _LENGTHS:
        value = style[name]
        if value.__class__ is Dimension and value.unit == "px":
            lengths[name] = value.value
        elif value == "auto":
            lengths[name] = 0 if name in _AUTO_IS_ZERO else "auto"
        else:  # a percentage, calc() or anything unusual: resolved for each box
            return None
    borders = {name: style[name] for name in _BORDER_WIDTHS}
    return lengths, borders, style["border_collapse"] == "collapse"


def _resolve_percentages(box: Any, containing_block: Any) -> None:
    """resolve_percentages with the common units resolved inline (same values, same order).

    A style whose lengths are all px or auto gives every box the same used values whatever its
    containing block; they are worked out once and kept on the style. WeasyPrint copies a style
    before it changes one during layout (flex and grid items, ::first-line), and changes the
    lengths of a table's style (its padding, the margins its wrapper takes) while building
    boxes, before any of them is laid out.
    """
    style = box.style
    fixed = style.__dict__.get("_cqo_lengths", _UNKNOWN)
    if fixed is _UNKNOWN:
        fixed = style.__dict__["_cqo_lengths"] = _fixed_lengths(style)
    if fixed is not None:
        lengths, borders, collapse = fixed
        box.__dict__.update(lengths)
        if not collapse:
            box.__dict__.update(borders)
        else:  # collapsed borders were resolved by the table layout already
            for name, width in borders.items():
                if not hasattr(box, name):
                    setattr(box, name, width)
        return
    if isinstance(containing_block, Box):
        cb_width = containing_block.width
        cb_height = containing_block.height
    else:
        cb_width, cb_height = containing_block
    maybe_height = cb_height if isinstance(box, PageBox) else cb_width
    box.margin_left = _used(style["margin_left"], style, cb_width)
    box.margin_right = _used(style["margin_right"], style, cb_width)
    box.margin_top = _used(style["margin_top"], style, maybe_height)
    box.margin_bottom = _used(style["margin_bottom"], style, maybe_height)
    box.padding_left = _used(style["padding_left"], style, cb_width)
    box.padding_right = _used(style["padding_right"], style, cb_width)
    box.padding_top = _used(style["padding_top"], style, maybe_height)
    box.padding_bottom = _used(style["padding_bottom"], style, maybe_height)
    box.width = _used(style["width"], style, cb_width)
    min_width = _used(style["min_width"], style, cb_width)
    box.min_width = 0 if min_width == "auto" else min_width
    box.max_width = _used(style["max_width"], style, cb_width)

    if cb_height == "auto":
        height = style["height"]
        if height == "auto" or check_math(height) or height.unit == "%":
            box.height = "auto"
        elif height.unit.lower() == "px":
            box.height = height.value
        else:  # WeasyPrint asserts px here: let it say so
            _original_resolve_percentages(box, containing_block)
            return
        min_height = _used(style["min_height"], style, 0)
        box.min_height = 0 if min_height == "auto" else min_height
        box.max_height = _used(style["max_height"], style, inf)
    else:
        box.height = _used(style["height"], style, cb_height)
        min_height = _used(style["min_height"], style, cb_height)
        box.min_height = 0 if min_height == "auto" else min_height
        box.max_height = _used(style["max_height"], style, cb_height)

    # Collapsed borders were resolved by the table layout already.
    collapse = style["border_collapse"] == "collapse"
    for name in _BORDER_WIDTHS:
        if not (collapse and hasattr(box, name)):
            setattr(box, name, style[name])

    if style["box_sizing"] != "content-box":  # content-box changes nothing
        _adjust_box_sizing(box, "width")
        _adjust_box_sizing(box, "height")


# --- 6. normal flow -------------------------------------------------------------------------

_original_is_in_normal_flow = Box.is_in_normal_flow
# is_floated() and is_footnote()
_OUT_OF_FLOW_FLOATS = frozenset({"left", "right", "inline-start", "inline-end", "footnote"})


def _is_in_normal_flow(box: Any) -> bool:
    """Box.is_in_normal_flow: not floated, a footnote, positioned, running or a note."""
    style = box.style
    if style["float"] in _OUT_OF_FLOW_FLOATS:
        return False
    position = style["position"]
    return not (
        position == "absolute"
        or position == "fixed"
        or position[0] == "running()"
        or position[0] == "note()"
    )


# --- 7. page styles ---------------------------------------------------------------------------

_original_set_page_type_computed_styles = page_module.set_page_type_computed_styles


def _matching_page_rules(style_for: Any, page_type: Any) -> tuple[tuple[int, int, int, Any], ...]:
    """(sheet, rule, selector, pseudo-element) of every @page selector that matches the page:
    the same test, in the same order, as the cascade in ``add_page_declarations``."""
    matched = []
    for sheet_index, (sheet, _origin, _specificity) in enumerate(style_for._sheets):
        for rule_index, (_rule, selector_list, _declarations) in enumerate(sheet.page_rules):
            for selector_index, (_spec, pseudo_type, page_selector_type) in enumerate(
                selector_list
            ):
                if style_for._page_type_match(page_selector_type, page_type):
                    matched.append((sheet_index, rule_index, selector_index, pseudo_type))
    return tuple(matched)


def _set_page_type_computed_styles(page_type: Any, html: Any, style_for: Any) -> None:
    """set_page_type_computed_styles, computing each page's styles once per set of rules."""
    style_for.add_page_declarations(page_type)
    rules = _matching_page_rules(style_for, page_type)
    pseudo_types = [None, *dict.fromkeys(rule[3] for rule in rules if rule[3])]
    shared = style_for.__dict__.setdefault("_cqo_page_styles", {})
    computed = style_for.get_computed_styles()
    styles = shared.get(rules)
    if styles is None:
        for pseudo_type in pseudo_types:
            style_for.set_computed_styles(
                page_type,
                pseudo_type=pseudo_type,
                root=html.etree_element,
                parent=html.etree_element if pseudo_type is None else page_type,
                base_url=html.base_url,
            )
        shared[rules] = styles = {
            pseudo_type: computed[page_type, pseudo_type] for pseudo_type in pseudo_types
        }
    else:
        for pseudo_type, style in styles.items():
            computed[page_type, pseudo_type] = style


# --- 8. backgrounds -----------------------------------------------------------------------------

_original_layout_box_backgrounds = background_module.layout_box_backgrounds
_RADII = (
    "border_top_left_radius",
    "border_top_right_radius",
    "border_bottom_right_radius",
    "border_bottom_left_radius",
)
_SQUARE = (0, 0)
_NO_IMAGE = INITIAL_VALUES["background_image"]


def _layout_box_backgrounds(
    page: Any,
    box: Any,
    get_image_from_uri: Any,
    layout_children: bool = True,
    style: Any = None,
) -> None:
    """layout_box_backgrounds: a box with square corners and nothing to paint behind it (no
    background colour or image, shadow, border image or mask) gets no background, as in
    WeasyPrint's function, after its children; any other box goes to that function."""
    box_style = box.style
    if (
        box is page
        or not layout_children
        or (style is not None and style is not box_style)
        or box_style["border_image_source"][0] != "none"
        or box_style["mask_border_source"][0] != "none"
        or box_style["box_shadow"]
        or box_style["background_image"] != _NO_IMAGE
    ):
        _original_layout_box_backgrounds(page, box, get_image_from_uri, layout_children, style)
        return
    color = box_style["background_color"]
    if color == "currentcolor":
        color = box_style["color"]
    if color.alpha != 0:
        _original_layout_box_backgrounds(page, box, get_image_from_uri, layout_children, style)
        return
    for name in _RADII:
        rx, ry = box_style[name]
        if rx != (0, "px") and ry != (0, "px"):  # rounded: WeasyPrint resolves its radii
            _original_layout_box_backgrounds(page, box, get_image_from_uri, layout_children, style)
            return
    for name in _RADII:
        setattr(box, name, _SQUARE)
    for child in box.all_children():
        background_module.layout_box_backgrounds(page, child, get_image_from_uri)
    box.background = None


# --- 9. lines beside no float ---------------------------------------------------------------------

_original_avoid_collisions = float_module.avoid_collisions
# Layout modules that imported avoid_collisions by name.
_FLOAT_USERS = ("block", "inline")


def _avoid_collisions(context: Any, box: Any, containing_block: Any, outer: bool = True) -> Any:
    """avoid_collisions for a line box in left-to-right text when no float is on the page: the
    containing block's content box, with the same arithmetic as WeasyPrint's function."""
    if (
        context.excluded_shapes
        or box.__class__ is not LineBox
        or box.style["float"] != "none"
        or containing_block.style["direction"] != "ltr"
    ):
        return _original_avoid_collisions(context, box, containing_block, outer)
    max_left_bound = containing_block.content_box_x()
    max_right_bound = max_left_bound + containing_block.width
    if outer:
        return max_left_bound, box.position_y, max_right_bound - max_left_bound
    max_left_bound += box.margin_left
    max_right_bound -= box.margin_right
    return (
        max_left_bound - box.margin_left,
        box.border_box_y() - box.margin_top,
        max_right_bound - max_left_bound,
    )


# --- 10. struts ---------------------------------------------------------------------------------

_original_strut = line_break_module.strut


def _strut(style: Any) -> Any:
    """strut (line height and baseline of a style's font), remembered on the style.

    WeasyPrint caches struts per font configuration under a key it builds for every call by
    turning sixteen of the style's properties into a string (2,000 calls a report). Those
    properties of a computed style do not change once layout has begun (a ::first-line style
    is a copy), so the answer is kept on the style itself.
    """
    found = style.__dict__.get("_cqo_strut")
    if found is None:
        found = style.__dict__["_cqo_strut"] = _original_strut(style)
    return found


# --- installing -----------------------------------------------------------------------------


def _module_function(
    module: Any, name: str, own: Any, new: Any, layout_users: tuple[str, ...] = ()
) -> list[tuple[Any, str, Any, Any]]:
    """Targets for a module-level function: the module's, and the copy each of ``layout_users``
    (modules of weasyprint.layout) took with ``from ... import``."""
    users = [importlib.import_module(f"weasyprint.layout.{user}") for user in layout_users]
    return [(owner, name, own, new) for owner in (module, *users)]


def _targets() -> list[tuple[Any, str, Any, Any]]:
    """(owner, attribute, WeasyPrint's own value, replacement) for every replacement."""
    return [
        (ComputedStyle, "__missing__", _original_missing, _computed_value),
        (Layout, "deactivate", _original_deactivate, _keep_layout),
        (Layout, "reactivate", _original_reactivate, _reuse_layout),
        (Layout, "setup", _original_setup, _setup),
        (Box, "is_in_normal_flow", _original_is_in_normal_flow, _is_in_normal_flow),
        (draw_text_module, "pango", _original_draw_pango, _drawing_pango),
        *_module_function(
            draw_text_module, "draw_first_line", _original_draw_first_line, _draw_first_line
        ),
        *_module_function(
            percent_module,
            "resolve_percentages",
            _original_resolve_percentages,
            _resolve_percentages,
            _PERCENT_USERS,
        ),
        *_module_function(
            page_module,
            "set_page_type_computed_styles",
            _original_set_page_type_computed_styles,
            _set_page_type_computed_styles,
        ),
        *_module_function(
            background_module,
            "layout_box_backgrounds",
            _original_layout_box_backgrounds,
            _layout_box_backgrounds,
        ),
        *_module_function(
            float_module,
            "avoid_collisions",
            _original_avoid_collisions,
            _avoid_collisions,
            _FLOAT_USERS,
        ),
        *_module_function(line_break_module, "strut", _original_strut, _strut, ("inline",)),
    ]


def supported() -> bool:
    """Whether the installed WeasyPrint is a release these replacements were written for."""
    return str(getattr(weasyprint, "__version__", "")).startswith(SUPPORTED)


def install() -> bool:
    """Put every replacement in place; False (and WeasyPrint left as it is) for a release they
    were not written for, or when something they replace is not where it was."""
    if not supported():
        return False
    targets = _targets()
    if any(getattr(owner, name, None) not in (own, new) for owner, name, own, new in targets):
        return False
    for owner, name, _own, new in targets:
        setattr(owner, name, new)
    return True


def installed() -> bool:
    """Whether every replacement is in place."""
    return all(getattr(owner, name, None) is new for owner, name, _own, new in _targets())


def uninstall() -> None:
    """Give WeasyPrint its own functions back (tests compare the two)."""
    for owner, name, own, new in _targets():
        if getattr(owner, name, None) is new:
            setattr(owner, name, own)
