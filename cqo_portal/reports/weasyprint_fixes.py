"""Two fixes to WeasyPrint 70 that the report's render relies on for its speed.

``install()`` (called once by reports/pdf.py at import) puts each in place only while WeasyPrint
still holds the function it was written against; otherwise WeasyPrint keeps its own behaviour and
reports render as before, a little slower. Neither changes what a page shows: tests compare the
text and the page images with and without them.

**SVG text as whole runs.** WeasyPrint lays out and draws every character of an SVG ``<text>`` or
``<tspan>`` on its own, because SVG lets ``x``, ``y``, ``dx``, ``dy`` and ``rotate`` lists place
single characters. The report's two charts hold about 40 labels and 330 characters, so that cost
about 3% of an English report's first render (in CPU instructions; less in Chinese). It also
loses kerning and separates combining marks: WeasyPrint issue #2249, where the maintainer
proposes exactly this fix, to draw the whole text when no list positions single characters.
``whole_run_text`` does that and hands everything else to WeasyPrint's own function unchanged (a
list of more than one value, ``rotate``, ``letter-spacing``, ``textLength``, no text). The run
is shaped once by Pango, starts where the first character would, and extends the bounding box
(which ``text-anchor`` uses) by its whole width, as the per-character path does.

**Target counters that wait for their target only.** For ``content: target-counter(url(#x),
page)``, WeasyPrint's ``compute_content_list`` rebinds its list of the box's *own* missing
counters to the *target's* list, so the box looks as if it also showed its own page's number:
every page holding such a box is laid out once more than needed (the report's contents page was
laid out three times instead of two). Once the box tree is built, ``_own_counters_only`` gives
such a box an empty list of its own again, when its ``content`` has no ``counter()`` or
``counters()`` (so it has no counter of its own to lose) and each target is named. Targets given
as ``attr(href)`` are not named (WeasyPrint cannot tell which anchor they wait for and relies on
that extra layout to fill them in), so those boxes are left alone; the report names its contents
targets literally for this reason (the ``<style>`` block of report.html).
"""

from __future__ import annotations

import importlib
from math import inf
from typing import Any

import weasyprint.document as document_module
import weasyprint.draw.text as draw_text_module
import weasyprint.svg as svg_module
from weasyprint.css.properties import INITIAL_VALUES
from weasyprint.draw.text import draw_emojis
from weasyprint.matrix import Matrix
from weasyprint.svg.bounding_box import extend_bounding_box
from weasyprint.svg.text import Style, TextBox
from weasyprint.svg.utils import normalize, size
from weasyprint.text.line_break import split_first_line

__all__ = ["install", "installed", "uninstall", "whole_run_text"]

# weasyprint.svg's attribute ``text`` is the function (imported over the submodule's name).
text_module = importlib.import_module("weasyprint.svg.text")
_POSITION_LISTS = ("x", "y", "dx", "dy")
_OWN_COUNTERS = ("counter()", "counters()")
_original: dict[str, Any] = {}


# --- SVG text ---------------------------------------------------------------------------------


def _single_values(node: Any) -> bool:
    """True when no attribute positions single characters (at most one value per list)."""
    for name in _POSITION_LISTS:
        value = node.attrib.get(name)
        if value is not None and len(normalize(value).split()) > 1:
            return False
    if "rotate" in node.attrib or "textLength" in node.attrib:
        return False
    spacing = node.get("letter-spacing")
    return spacing in (None, "", "normal", "0")


def whole_run_text(svg: Any, node: Any, font_size: float) -> None:
    """Draw an SVG text node as one shaped run, or with WeasyPrint's own per-character path."""
    if not node.text or not _single_values(node):
        return _original["text"](svg, node, font_size)

    # The same style WeasyPrint builds for SVG text.
    style = Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [
        font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")
    ]
    style["font_style"] = node.get("font-style", "normal")
    style["font_weight"] = node.get("font-weight", 400)
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    if style["font_weight"] == "normal":
        style["font_weight"] = 400
    elif style["font_weight"] == "bold":
        style["font_weight"] = 700
    else:
        try:
            style["font_weight"] = int(style["font_weight"])
        except ValueError:
            style["font_weight"] = 400

    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)

    def first(name: str, reference: float) -> float | None:
        value = node.attrib.get(name)
        if value is None or not normalize(value).strip():
            return None
        return size(normalize(value).strip(), font_size, reference)

    x, y = first("x", svg.inner_width), first("y", svg.inner_height)
    dx, dy = first("dx", svg.inner_width), first("dy", svg.inner_height)

    # Vertical alignment, as WeasyPrint does it.
    ascent, descent = font_size * 0.8, font_size * 0.2
    y_align = 0.0
    display_anchor = node.get("display-anchor")
    alignment_baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        y_align = -height / 2
    elif display_anchor == "top":
        pass
    elif display_anchor == "bottom":
        y_align = -height
    elif alignment_baseline in ("central", "middle"):
        y_align = (ascent + descent) / 2 - descent
    elif alignment_baseline in (
        "text-before-edge",
        "before_edge",
        "top",
        "hanging",
        "text-top",
    ):
        y_align = ascent
    elif alignment_baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        y_align = -descent

    # The first character's position, exactly as the per-character path computes it.
    if x:
        svg.cursor_d_position[0] = 0
    if y:
        svg.cursor_d_position[1] = 0
    svg.cursor_d_position[0] += dx or 0
    svg.cursor_d_position[1] += dy or 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y
    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + y_align
    points = (
        (x_position, y_position - baseline),
        (x_position + width, y_position - baseline + height),
    )
    node.text_bounding_box = extend_bounding_box(node.text_bounding_box, points)

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    text_box = TextBox(layout, style)
    text_box.baseline = baseline
    matrix = Matrix(a=1, d=-1, e=x_position, f=y_position)
    # Looked up when called, so that weasyprint_hotpaths' version draws the label.
    emojis = draw_text_module.draw_first_line(svg.stream, text_box, "none", "none", matrix)
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)
    return None


# --- target counters ---------------------------------------------------------------------------


def _own_counters_only(*args: Any, **kwargs: Any) -> Any:
    """WeasyPrint's build_formatting_structure, then the counter lists mended (module docstring)."""
    root = _original["build"](*args, **kwargs)
    collector = kwargs.get("target_collector", args[4] if len(args) > 4 else None)
    for (box, property_part), item in getattr(collector, "counter_lookup_items", {}).items():
        targets = item.missing_target_counters
        if property_part != "content" or not targets or None in targets:
            continue
        if not any(item.missing_counters is wanted for wanted in targets.values()):
            continue
        content = box.style["content"]
        if isinstance(content, (list, tuple)) and not any(
            isinstance(part, tuple) and part and part[0] in _OWN_COUNTERS for part in content
        ):
            item.missing_counters = []
    return root


# --- installing -----------------------------------------------------------------------------


def install() -> bool:
    """Put both fixes in place; False if WeasyPrint is not as they were written for (then the
    one that does not fit is left out and WeasyPrint's own code runs)."""
    svg_ok = _install_svg_text()
    build_ok = _install_counters()
    return svg_ok and build_ok


def _install_svg_text() -> bool:
    tags = getattr(svg_module, "TAGS", None)
    original = getattr(text_module, "text", None)
    if not isinstance(tags, dict) or original is None:
        return False
    if getattr(svg_module, "text", None) is whole_run_text:
        return True
    # draw_node() recognises text elements by comparing TAGS entries with its module's ``text``.
    if getattr(svg_module, "text", None) is not original or tags.get("text") is not original:
        return False
    _original["text"] = original
    svg_module.text = whole_run_text
    for tag, function in tags.items():
        if function is original:
            tags[tag] = whole_run_text
    return True


def _install_counters() -> bool:
    current = getattr(document_module, "build_formatting_structure", None)
    if current is _own_counters_only:
        return True
    build_module = importlib.import_module("weasyprint.formatting_structure.build")
    if current is None or current is not getattr(build_module, "build_formatting_structure", None):
        return False
    _original["build"] = current
    document_module.build_formatting_structure = _own_counters_only
    return True


def installed() -> bool:
    """Whether both fixes are in place."""
    return (
        getattr(svg_module, "text", None) is whole_run_text
        and getattr(document_module, "build_formatting_structure", None) is _own_counters_only
    )


def uninstall() -> None:
    """Give WeasyPrint its own functions back (tests compare the two)."""
    if getattr(svg_module, "text", None) is whole_run_text:
        svg_module.text = _original["text"]
        for tag, function in svg_module.TAGS.items():
            if function is whole_run_text:
                svg_module.TAGS[tag] = _original["text"]
    if getattr(document_module, "build_formatting_structure", None) is _own_counters_only:
        document_module.build_formatting_structure = _original["build"]
