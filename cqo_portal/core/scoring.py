"""Scoring: answers -> points per question, item, section and total, with a level for each.

Contract (see docs/scoring.md): each scored question earns ``max_points × fraction``; a question's
max points is its weight's share of its item's points (or its section's when there are no items).
N/A questions hand their share to the other scored questions of the same item/section; an
item/section whose scored questions are all N/A leaves ``max_points``. Unanswered questions
score 0. Sums use unrounded values; each figure is rounded once, to 1 decimal, ROUND_HALF_UP.
Reports render from :meth:`Result.to_data`, so a stored result never needs re-scoring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

from .answers import Answer, answer_fraction, is_answered
from .holistic import FactorId, ItemBand, allowed_adjustments, factors_of, item_band
from .measures import MeasureReading, measures_from_value, propose_ratings, read_measure
from .questionnaire import (
    BAND_LABELS,
    BANDS,
    MATURITY_LABELS,
    PROCESS_BAND_DESCRIPTORS,
    RESULTS_BAND_DESCRIPTORS,
    HolisticItem,
    Question,
    Questionnaire,
)
from .text import Text

_TENTH = Decimal("0.1")


def round1(x: float) -> float:
    """Round to 1 decimal, half away from zero (6.75 -> 6.8), as people expect on a report.

    Binary float noise is cleared first (to 9 decimals), so 111.74999999999999 from a sum of
    thirds still reads as 111.75 and rounds to 111.8.
    """
    return float(Decimal(f"{x:.9f}").quantize(_TENTH, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class LevelInfo:
    """A named level for a percent or total: a short code, a label and what it means."""

    code: str
    label: Text
    description: Text

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "code": self.code,
            "label": self.label.to_data(),
            "description": self.description.to_data(),
        }

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> LevelInfo:
        """Inverse of :meth:`to_data`."""
        return cls(d["code"], Text.from_data(d["label"]), Text.from_data(d["description"]))


@dataclass(frozen=True)
class QuestionScore:
    """Points of one question; ``fraction`` is None when unanswered, N/A or unscored."""

    question_id: str
    points: float
    max_points: float
    fraction: float | None
    na: bool

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "question_id": self.question_id,
            "points": self.points,
            "max_points": self.max_points,
            "fraction": self.fraction,
            "na": self.na,
        }


@dataclass(frozen=True)
class ItemResult:
    """Points of one GB/T 19580 item; ``excluded`` when all its scored questions are N/A.

    A holistic item also keeps its factor ratings (in factor order), the value the rule proposed
    and, when the respondent moved it, the reason given; older results have none of these.
    """

    item_id: str
    title: Text
    points: float
    max_points: float
    percent: float
    level: LevelInfo
    excluded: bool = False
    ratings: tuple[tuple[str, int], ...] = ()
    proposed: float | None = None
    adjust_reason: str = ""

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        out: dict[str, Any] = {
            "item_id": self.item_id,
            "title": self.title.to_data(),
            "points": self.points,
            "max_points": self.max_points,
            "percent": self.percent,
            "level": self.level.to_data(),
            "excluded": self.excluded,
        }
        if self.ratings:
            out["ratings"] = [[f, r] for f, r in self.ratings]
            out["proposed"] = self.proposed
            out["adjust_reason"] = self.adjust_reason
        return out

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> ItemResult:
        """Inverse of :meth:`to_data`."""
        return cls(
            d["item_id"],
            Text.from_data(d["title"]),
            d["points"],
            d["max_points"],
            d["percent"],
            LevelInfo.from_data(d["level"]),
            d.get("excluded", False),
            tuple((str(f), int(r)) for f, r in d.get("ratings", ())),
            d.get("proposed"),
            d.get("adjust_reason", ""),
        )


@dataclass(frozen=True)
class SectionResult:
    """Points of one section; ``excluded`` when all its scored questions are N/A."""

    section_id: str
    title: Text
    points: float
    max_points: float
    percent: float
    level: LevelInfo
    items: tuple[ItemResult, ...]
    excluded: bool = False

    def to_data(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "section_id": self.section_id,
            "title": self.title.to_data(),
            "points": self.points,
            "max_points": self.max_points,
            "percent": self.percent,
            "level": self.level.to_data(),
            "items": [i.to_data() for i in self.items],
            "excluded": self.excluded,
        }

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> SectionResult:
        """Inverse of :meth:`to_data`."""
        return cls(
            d["section_id"],
            Text.from_data(d["title"]),
            d["points"],
            d["max_points"],
            d["percent"],
            LevelInfo.from_data(d["level"]),
            tuple(ItemResult.from_data(i) for i in d["items"]),
            d.get("excluded", False),
        )


@dataclass(frozen=True)
class Result:
    """The scored assessment, rounded for display; stored as JSON via :meth:`to_data`."""

    questionnaire_id: str
    questionnaire_version: str
    scoring_method: str
    total_points: float
    max_points: float
    percent: float
    level: LevelInfo
    sections: tuple[SectionResult, ...]
    questions: Mapping[str, QuestionScore]

    def section(self, section_id: str) -> SectionResult:
        """The section result with this id (KeyError when unknown)."""
        for s in self.sections:
            if s.section_id == section_id:
                return s
        raise KeyError(section_id)

    def to_data(self) -> dict[str, Any]:
        """JSON-able form; :meth:`from_data` restores an equal Result."""
        return {
            "questionnaire_id": self.questionnaire_id,
            "questionnaire_version": self.questionnaire_version,
            "scoring_method": self.scoring_method,
            "total_points": self.total_points,
            "max_points": self.max_points,
            "percent": self.percent,
            "level": self.level.to_data(),
            "sections": [s.to_data() for s in self.sections],
            "questions": {k: v.to_data() for k, v in self.questions.items()},
        }

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> Result:
        """Inverse of :meth:`to_data`."""
        return cls(
            questionnaire_id=d["questionnaire_id"],
            questionnaire_version=d["questionnaire_version"],
            scoring_method=d["scoring_method"],
            total_points=d["total_points"],
            max_points=d["max_points"],
            percent=d["percent"],
            level=LevelInfo.from_data(d["level"]),
            sections=tuple(SectionResult.from_data(s) for s in d["sections"]),
            questions=MappingProxyType({k: QuestionScore(**v) for k, v in d["questions"].items()}),
        )


# --------------------------------------------------------------------------- levels

NOT_APPLICABLE = LevelInfo(
    "na",
    Text("不适用", "Not applicable"),
    Text(
        "本部分所有计分题均为不适用，不计入总分。",
        "Every scored question here is N/A; not counted.",
    ),
)

#: What an overall maturity level means, 0..5 (the labels are MATURITY_LABELS, one set everywhere).
_MATURITY_MEANINGS: tuple[Text, ...] = (
    Text("多数做法尚未建立，质量管理依赖个人经验。",
         "Most practices are not in place; quality depends on individuals."),
    Text("有基本做法，但不成体系，主要在问题发生后处理。",
         "Basic practices exist but are not systematic; problems are handled after they occur."),
    Text("关键过程有文件和职责，能够按要求执行，但改进多为被动。",
         "Key processes are documented and assigned and run as required; improvement is reactive."),
    Text("做法符合 ISO 9001 的要求并在全公司实施，用数据管理过程，开始主动改进。",
         "Practices conform to ISO 9001's requirements and are applied throughout; processes are "
         "managed with data and improvement is proactive."),
    Text("超出符合性：目标量化并层层分解，趋势持续向好，质量与经营战略整合。",
         "Beyond conformity: objectives are quantified and cascaded, trends improve steadily, "
         "quality is integrated with business strategy."),
    Text("做法成为行业标杆，持续创新并与相关方分享经验。",
         "Practices are a benchmark for the industry; continuous innovation and sharing with "
         "stakeholders."),
)  # fmt: skip

#: (lowest percent, level) for questionnaires scored on the 0-5 maturity scale.
MATURITY_LEVELS: tuple[tuple[float, LevelInfo], ...] = tuple(
    (
        lo,
        LevelInfo(
            f"M{i}",
            Text(f"{i}级 {MATURITY_LABELS[i].zh}", f"Level {i} – {MATURITY_LABELS[i].en}"),
            _MATURITY_MEANINGS[i],
        ),
    )
    for i, lo in enumerate((0, 10, 30, 50, 70, 90))
)

#: (lowest score per 1000, reading) for a self-assessed GB/T 19580 total; indicative ranges, not
#: the standard's text, and never an award verdict (only examiners' consensus scores are that).
GBT_TOTAL_READINGS: tuple[tuple[float, LevelInfo], ...] = (
    (0, LevelInfo("early", Text("起步阶段", "Early stage"), Text(
        "自评得分低于约250分：卓越绩效管理处于起步阶段，先把基本要求做成体系。",
        "A self-assessed score below about 250: performance excellence is at an early stage; "
        "make the basics systematic.",
    ))),
    (250, LevelInfo("developing", Text("发展阶段", "Developing"), Text(
        "自评得分约250–400分：体系正在形成，部分过程已有效，结果数据开始积累。",
        "A self-assessed score of about 250–400: the system is taking shape; some processes work "
        "and results are beginning to accumulate.",
    ))),
    (400, LevelInfo("solid", Text("体系健全", "Solid management system"), Text(
        "自评得分约400–500分：具备健全的质量管理体系，多数过程有效展开。",
        "A self-assessed score of about 400–500: a solid quality-management system with most "
        "processes well deployed.",
    ))),
    (500, LevelInfo("mature", Text("成熟", "Mature"), Text(
        "自评得分约500–650分：多数过程系统展开、持续改进，关键结果有良好趋势和有利对比。",
        "A self-assessed score of about 500–650: most processes are systematic, deployed and "
        "improving; key results show good trends and favourable comparisons.",
    ))),
    (650, LevelInfo("leading", Text("领先", "Leading"), Text(
        "自评得分约650分以上：做法和结果在行业中领先。",
        "A self-assessed score above about 650: practices and results lead the industry.",
    ))),
)  # fmt: skip


_BAND_LEVELS: Mapping[bool, tuple[LevelInfo, ...]] = {
    results: tuple(LevelInfo(f"B{i + 1}", BAND_LABELS[i], descs[i]) for i in range(len(BANDS)))
    for results, descs in ((False, PROCESS_BAND_DESCRIPTORS), (True, RESULTS_BAND_DESCRIPTORS))
}


def _band_level(percent: float, results: bool) -> LevelInfo:
    idx = max(i for i, (lo, _hi) in enumerate(BANDS) if percent >= lo)
    return _BAND_LEVELS[results][idx]


def _pick(table: tuple[tuple[float, LevelInfo], ...], value: float) -> LevelInfo:
    return [lvl for lo, lvl in table if value >= lo][-1]


def maturity_level(percent: float) -> LevelInfo:
    """Overall maturity 0..5 for a percent: the average answer level, rounded to nearest."""
    return _pick(MATURITY_LEVELS, percent)


def gbt_total_level(percent: float) -> LevelInfo:
    """Indicative reading of a GB/T 19580 total, on a per-1000 scale (percent × 10)."""
    return _pick(GBT_TOTAL_READINGS, percent * 10)


# --------------------------------------------------------------------------- holistic items


@dataclass(frozen=True)
class ItemAssessment:
    """How a holistic item's score came about: ratings, proposal, adjustment, readings."""

    holistic: HolisticItem
    ratings: Mapping[FactorId, int]  # the ratings scored (entered, or proposed from measures)
    proposed_ratings: Mapping[FactorId, int] | None  # from measures (results items)
    readings: tuple[MeasureReading, ...]
    band: ItemBand  # of the ratings
    value: int  # the value scored: the proposal, or the respondent's adjustment
    adjusted: bool
    adjust_reason: str

    @property
    def proposed_value(self) -> int:
        """The value the rule proposes from the ratings."""
        return self.band.value


def assess_item(h: HolisticItem, answers: Mapping[str, Answer]) -> ItemAssessment:
    """Rate a holistic item from its answers (see :mod:`.holistic` and docs/scoring.md).

    A results factor left blank takes the rating proposed from the measures; an adjustment
    outside the tolerance, or without a reason, is not applied.
    """
    readings: tuple[MeasureReading, ...] = ()
    proposed: dict[FactorId, int] | None = None
    if h.measures is not None:
        ma = answers.get(h.measures.id)
        measures = measures_from_value(ma.value) if ma is not None else []
        readings = tuple(read_measure(m) for m in measures)
        proposed = propose_ratings(readings) if readings else None
    ratings: dict[FactorId, int] = {}
    for fq, f in zip(h.factors, factors_of(h.kind), strict=True):
        a = answers.get(fq.id)
        if is_answered(fq, a) and a is not None and isinstance(a.value, int):
            ratings[f] = a.value
        elif proposed is not None:
            ratings[f] = proposed[f]
        else:
            ratings[f] = 1
    band = item_band(h.kind, ratings)
    value, adjusted, reason = band.value, False, ""
    if h.adjustment is not None:
        adj = answers.get(h.adjustment.id)
        if (
            adj is not None
            and isinstance(adj.value, int)
            and adj.value != band.value
            and adj.value in allowed_adjustments(band.value)
            and adj.evidence.strip()
        ):
            value, adjusted, reason = adj.value, True, adj.evidence.strip()
    return ItemAssessment(h, ratings, proposed, readings, band, value, adjusted, reason)


def holistic_assessments(
    q: Questionnaire, answers: Mapping[str, Answer]
) -> dict[str, ItemAssessment]:
    """Every holistic item of the questionnaire, assessed, by item id."""
    return {item_id: assess_item(h, answers) for item_id, h in q.holistic_items.items()}


# --------------------------------------------------------------------------- scoring


def _is_na(q: Question, a: Answer | None) -> bool:
    return a is not None and a.na and q.allow_na


def question_max_points(q: Questionnaire, answers: Mapping[str, Answer]) -> dict[str, float]:
    """Unrounded max points of every scored question after N/A re-weighting (N/A ones get 0)."""
    out: dict[str, float] = {}
    for g in q.scoring_groups:
        live = [x for x in g.questions if not _is_na(x, answers.get(x.id))]
        total_w = sum(x.weight for x in live)
        for x in g.questions:
            out[x.id] = 0.0
        for x in live:
            out[x.id] = g.points * x.weight / total_w
    return out


def _pct(points: float, max_points: float) -> float:
    return round1(points / max_points * 100) if max_points > 0 else 0.0


def score_assessment(q: Questionnaire, answers: Mapping[str, Answer]) -> Result:
    """Score answers against a questionnaire; unanswered scored questions count as 0."""
    maxes = question_max_points(q, answers)
    gbt = q.scoring_method == "gbt19580"
    holistic = holistic_assessments(q, answers)
    qscores: dict[str, QuestionScore] = {}
    raw_points: dict[str, float] = {}
    for question in q.scored_questions:
        a = answers.get(question.id)
        na = _is_na(question, a)
        frac = None if na else answer_fraction(question, a)
        mx = maxes[question.id]
        ia = holistic.get(question.item_id or "")
        if ia is not None:  # a factor question: an equal share of what its item earns
            pts = mx * ia.value / 100
            rating = ia.ratings[question.factor]  # type: ignore[index]
            frac = (rating - 1) / 5
        else:
            pts = mx * frac if frac is not None else 0.0
        raw_points[question.id] = pts
        qscores[question.id] = QuestionScore(question.id, round1(pts), round1(mx), frac, na)

    def level_for(percent: float, excluded: bool, results: bool) -> LevelInfo:
        if excluded:
            return NOT_APPLICABLE
        return _band_level(percent, results) if gbt else maturity_level(percent)

    group_sums: dict[tuple[str, str | None], tuple[float, float]] = {}
    for g in q.scoring_groups:
        g_pts = sum(raw_points[x.id] for x in g.questions)
        g_max = sum(maxes[x.id] for x in g.questions)
        group_sums[(g.section_id, g.item_id)] = (g_pts, g_max)

    sections: list[SectionResult] = []
    total = total_max = 0.0
    for s in q.sections:
        items: list[ItemResult] = []
        s_pts = s_max = 0.0
        for it in s.items:
            i_pts, i_max = group_sums[(s.id, it.id)]
            s_pts += i_pts
            s_max += i_max
            i_pct = _pct(i_pts, i_max)
            excl = i_max <= 0
            ia = holistic.get(it.id)
            extra: dict[str, Any] = {}
            if ia is not None:
                extra = {
                    "ratings": tuple((f, ia.ratings[f]) for f in factors_of(ia.holistic.kind)),
                    "proposed": float(ia.proposed_value),
                    "adjust_reason": ia.adjust_reason,
                }
            items.append(
                ItemResult(
                    it.id, it.title, round1(i_pts), round1(i_max), i_pct,
                    level_for(i_pct, excl, it.kind == "results"), excl, **extra,
                )
            )  # fmt: skip
        if not s.items:
            s_pts, s_max = group_sums.get((s.id, None), (0.0, 0.0))
        s_pct = _pct(s_pts, s_max)
        results_kind = bool(s.items) and all(it.kind == "results" for it in s.items)
        excl = s_max <= 0 and s.points > 0
        sections.append(
            SectionResult(
                s.id, s.title, round1(s_pts), round1(s_max), s_pct,
                level_for(s_pct, excl or s.points == 0, results_kind), tuple(items), excl,
            )
        )  # fmt: skip
        total += s_pts
        total_max += s_max
    pct = _pct(total, total_max)
    if total_max <= 0:
        level = NOT_APPLICABLE
    else:
        level = gbt_total_level(pct) if gbt else maturity_level(pct)
    return Result(
        questionnaire_id=q.id,
        questionnaire_version=q.version,
        scoring_method=q.scoring_method,
        total_points=round1(total),
        max_points=round1(total_max),
        percent=pct,
        level=level,
        sections=tuple(sections),
        questions=MappingProxyType(qscores),
    )


ERR_ADJUST_RANGE = Text(
    "调整后的得分与建议分相差不能超过10分",
    "The adjusted score may differ from the proposal by at most 10 points",
)
ERR_ADJUST_REASON = Text(
    "调整建议分时请写明理由（填在本题的证据说明中）",
    "Give the reason for moving the proposed score (in this question's evidence note)",
)
ERR_RATING_REASON = Text(
    "评级与按指标数据给出的建议不同时，请在证据说明中写明理由",
    "When your rating differs from the one proposed from the measures, give the reason in the "
    "evidence note",
)


def item_issues(q: Questionnaire, answers: Mapping[str, Answer]) -> dict[str, Text]:
    """Answers a holistic item cannot accept as they stand, by question id.

    An adjustment must stay within the tolerance of the proposal and give a reason; a results
    factor rated differently from the rating proposed from the measures needs a note.
    """
    issues: dict[str, Text] = {}
    for h in q.holistic_items.values():
        ia = assess_item(h, answers)
        if ia.proposed_ratings is not None:
            for fq in h.factors:
                a = answers.get(fq.id)
                if (
                    a is not None
                    and isinstance(a.value, int)
                    and a.value != ia.proposed_ratings[fq.factor]  # type: ignore[index]
                    and not a.evidence.strip()
                ):
                    issues[fq.id] = ERR_RATING_REASON
        if h.adjustment is None:
            continue
        adj = answers.get(h.adjustment.id)
        if adj is None or not isinstance(adj.value, int) or adj.value == ia.proposed_value:
            continue
        if adj.value not in allowed_adjustments(ia.proposed_value):
            issues[h.adjustment.id] = ERR_ADJUST_RANGE
        elif not adj.evidence.strip():
            issues[h.adjustment.id] = ERR_ADJUST_REASON
    return issues
