"""Server-made SVG charts, returned as strings, for the web dashboards and the PDF reports.

PURE: no Flask, no SQLAlchemy. Every chart is a self-contained ``<svg role="img">`` with a
``<title>`` and an ``aria-label``; styling uses SVG presentation attributes only (the web pages run
under a CSP without inline styles), no scripts, and the output is deterministic (same input, same
bytes). All caller text is XML-escaped; callers pass already-translated titles and legend labels.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from html import escape

__all__ = ["PALETTE", "bar_chart", "histogram", "line_chart", "measure_chart", "radar_chart"]

FONT_FAMILY = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'DejaVu Sans', sans-serif"

#: Restrained palette: navy (primary series), slate, amber, teal, muted red, olive.
PALETTE = ("#1f4e79", "#7f8c99", "#b7791f", "#2c7a7b", "#9b2c2c", "#5f6b2e")
INK = "#1f2933"
MUTED = "#52606d"
GRID = "#d3d9e0"
AXIS = "#9aa5b1"
REFERENCE = "#b7791f"


# --- helpers ------------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    """Coordinate/number formatting: at most two decimals, no trailing zeros, never "-0"."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _value_text(x: float, unit: str) -> str:
    text = f"{x:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return f"{text}{unit}"


def _clamp(value: float | None, low: float, high: float) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number):
        return None
    return min(max(number, low), high)


def _char_em(char: str) -> float:
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if char in "il.,:;|!'":
        return 0.3
    if char.isupper() or char in "mwMW":
        return 0.72
    return 0.58


def text_width(text: str, font_size: float) -> float:
    """Rough rendered width of ``text`` (CJK full width, Latin ~0.58 em); enough for layout."""
    return sum(_char_em(c) for c in text) * font_size


def _tokens(text: str) -> list[str]:
    """Split into wrap units: Latin words (with their trailing space) and single CJK characters."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        elif char == " ":
            tokens.append(word + " ")
            word = ""
        else:
            word += char
    if word:
        tokens.append(word)
    return tokens


def wrap_text(text: str, max_width: float, font_size: float, max_lines: int = 2) -> list[str]:
    """Greedy wrap into at most ``max_lines`` lines; the last line is cut with an ellipsis."""
    lines: list[str] = []
    current = ""
    for token in _tokens(" ".join(str(text).split())):
        if current and text_width((current + token).rstrip(), font_size) > max_width:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current += token
    if current.strip():
        lines.append(current.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + "…", font_size) > max_width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip() + "…"]
    return lines or [""]


def _text(
    x: float,
    y: float,
    lines: Sequence[str],
    *,
    size: float = 11,
    anchor: str = "start",
    fill: str = INK,
    weight: str | None = None,
    line_height: float = 1.25,
) -> str:
    """A <text> element; several lines become <tspan>s centred vertically around ``y``."""
    weight_attr = f' font-weight="{weight}"' if weight else ""
    head = (
        f'<text x="{_fmt(x)}" y="{_fmt(y)}" font-size="{_fmt(size)}" text-anchor="{anchor}"'
        f' fill="{fill}"{weight_attr}>'
    )
    if len(lines) == 1:
        return f"{head}{escape(lines[0])}</text>"
    first_dy = -(len(lines) - 1) * line_height / 2
    spans = []
    for index, line in enumerate(lines):
        dy = first_dy if index == 0 else line_height
        spans.append(f'<tspan x="{_fmt(x)}" dy="{_fmt(dy)}em">{escape(line)}</tspan>')
    return head + "".join(spans) + "</text>"


def _svg(width: float, height: float, title: str, body: Sequence[str], desc: str = "") -> str:
    label = escape(title or "Chart")
    desc_el = f"<desc>{escape(desc)}</desc>" if desc else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_fmt(width)} '
        f'{_fmt(height)}" width="{_fmt(width)}" height="{_fmt(height)}" role="img" '
        f'aria-label="{label}" font-family="{FONT_FAMILY}">'
        f"<title>{label}</title>{desc_el}" + "".join(body) + "</svg>"
    )


def _empty(width: float, height: float, title: str, message: str) -> str:
    return _svg(
        width,
        height,
        title,
        [_text(width / 2, height / 2, [message], anchor="middle", fill=MUTED)],
    )


def _legend(x: float, y: float, entries: Sequence[tuple[str, str, str]], size: float = 10) -> str:
    """Horizontal legend; entries are (label, colour, kind) with kind "box", "line" or "tick"."""
    parts = []
    cursor = x
    for label, colour, kind in entries:
        if kind == "tick":
            parts.append(
                f'<line x1="{_fmt(cursor + 5)}" y1="{_fmt(y - 6)}" x2="{_fmt(cursor + 5)}" '
                f'y2="{_fmt(y + 6)}" stroke="{colour}" stroke-width="2.5"/>'
            )
        elif kind == "line":
            parts.append(
                f'<line x1="{_fmt(cursor)}" y1="{_fmt(y)}" x2="{_fmt(cursor + 14)}" y2="{_fmt(y)}" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
        else:
            parts.append(
                f'<rect x="{_fmt(cursor)}" y="{_fmt(y - 5)}" width="12" height="10" fill="{colour}"/>'
            )
        parts.append(_text(cursor + 18, y + size * 0.35, [label], size=size, fill=MUTED))
        cursor += 18 + text_width(label, size) + 16
    return "".join(parts)


# --- radar --------------------------------------------------------------------------------------


def radar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    compare: Sequence[float | None] | None = None,
    size: float = 440,
    width: float | None = None,
    font_size: float | None = None,
    title: str = "Radar chart",
    series_label: str = "",
    compare_label: str = "",
    empty_message: str = "No data",
) -> str:
    """Radar (spider) chart of 0..100 values, one axis per label, optional comparison polygon.

    Values outside 0..100 are clamped and None counts as 0. A legend is drawn when
    ``series_label`` is given. ``size`` is the chart's height (without the legend); a ``width``
    larger than it gives the labels at the sides more room (a print page, where the chart is
    drawn small and its text must stay legible), and ``font_size`` sets the labels' size.
    """
    n = len(labels)
    width = max(width or size, size)
    if n == 0:
        return _empty(width, size * 0.5, title, empty_message)
    font = font_size or (10.5 if n <= 10 else 9.5)
    small = 8 if font_size is None else font * 0.72  # ring numbers
    legend_size = 10 if font_size is None else font * 0.9
    legend_h = (24 if font_size is None else legend_size * 2.4) if series_label else 0
    label_room = max(60.0, size * 0.2)
    radius = size / 2 - label_room
    cx, cy = width / 2, size / 2
    wide = width > size
    side_room = cx - radius  # from the outer ring to the left or right edge
    height = size + legend_h

    def point(index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / n
        r = radius * value / 100
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    body: list[str] = []
    # Rings and their scale numbers.
    for level in (20, 40, 60, 80, 100):
        ring = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in (point(i, level) for i in range(n)))
        body.append(
            f'<polygon points="{ring}" fill="none" stroke="{GRID}" stroke-width="0.8"/>'
            if n >= 3
            else f'<circle cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="{_fmt(radius * level / 100)}" '
            f'fill="none" stroke="{GRID}" stroke-width="0.8"/>'
        )
        body.append(
            _text(
                cx + 3,
                cy - radius * level / 100 + small * 0.375,
                [str(level)],
                size=small,
                fill=AXIS,
            )
        )
    # Spokes and labels.
    for i, label in enumerate(labels):
        x, y = point(i, 100)
        body.append(
            f'<line x1="{_fmt(cx)}" y1="{_fmt(cy)}" x2="{_fmt(x)}" y2="{_fmt(y)}" '
            f'stroke="{GRID}" stroke-width="0.8"/>'
        )
        angle = -math.pi / 2 + 2 * math.pi * i / n
        cos, sin = math.cos(angle), math.sin(angle)
        lx, ly = cx + (radius + 10) * cos, cy + (radius + 10) * sin
        anchor = "middle" if abs(cos) < 0.3 else ("start" if cos > 0 else "end")
        if anchor == "middle":
            # Wide charts: as wide as the gap between the neighbouring labels' anchor points.
            gap = 2 * (radius + 10) * math.sin(2 * math.pi / n) if n > 2 else width
            room = min(2 * side_room, gap) if wide else label_room * 1.6
        else:  # side_room is label_room on a square chart
            room = side_room - 14
        lines = wrap_text(label, room, font, max_lines=2)
        line_px = font * 1.25
        # Keep multi-line labels off the chart at the top and bottom.
        ly += sin * (len(lines) - 1) * line_px / 2 + font * 0.35
        if abs(cos) < 0.3:
            ly += sin * font * 0.6
        body.append(_text(lx, ly, lines, size=font, anchor=anchor, fill=INK))

    def polygon(series: Sequence[float | None], colour: str, fill_opacity: str, dash: str) -> None:
        clamped = [_clamp(v, 0, 100) or 0.0 for v in list(series)[:n]]
        clamped += [0.0] * (n - len(clamped))
        pts = [point(i, v) for i, v in enumerate(clamped)]
        body.append(
            f'<polygon points="{" ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in pts)}" '
            f'fill="{colour}" fill-opacity="{fill_opacity}" stroke="{colour}" stroke-width="1.6"'
            f"{dash}/>"
        )
        for x, y in pts:
            body.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="2.2" fill="{colour}"/>')

    if compare is not None:
        polygon(compare, PALETTE[1], "0.08", ' stroke-dasharray="4 3"')
    polygon(values, PALETTE[0], "0.18", "")
    if series_label:
        entries = [(series_label, PALETTE[0], "box")]
        if compare is not None and compare_label:
            entries.append((compare_label, PALETTE[1], "line"))
        total = sum(18 + text_width(label, legend_size) + 16 for label, _, _ in entries) - 16
        legend_y = size + 8 if font_size is None else size + legend_h / 2
        body.append(_legend(max(4.0, (width - total) / 2), legend_y, entries, size=legend_size))
    desc = "; ".join(
        f"{label}: {_value_text(_clamp(v, 0, 100) or 0.0, '')}"
        for label, v in zip(labels, values, strict=False)
    )
    return _svg(width, height, title, body, desc)


# --- horizontal bars ----------------------------------------------------------------------------


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    reference: Sequence[float | None] | None = None,
    max_value: float = 100,
    unit: str = "%",
    title: str = "Bar chart",
    width: float = 640,
    series_label: str = "",
    reference_label: str = "",
    empty_message: str = "No data",
    value_weight: str | None = "bold",
) -> str:
    """Horizontal bars, one row per label, with an optional reference tick per row (e.g. the
    peer median). Values are clamped to 0..``max_value``; None draws no bar and prints "–".
    ``value_weight`` is the values' font weight (None: the font's own weight)."""
    n = len(labels)
    if n == 0:
        return _empty(width, 80, title, empty_message)
    max_value = float(max_value) if max_value and max_value > 0 else 100.0
    font = 10.5
    label_w = min(width * 0.34, max(text_width(str(lb), font) for lb in labels) + 12)
    label_w = max(label_w, 60.0)
    value_w = text_width(_value_text(max_value, unit), font) + 22
    plot_x = label_w + 8
    plot_w = width - plot_x - value_w
    row_h = 24.0
    top = 8.0
    axis_h = 18.0
    has_legend = bool(series_label or (reference is not None and reference_label))
    legend_h = 22.0 if has_legend else 0.0
    height = top + n * row_h + axis_h + legend_h

    def x_of(value: float) -> float:
        return plot_x + plot_w * value / max_value

    body: list[str] = []
    # Grid at every fifth of the scale.
    for step in range(6):
        tick = max_value * step / 5
        gx = x_of(tick)
        body.append(
            f'<line x1="{_fmt(gx)}" y1="{_fmt(top)}" x2="{_fmt(gx)}" '
            f'y2="{_fmt(top + n * row_h)}" stroke="{GRID}" stroke-width="0.8"/>'
        )
        body.append(
            _text(
                gx,
                top + n * row_h + 12,
                [_value_text(tick, "")],
                size=8.5,
                anchor="middle",
                fill=AXIS,
            )
        )
    reference = list(reference) if reference is not None else []
    for i, label in enumerate(labels):
        y = top + i * row_h
        mid = y + row_h / 2
        lines = wrap_text(str(label), label_w - 4, font if n < 14 else 9.5, max_lines=2)
        body.append(
            _text(
                label_w,
                mid + font * 0.35,
                lines,
                size=font if len(lines) == 1 else 9.5,
                anchor="end",
            )
        )
        value = _clamp(values[i] if i < len(values) else None, 0, max_value)
        if value is None:
            body.append(_text(width - 2, mid + 4, ["–"], size=font, anchor="end", fill=MUTED))
        else:
            bar_w = x_of(value) - plot_x
            body.append(
                f'<rect x="{_fmt(plot_x)}" y="{_fmt(y + 5)}" width="{_fmt(bar_w)}" '
                f'height="{_fmt(row_h - 10)}" fill="{PALETTE[0]}"/>'
            )
            body.append(
                _text(
                    width - 2,
                    mid + 4,
                    [f"{value:.1f}{unit}"],
                    size=9.5,
                    anchor="end",
                    fill=INK,
                    weight=value_weight,
                )
            )
        ref = _clamp(reference[i], 0, max_value) if i < len(reference) else None
        if ref is not None:
            rx = x_of(ref)
            body.append(
                f'<line x1="{_fmt(rx)}" y1="{_fmt(y + 2)}" x2="{_fmt(rx)}" '
                f'y2="{_fmt(y + row_h - 2)}" stroke="{REFERENCE}" stroke-width="2.5"/>'
            )
    body.append(
        f'<line x1="{_fmt(plot_x)}" y1="{_fmt(top)}" x2="{_fmt(plot_x)}" '
        f'y2="{_fmt(top + n * row_h)}" stroke="{AXIS}" stroke-width="1"/>'
    )
    if has_legend:
        entries = []
        if series_label:
            entries.append((series_label, PALETTE[0], "box"))
        if reference_label and any(r is not None for r in reference):
            entries.append((reference_label, REFERENCE, "tick"))
        body.append(_legend(plot_x, top + n * row_h + axis_h + 10, entries))
    desc = "; ".join(
        f"{label}: {_value_text(v, unit) if (v := _clamp(val, 0, max_value)) is not None else '–'}"
        for label, val in zip(labels, values, strict=False)
    )
    return _svg(width, height, title, body, desc)


# --- histogram ----------------------------------------------------------------------------------


def histogram(
    bins: Sequence[tuple[str, int]],
    *,
    title: str = "Histogram",
    width: float = 480,
    height: float = 220,
    highlight: int | None = None,
    empty_message: str = "No data",
) -> str:
    """Vertical count bars, one per (label, count) bin; ``highlight`` marks one bin's index
    (e.g. where the viewer's own result falls)."""
    if not bins:
        return _empty(width, height, title, empty_message)
    counts = [max(0, int(count)) for _, count in bins]
    top_count = max(counts) or 1
    font = 9.5
    left, right, top, bottom = 34.0, 8.0, 14.0, 30.0
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / len(bins)
    body: list[str] = []
    # Four grid lines with rounded counts.
    steps = 4
    for s in range(steps + 1):
        value = top_count * s / steps
        gy = top + plot_h - plot_h * s / steps
        body.append(
            f'<line x1="{_fmt(left)}" y1="{_fmt(gy)}" x2="{_fmt(width - right)}" y2="{_fmt(gy)}" '
            f'stroke="{GRID}" stroke-width="0.8"/>'
        )
        body.append(
            _text(left - 4, gy + 3, [_value_text(value, "")], size=8.5, anchor="end", fill=AXIS)
        )
    for i, ((label, _), count) in enumerate(zip(bins, counts, strict=True)):
        bar_h = plot_h * count / top_count
        x = left + i * slot + slot * 0.12
        colour = PALETTE[2] if highlight == i else PALETTE[0]
        body.append(
            f'<rect x="{_fmt(x)}" y="{_fmt(top + plot_h - bar_h)}" width="{_fmt(slot * 0.76)}" '
            f'height="{_fmt(bar_h)}" fill="{colour}"/>'
        )
        if count:
            body.append(
                _text(
                    x + slot * 0.38,
                    top + plot_h - bar_h - 3,
                    [str(count)],
                    size=8.5,
                    anchor="middle",
                    fill=MUTED,
                )
            )
        lines = wrap_text(str(label), slot - 2, font, max_lines=1)
        body.append(
            _text(left + (i + 0.5) * slot, height - bottom + 14, lines, size=font, anchor="middle")
        )
    body.append(
        f'<line x1="{_fmt(left)}" y1="{_fmt(top + plot_h)}" x2="{_fmt(width - right)}" '
        f'y2="{_fmt(top + plot_h)}" stroke="{AXIS}" stroke-width="1"/>'
    )
    desc = "; ".join(f"{label}: {count}" for (label, _), count in zip(bins, counts, strict=True))
    return _svg(width, height, title, body, desc)


# --- lines --------------------------------------------------------------------------------------


def line_chart(
    x_labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str = "Line chart",
    width: float = 560,
    height: float = 240,
    y_max: float | None = None,
    unit: str = "",
    empty_message: str = "No data",
) -> str:
    """One polyline per named series over shared x labels; None leaves a gap. The y axis runs
    from 0 to ``y_max`` (default: the largest value rounded up, at least 1)."""
    if not x_labels or not series:
        return _empty(width, height, title, empty_message)
    finite = [
        float(v)
        for values in series.values()
        for v in values
        if v is not None and not math.isnan(float(v))
    ]
    if y_max is None or y_max <= 0:
        peak = max([*finite, 1.0])
        magnitude = 10 ** math.floor(math.log10(peak))
        y_max = math.ceil(peak / magnitude) * magnitude
    font = 9.5
    left = 12 + text_width(_value_text(y_max, unit), 8.5)
    right, top = 12.0, 12.0
    legend_h = 22.0
    bottom = 26.0 + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(x_labels)
    step = plot_w / max(n - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (i * step if n > 1 else plot_w / 2)
        return x, top + plot_h - plot_h * v / y_max

    body: list[str] = []
    for s in range(5):
        value = y_max * s / 4
        gy = top + plot_h - plot_h * s / 4
        body.append(
            f'<line x1="{_fmt(left)}" y1="{_fmt(gy)}" x2="{_fmt(width - right)}" y2="{_fmt(gy)}" '
            f'stroke="{GRID}" stroke-width="0.8"/>'
        )
        body.append(
            _text(left - 4, gy + 3, [_value_text(value, unit)], size=8.5, anchor="end", fill=AXIS)
        )
    every = max(1, math.ceil(n * 42 / plot_w)) if plot_w > 0 else 1
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == n - 1:
            x, _ = xy(i, 0)
            anchor = "start" if n > 1 and i == 0 else ("end" if n > 1 and i == n - 1 else "middle")
            body.append(_text(x, top + plot_h + 14, [str(label)], size=font, anchor=anchor))
    entries = []
    for index, (name, values) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        entries.append((str(name), colour, "line"))
        run: list[tuple[float, float]] = []
        runs: list[list[tuple[float, float]]] = []
        for i in range(n):
            v = _clamp(values[i] if i < len(values) else None, 0, y_max)
            if v is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(xy(i, v))
        if run:
            runs.append(run)
        for segment in runs:
            if len(segment) > 1:
                pts = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in segment)
                body.append(
                    f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>'
                )
            for x, y in segment:
                body.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="2.5" fill="{colour}"/>')
    body.append(
        f'<line x1="{_fmt(left)}" y1="{_fmt(top + plot_h)}" x2="{_fmt(width - right)}" '
        f'y2="{_fmt(top + plot_h)}" stroke="{AXIS}" stroke-width="1"/>'
    )
    body.append(_legend(left, height - legend_h / 2, entries))
    desc = "; ".join(
        f"{name}: " + ", ".join("–" if v is None else _value_text(float(v), unit) for v in values)
        for name, values in series.items()
    )
    return _svg(width, height, title, body, desc)


def measure_chart(
    x_labels: Sequence[str],
    values: Sequence[float],
    *,
    target: float,
    comparison: float,
    title: str,
    target_label: str,
    comparison_label: str,
    unit: str = "",
    width: float = 240,
    height: float = 96,
) -> str:
    """One key measure over its periods against its target and comparison value, compact.

    The y axis is fitted to the data (a measure moving between 95 % and 97 % must not look
    flat against a 0 axis); the target is a dashed line, the comparison a dotted one, each
    labelled at the right. Few elements, so a report with many measures stays cheap to lay out.
    """
    if not x_labels or not values:
        return _empty(width, height, title, "–")
    points = [float(v) for v in values]
    low = min([*points, target, comparison])
    high = max([*points, target, comparison])
    pad = (high - low) * 0.12 or abs(high) * 0.05 or 1.0
    low, high = low - pad, high + pad
    right = 4 + max(text_width(target_label, 8), text_width(comparison_label, 8))
    left, top, bottom = 6.0, 8.0, 16.0
    plot_w, plot_h = width - left - right - 4, height - top - bottom
    n = len(points)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        return x, top + plot_h - plot_h * (v - low) / (high - low)

    body: list[str] = [
        f'<line x1="{_fmt(left)}" y1="{_fmt(top + plot_h)}" x2="{_fmt(left + plot_w)}" '
        f'y2="{_fmt(top + plot_h)}" stroke="{AXIS}" stroke-width="0.8"/>'
    ]
    for value, label, dash, colour in (
        (target, target_label, "5 3", REFERENCE),
        (comparison, comparison_label, "1.5 2.5", PALETTE[1]),
    ):
        _x, y = xy(0, value)
        body.append(
            f'<line x1="{_fmt(left)}" y1="{_fmt(y)}" x2="{_fmt(left + plot_w)}" y2="{_fmt(y)}" '
            f'stroke="{colour}" stroke-width="1.2" stroke-dasharray="{dash}"/>'
        )
        body.append(_text(left + plot_w + 4, y + 3, [label], size=8, fill=colour))
    coords = [xy(i, v) for i, v in enumerate(points)]
    body.append(
        '<polyline points="'
        + " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in coords)
        + f'" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>'
    )
    body.extend(
        f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="2.2" fill="{PALETTE[0]}"/>' for x, y in coords
    )
    last_x, last_y = coords[-1]
    body.append(
        _text(last_x - 3, last_y - 5, [_value_text(points[-1], unit)], size=8, anchor="end")
    )
    body.append(_text(left, height - 4, [str(x_labels[0])], size=8, fill=MUTED))
    if n > 1:
        body.append(
            _text(left + plot_w, height - 4, [str(x_labels[-1])], size=8, anchor="end", fill=MUTED)
        )
    desc = ", ".join(
        f"{label}: {_value_text(v, unit)}" for label, v in zip(x_labels, points, strict=False)
    )
    desc += f"; {target_label}: {_value_text(target, unit)}"
    desc += f"; {comparison_label}: {_value_text(comparison, unit)}"
    return _svg(width, height, title, body, desc)
