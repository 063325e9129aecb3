"""Holistic GB/T 19580 item scoring: four factor ratings -> one band and a value inside it.

PURE (no Flask, no SQLAlchemy). Examiners read an item's four factors together and choose the
band whose descriptor fits; factors are evidence, not numbers to average. The rule here makes that
mechanical without ever contradicting the band descriptors (see docs/scoring.md):

* every factor is rated 1..6 against descriptors written for that factor (:data:`FACTOR_LEVELS`);
* each band states the minimum rating every factor must reach (:data:`BAND_MINIMUMS`): the factors
  the band's descriptor speaks of must reach the band, the others at most one below it;
* the item takes the highest band whose minimums all factors meet;
* inside the band the value starts at the band's floor and rises one step (5 %) for each factor
  rated above the band's minimum for it, up to the band's top; band 6 needs every factor at 6,
  so it is 100 %;
* the respondent may move the proposed value by at most :data:`ADJUST_TOLERANCE` points, with a
  written reason, to another value on the band scale.

Results items (4.7) get their ratings proposed from measured data (:mod:`.measures`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .text import Text

FactorId = Literal["approach", "deployment", "learning", "integration", "levels", "trends",
                   "comparisons"]  # fmt: skip

PROCESS_FACTORS: tuple[FactorId, ...] = ("approach", "deployment", "learning", "integration")
RESULTS_FACTORS: tuple[FactorId, ...] = ("levels", "trends", "comparisons", "integration")

#: The six bands as (lowest, highest) percent, the same as the standard's scoring guidelines.
BAND_RANGES: tuple[tuple[int, int], ...] = (
    (0, 5), (10, 25), (30, 45), (50, 65), (70, 85), (90, 100),
)  # fmt: skip

#: How far (in percentage points) a respondent may move the proposed item value.
ADJUST_TOLERANCE = 10

FACTOR_NAMES: Mapping[tuple[str, FactorId], Text] = {
    ("process", "approach"): Text("方法", "Approach"),
    ("process", "deployment"): Text("展开", "Deployment"),
    ("process", "learning"): Text("学习", "Learning"),
    ("process", "integration"): Text("整合", "Integration"),
    ("results", "levels"): Text("水平", "Levels"),
    ("results", "trends"): Text("趋势", "Trends"),
    ("results", "comparisons"): Text("对比", "Comparisons"),
    ("results", "integration"): Text("整合", "Integration"),
}

#: Per item kind and factor, what ratings 1..6 look like (index 0 = rating 1).
FACTOR_LEVELS: Mapping[tuple[str, FactorId], tuple[Text, ...]] = {
    ("process", "approach"): (
        Text("没有系统的方法，只有零星做法或个别事例。", "No systematic approach; only anecdotes."),
        Text("少数领域开始有系统的方法，多为出了问题再应对。",
             "A systematic approach is beginning in a few areas; mostly reacting to problems."),
        Text("针对本评分项的基本要求有有效、系统的方法。",
             "An effective, systematic approach to the item's basic requirements."),
        Text("针对本评分项的总体要求有有效、系统的方法。",
             "An effective, systematic approach to the item's overall requirements."),
        Text("针对本评分项的多重要求有有效、系统且经过改进的方法。",
             "An effective, systematic and refined approach to the item's multiple requirements."),
        Text("方法堪称典范，针对全部多重要求且有创新。",
             "An exemplary, innovative approach to all the item's multiple requirements."),
    ),
    ("process", "deployment"): (
        Text("方法没有展开使用。", "The approach is not used."),
        Text("只在少数部门或场所使用。", "Used in a few departments or sites only."),
        Text("主要部门和场所已经使用，少数单元刚起步。",
             "Used in the main departments and sites; a few units are just starting."),
        Text("良好展开，个别领域或单元有差异。",
             "Well deployed, although it varies in some areas or units."),
        Text("良好展开，没有明显差距。", "Well deployed with no significant gaps."),
        Text("在所有部门、场所和相关方全面展开并经过验证。",
             "Fully deployed in every department, site and partner, and verified."),
    ),
    ("process", "learning"): (
        Text("没有改进，只在问题发生后应对。", "No improvement; problems are only reacted to."),
        Text("出现问题后有改进，但不成系统。",
             "Improvement follows problems but is not systematic."),
        Text("开始系统地评价和改进方法。",
             "Systematic evaluation and improvement of the approach is beginning."),
        Text("有基于事实的、系统的评价和改进循环。",
             "A fact-based, systematic cycle of evaluation and improvement."),
        Text("通过组织学习和创新持续改进，经验在部门间分享。",
             "Improvement through organisational learning and innovation, shared across units."),
        Text("创新和分享贯穿全组织，并通过对标不断完善。",
             "Innovation and sharing throughout, refined through benchmarking."),
    ),
    ("process", "integration"): (
        Text("方法孤立运行，与组织需要没有联系。",
             "The approach runs in isolation from the organisation's needs."),
        Text("与其他过程或目标有少量联系。", "A few links to other processes or objectives."),
        Text("开始与组织的基本需要协调一致。",
             "Early alignment with the organisation's basic needs."),
        Text("与战略、关键需要和其他评分项协调一致。",
             "Aligned with strategy, key needs and the other items."),
        Text("与当前和未来的组织需要整合，测量和改进相互衔接。",
             "Integrated with current and future needs; measures and improvement connect."),
        Text("在各过程和各单元完全整合，相互促进。",
             "Fully integrated across processes and units, each reinforcing the others."),
    ),
    ("results", "levels"): (
        Text("没有结果，或结果很差。", "No results, or poor results."),
        Text("少数指标有良好结果。", "Good results on a few measures."),
        Text("许多领域绩效水平良好。", "Good performance levels in many areas."),
        Text("多数领域水平良好，达到目标。", "Good levels in most areas; targets are met."),
        Text("水平良好至优秀，超过目标。", "Good to excellent levels, above targets."),
        Text("水平优秀，处于领先地位。", "Excellent levels; a leading position."),
    ),
    ("results", "trends"): (
        Text("没有趋势数据。", "No trend data."),
        Text("少数指标有数据，开始改善。", "Data for a few measures; early improvement."),
        Text("部分指标在三个及以上周期中呈改善趋势。",
             "Some measures improve over three or more periods."),
        Text("多数指标呈改善趋势。", "Most measures show improving trends."),
        Text("多数指标持续改善。", "Sustained improvement in most measures."),
        Text("全部关键指标持续改善。", "Sustained improvement in every key measure."),
    ),
    ("results", "comparisons"): (
        Text("没有对比数据。", "No comparison data."),
        Text("少量对比，大多不利。", "A few comparisons, mostly unfavourable."),
        Text("开始有对比，部分有利。", "Early comparisons, some favourable."),
        Text("与竞争对手相比有一些有利的对比。",
             "Some favourable comparisons with competitors."),
        Text("多项对比有利，部分领先。", "Many favourable comparisons; some leadership."),
        Text("行业领先并达到标杆水平。", "Industry and benchmark leadership."),
    ),
    ("results", "integration"): (
        Text("所跟踪的指标与战略和关键过程无关。",
             "The measures tracked are unrelated to strategy and key processes."),
        Text("少数指标与关键要求相关。", "A few measures relate to key requirements."),
        Text("指标开始覆盖基本的顾客、过程和战略要求。",
             "Measures begin to cover the basic customer, process and strategy requirements."),
        Text("指标覆盖多数关键要求，用于评审。",
             "Measures cover most key requirements and are used in reviews."),
        Text("指标覆盖关键要求和战略目标，用于决策。",
             "Measures cover key requirements and strategic objectives and drive decisions."),
        Text("每项关键要求、战略目标和关键过程都有指标，并用于决策和改进。",
             "Every key requirement, strategic objective and key process has its measure, "
             "used in decisions and improvement."),
    ),
}  # fmt: skip

#: Minimum rating per factor for bands 1..6 (index 0 = band 1), in the kind's factor order.
#: A band's minimum for a factor its descriptor speaks of is the band itself; for a factor it
#: does not mention, one below. Process band 3 speaks of approach, deployment and improvement;
#: results band 3 of levels, trends and comparisons; band 2 of the approach / levels only.
BAND_MINIMUMS: Mapping[str, tuple[tuple[int, int, int, int], ...]] = {
    "process": ((1, 1, 1, 1), (2, 1, 1, 1), (3, 3, 3, 2), (4, 4, 4, 4), (5, 5, 5, 5), (6, 6, 6, 6)),
    "results": ((1, 1, 1, 1), (2, 1, 1, 1), (3, 3, 3, 2), (4, 4, 4, 4), (5, 5, 5, 5), (6, 6, 6, 6)),
}


def factors_of(kind: str) -> tuple[FactorId, ...]:
    """The four factors of an item kind, in the order they are asked and stored."""
    return RESULTS_FACTORS if kind == "results" else PROCESS_FACTORS


def factor_name(kind: str, factor: FactorId) -> Text:
    """'方法' / 'Approach' and so on."""
    return FACTOR_NAMES[("results" if kind == "results" else "process", factor)]


def factor_levels(kind: str, factor: FactorId) -> tuple[Text, ...]:
    """The six descriptors of one factor (rating 1..6)."""
    return FACTOR_LEVELS[("results" if kind == "results" else "process", factor)]


@dataclass(frozen=True, slots=True)
class ItemBand:
    """The band an item's ratings support and the value proposed inside it."""

    band: int  # 1..6
    value: int  # percent on the band scale
    limiting: tuple[FactorId, ...]  # factors below the next band's minimum (empty at band 6)


def item_band(kind: str, ratings: Mapping[FactorId, int]) -> ItemBand:
    """The highest band whose minimums every factor meets, and the value proposed in it.

    Missing or out-of-range ratings count as 1 (nothing shown yet), as an unanswered question
    scores nothing.
    """
    order = factors_of(kind)
    r = [_clamp_rating(ratings.get(f)) for f in order]
    mins = BAND_MINIMUMS["results" if kind == "results" else "process"]
    band = max(
        b for b, m in enumerate(mins, start=1) if all(x >= y for x, y in zip(r, m, strict=True))
    )
    lo, hi = BAND_RANGES[band - 1]
    if band == len(mins):
        return ItemBand(band, hi, ())
    cur, nxt = mins[band - 1], mins[band]
    surplus = sum(1 for x, y in zip(r, cur, strict=True) if x > y)
    value = lo + 5 * min((hi - lo) // 5, surplus)
    limiting = tuple(f for f, x, y in zip(order, r, nxt, strict=True) if x < y)
    return ItemBand(band, value, limiting)


def _clamp_rating(x: object) -> int:
    if isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 6:
        return x
    return 1


def band_of_value(value: float) -> int | None:
    """Band 1..6 of a percent on the band scale, None in the gaps (6, 26, ...)."""
    for i, (lo, hi) in enumerate(BAND_RANGES, start=1):
        if lo <= value <= hi:
            return i
    return None


def band_scale() -> tuple[int, ...]:
    """Every value a band item can take: 0, 5, 10, ..., 25, 30, ... 100."""
    return tuple(v for lo, hi in BAND_RANGES for v in range(lo, hi + 1, 5))


def allowed_adjustments(proposed: int) -> tuple[int, ...]:
    """Values a respondent may move a proposed item value to (the tolerance, on the scale)."""
    return tuple(v for v in band_scale() if abs(v - proposed) <= ADJUST_TOLERANCE)


def band_step_gain(points: float, band: int) -> float:
    """Points one band's step is worth for an item: from this band's floor to the next one's.

    The plan uses it so that a step's gain depends on the band, never on where inside the band an
    answer sits or on how the item was split into questions.
    """
    if band >= len(BAND_RANGES):
        return 0.0
    return points * (BAND_RANGES[band][0] - BAND_RANGES[band - 1][0]) / 100


def contradictions(kind: str, ratings: Mapping[FactorId, int], band: int) -> list[FactorId]:
    """Factors whose rating is below what ``band`` claims for them (empty when consistent)."""
    mins = BAND_MINIMUMS["results" if kind == "results" else "process"][band - 1]
    return [
        f for f, m in zip(factors_of(kind), mins, strict=True) if _clamp_rating(ratings.get(f)) < m
    ]
