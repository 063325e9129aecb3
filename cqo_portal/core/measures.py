"""Measured results for GB/T 19580 results items: parsing pasted rows, reading levels, trends and
comparisons, and proposing the four results-factor ratings.

PURE (no Flask, no SQLAlchemy). A results item is judged on data: each key measure has values for
at least three periods, a target, and a comparison value with its source. The readings are
direction-aware (for a defect rate lower is better). The proposal rule is in docs/scoring.md.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .holistic import FactorId
from .text import Text

MIN_MEASURES = 3
MAX_MEASURES = 5
MIN_PERIODS = 3
MAX_PERIODS = 10
MAX_CELL = 200

ComparisonKind = Literal["industry", "competitor", "benchmark"]
COMPARISON_KINDS: Mapping[ComparisonKind, Text] = {
    "industry": Text("行业平均", "Industry average"),
    "competitor": Text("最佳竞争对手", "Best competitor"),
    "benchmark": Text("标杆", "Benchmark"),
}
_KIND_ALIASES: Mapping[str, ComparisonKind] = {
    "industry": "industry", "industry average": "industry", "行业平均": "industry", "行业": "industry",
    "行业平均值": "industry",
    "competitor": "competitor", "best competitor": "competitor", "竞争对手": "competitor",
    "最佳竞争对手": "competitor", "主要竞争对手": "competitor",
    "benchmark": "benchmark", "标杆": "benchmark", "标杆企业": "benchmark", "对标": "benchmark",
}  # fmt: skip
_HIGHER = {"higher", "higher is better", "up", "↑", "高", "越高越好", "越大越好", "升"}
_LOWER = {"lower", "lower is better", "down", "↓", "低", "越低越好", "越小越好", "降"}

#: The column order of a pasted row (and of the workbook's measures sheet).
COLUMNS: tuple[Text, ...] = (
    Text("指标名称", "Measure"),
    Text("单位", "Unit"),
    Text("方向（越高越好/越低越好）", "Direction (higher/lower is better)"),
    Text("关联的战略目标或关键过程", "Strategic objective or key process it serves"),
    Text("各期数值（至少3期，按时间顺序）", "Values per period (at least 3, oldest first)"),
    Text("目标值", "Target"),
    Text("对比值", "Comparison value"),
    Text("对比来源类型（行业平均/最佳竞争对手/标杆）",
         "Comparison source (industry average / best competitor / benchmark)"),
    Text("对比来源说明", "Source of the comparison"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Measure:
    """One key measure as entered: periods are (label, value) oldest first."""

    name: str
    unit: str
    higher_is_better: bool
    link: str
    periods: tuple[tuple[str, float], ...]
    target: float
    comparison: float
    comparison_kind: ComparisonKind
    source: str

    def to_data(self) -> dict[str, Any]:
        """JSON-able form stored as the answer's value."""
        return {
            "name": self.name,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            "link": self.link,
            "periods": [[p, v] for p, v in self.periods],
            "target": self.target,
            "comparison": self.comparison,
            "comparison_kind": self.comparison_kind,
            "source": self.source,
        }

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Measure:
        """Inverse of :meth:`to_data`."""
        return cls(
            name=str(d["name"]),
            unit=str(d.get("unit", "")),
            higher_is_better=bool(d["higher_is_better"]),
            link=str(d.get("link", "")),
            periods=tuple((str(p), float(v)) for p, v in d["periods"]),
            target=float(d["target"]),
            comparison=float(d["comparison"]),
            comparison_kind=d["comparison_kind"],
            source=str(d.get("source", "")),
        )


@dataclass(frozen=True, slots=True)
class MeasureReading:
    """What the data says about one measure."""

    measure: Measure
    latest: float
    meets_target: bool
    trend: Literal["improving", "flat", "worsening"]
    rate: float  # average change per period, percent of the first value, + = better
    sustained: bool  # no period worse than the one before, and improving overall
    better_than_comparison: bool


def _number(cell: str) -> float | None:
    s = cell.strip().replace(",", "").replace("，", "").rstrip("%").strip()
    if not s:
        return None
    try:
        f = float(s)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def _direction(cell: str) -> bool | None:
    s = cell.strip().lower()
    if s in _HIGHER:
        return True
    if s in _LOWER:
        return False
    return None


def _rows(text: str) -> list[list[str]]:
    lines = [ln for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if ln.strip()]
    if not lines:
        return []
    delimiter = "\t" if any("\t" in ln for ln in lines) else ","
    return [list(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)]


def _err(row: int, zh: str, en: str) -> Text:
    return Text(f"第{row}行：{zh}", f"Row {row}: {en}")


def parse_measures(text: str) -> tuple[list[Measure], list[Text]]:
    """Measures from rows pasted from a spreadsheet (tab-separated) or typed as CSV.

    Columns: name, unit, direction, link, 3..10 period values, target, comparison value,
    comparison source kind, source note. A first row whose direction cell is not a direction is a
    header; its period cells label the periods. Every bad row is reported with its number and
    reason, and then no measure is returned, so a half-read table is never saved.
    """
    rows = _rows(text)
    errors: list[Text] = []
    labels: list[str] | None = None
    measures: list[Measure] = []
    for n, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        while len(cells) > 8 + MIN_PERIODS and not cells[-1] and not cells[-2]:
            cells.pop()  # empty cells a spreadsheet paste carries beyond the last column
        if cells and cells[-1].strip().lower() in _KIND_ALIASES:
            cells.append("")  # the source note was left out
        header = len(cells) < 8 or _number(cells[-4]) is None
        if n == 1 and len(cells) >= 3 and _direction(cells[2]) is None and header:
            labels = cells[4:-4] if len(cells) > 8 else None
            continue
        if any(len(c) > MAX_CELL for c in cells):
            errors.append(
                _err(
                    n,
                    f"单元格不能超过{MAX_CELL}个字符",
                    f"a cell is longer than {MAX_CELL} characters",
                )
            )
            continue
        if len(cells) < 8 + MIN_PERIODS:
            cells += [""] * (8 + MIN_PERIODS - len(cells))
        name, unit, direction, link = cells[0], cells[1], cells[2], cells[3]
        values_cells, tail = cells[4:-4], cells[-4:]
        target, comparison, kind_cell, source = tail
        if not name:
            errors.append(_err(n, "缺少指标名称", "the measure has no name"))
            continue
        hib = _direction(direction)
        if hib is None:
            errors.append(
                _err(
                    n,
                    f"“{name}”的方向请填写“越高越好”或“越低越好”",
                    f"the direction of “{name}” must be “higher” or “lower” (is better)",
                )
            )
        values = [_number(c) for c in values_cells]
        if len(values) < MIN_PERIODS or any(v is None for v in values):
            errors.append(
                _err(
                    n,
                    f"“{name}”需要至少{MIN_PERIODS}期数值，且都是数字",
                    f"“{name}” needs numbers for at least {MIN_PERIODS} periods",
                )
            )
        elif len(values) > MAX_PERIODS:
            errors.append(
                _err(
                    n,
                    f"“{name}”最多{MAX_PERIODS}期数值",
                    f"“{name}” has more than {MAX_PERIODS} periods",
                )
            )
        t, c = _number(target), _number(comparison)
        if t is None:
            errors.append(
                _err(n, f"“{name}”的目标值请填写数字", f"the target of “{name}” must be a number")
            )
        if c is None:
            errors.append(
                _err(
                    n,
                    f"“{name}”的对比值请填写数字",
                    f"the comparison value of “{name}” must be a number",
                )
            )
        kind = _KIND_ALIASES.get(kind_cell.strip().lower())
        if kind is None:
            errors.append(
                _err(
                    n,
                    f"“{name}”的对比来源请填写“行业平均”“最佳竞争对手”或“标杆”",
                    f"the comparison source of “{name}” must be industry average, "
                    "best competitor or benchmark",
                )
            )
        if errors and errors[-1].en.startswith(f"Row {n}:"):
            continue
        names = labels if labels is not None and len(labels) == len(values) else None
        periods = tuple(
            (names[i] if names and names[i] else str(i + 1), float(v))  # type: ignore[arg-type]
            for i, v in enumerate(values)
        )
        measures.append(Measure(name, unit, bool(hib), link, periods, float(t),  # type: ignore[arg-type]
                                float(c), kind, source))  # type: ignore[arg-type]  # fmt: skip
    if not errors and measures and len(measures) > MAX_MEASURES:
        errors.append(
            Text(f"最多填写{MAX_MEASURES}项关键指标", f"Enter at most {MAX_MEASURES} key measures")
        )
    if not errors and 0 < len(measures) < MIN_MEASURES:
        errors.append(
            Text(
                f"请至少填写{MIN_MEASURES}项关键指标", f"Enter at least {MIN_MEASURES} key measures"
            )
        )
    return ([] if errors else measures), errors


def measures_text(measures: Sequence[Measure]) -> str:
    """The measures as tab-separated rows with a header, the form the parser reads back."""
    if not measures:
        return ""
    width = max(len(m.periods) for m in measures)
    first = max(measures, key=lambda m: len(m.periods))
    header = ["指标名称 Measure", "单位 Unit", "方向 Direction", "关联 Link",
              *[p for p, _v in first.periods], "目标 Target", "对比值 Comparison",
              "来源类型 Source kind", "来源说明 Source"]  # fmt: skip
    lines = ["\t".join(header)]
    for m in measures:
        vals = [_fmt(v) for _p, v in m.periods] + [""] * (width - len(m.periods))
        lines.append("\t".join([
            m.name, m.unit, "越高越好" if m.higher_is_better else "越低越好", m.link, *vals,
            _fmt(m.target), _fmt(m.comparison), COMPARISON_KINDS[m.comparison_kind].zh, m.source,
        ]))  # fmt: skip
    return "\n".join(lines)


def _fmt(x: float) -> str:
    return f"{x:g}"


def read_measure(m: Measure) -> MeasureReading:
    """Level against target, trend (least-squares slope) and comparison, direction-aware."""
    values = [v for _p, v in m.periods]
    sign = 1.0 if m.higher_is_better else -1.0
    latest = values[-1]
    meets = sign * (latest - m.target) >= 0
    n = len(values)
    xbar = (n - 1) / 2
    ybar = sum(values) / n
    denom = sum((i - xbar) ** 2 for i in range(n))
    slope = sum((i - xbar) * (v - ybar) for i, v in enumerate(values)) / denom if denom else 0.0
    better = sign * slope
    scale = abs(values[0]) or abs(ybar) or 1.0
    rate = better / scale * 100
    if abs(rate) < 1e-9:
        trend: Literal["improving", "flat", "worsening"] = "flat"
    else:
        trend = "improving" if better > 0 else "worsening"
    steps_ok = all(sign * (b - a) >= 0 for a, b in zip(values, values[1:], strict=False))
    sustained = trend == "improving" and steps_ok
    return MeasureReading(
        measure=m,
        latest=latest,
        meets_target=meets,
        trend=trend,
        rate=rate,
        sustained=sustained,
        better_than_comparison=sign * (latest - m.comparison) > 0,
    )


def _share_rating(share: float) -> int:
    """1 + share x 4 rounded half up: 0 -> 1, 1/4 -> 2, 1/2 -> 3, 3/4 -> 4, all -> 5."""
    return 1 + int(share * 4 + 0.5 + 1e-9)


def propose_ratings(readings: Sequence[MeasureReading]) -> dict[FactorId, int]:
    """Levels, trends, comparisons and integration ratings (1..6) proposed from the readings.

    Each is 1 + 4 x the share of measures that meet the test, rounded half up (so 5 at most);
    6 needs every measure to pass a stricter test: above target and better than its comparison
    (levels), sustained improvement (trends), better than a best competitor or benchmark
    (comparisons), and five measures all linked to an objective or key process (integration).
    """
    n = len(readings)
    if n == 0:
        return {"levels": 1, "trends": 1, "comparisons": 1, "integration": 1}

    def share(pred: Any) -> float:
        return sum(1 for r in readings if pred(r)) / n

    levels = _share_rating(share(lambda r: r.meets_target))
    if all(r.meets_target and r.better_than_comparison for r in readings):
        levels = 6
    trends = _share_rating(share(lambda r: r.trend == "improving"))
    if all(r.sustained for r in readings):
        trends = 6
    comparisons = _share_rating(share(lambda r: r.better_than_comparison))
    if all(
        r.better_than_comparison and r.measure.comparison_kind in ("competitor", "benchmark")
        for r in readings
    ):
        comparisons = 6
    linked = share(lambda r: bool(r.measure.link.strip()))
    integration = _share_rating(linked)
    if linked == 1 and n >= MAX_MEASURES:
        integration = 6
    return {
        "levels": levels,
        "trends": trends,
        "comparisons": comparisons,
        "integration": integration,
    }


def measures_from_value(value: object) -> list[Measure]:
    """Stored answer value -> measures (anything malformed reads as no measures)."""
    if not isinstance(value, list):
        return []
    try:
        return [Measure.from_data(d) for d in value]
    except (KeyError, TypeError, ValueError):
        return []
