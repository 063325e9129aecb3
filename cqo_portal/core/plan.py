"""Improvement plan: what to do next for every answer below the top, ranked by a written rule.

The rule (docs/scoring.md, "The plan") is explainable to an enterprise and does not depend on how
an item was split into questions:

* a holistic item (rated on four factors) below band 6 yields one step per *limiting* factor, the
  factors below the next band's minimum; lifting them all lifts the item one band, worth one
  band's step of the item's points, shared equally between its steps;
* a band question's step is worth one band's step of its points, wherever inside its band the
  answer sits; a maturity or other question's step is worth the points of its next level;
* steps are ranked by the band their item is in (lowest first, the furthest behind); at the same
  band, process items (4.1-4.6) come before results items (4.7), which improve through them; then
  by the points the step's item or question gains, then in questionnaire order;
* advice that reads the same as an earlier step's is shown once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .answers import Answer, answer_fraction, answer_text, level_index, next_step
from .holistic import BAND_MINIMUMS, band_step_gain, factor_name, factors_of
from .questionnaire import BANDS, AnswerType, Questionnaire, band_index
from .scoring import Result, SectionResult, holistic_assessments, question_max_points, round1
from .text import Text


@dataclass(frozen=True)
class PlanItem:
    """One recommended step: where the answer is, the next level, what to do, points to gain."""

    section_id: str
    section_title: Text
    question_id: str
    question_text: Text
    clause: str
    current_label: Text
    next_label: Text
    suggestion: Text
    recoverable_points: float
    #: The item the step lifts (holistic items), so a summary can name each item once.
    item_id: str | None = None


def _fallback_suggestion(next_label: Text) -> Text:
    return Text(
        f"对照“{next_label.zh}”的描述补齐差距，并保留证据。",
        f"Close the gap to “{next_label.en}” as described, and keep the evidence.",
    )


def _rating_label(kind: str, factor: str, rating: int, levels: tuple) -> Text:  # type: ignore[type-arg]
    name = factor_name(kind, factor)  # type: ignore[arg-type]
    lv = levels[rating - 1]
    return Text(
        f"{name.zh} {lv.label.zh}：{lv.descriptor.zh}",
        f"{name.en} {lv.label.en}: {lv.descriptor.en}",
    )


def improvement_plan(
    q: Questionnaire, answers: Mapping[str, Answer], result: Result | None = None
) -> list[PlanItem]:
    """Plan steps for every scored, non-N/A question or holistic item below the top.

    ``result`` is accepted for the contract; gains are recomputed unrounded so ties break
    consistently.
    """
    del result  # the ranking uses unrounded max points; the result holds rounded ones
    maxes = question_max_points(q, answers)
    holistic = holistic_assessments(q, answers)
    sections = {s.id: s for s in q.sections}
    ranked: list[tuple[int, int, float, int, PlanItem]] = []
    for order, question in enumerate(q.scored_questions):
        section = sections[question.section_id]
        ia = holistic.get(question.item_id or "")
        if ia is not None:
            kind = ia.holistic.kind
            band = ia.band.band
            if band >= len(BANDS) or question.factor not in ia.band.limiting:
                continue
            factor = question.factor
            rating = ia.ratings[factor]
            target = BAND_MINIMUMS[kind][band][factors_of(kind).index(factor)]
            item_gain = band_step_gain(ia.holistic.item.points, band)
            current = _rating_label(kind, factor, rating, question.levels)
            nxt = _rating_label(kind, factor, target, question.levels)
            suggestion = question.suggestions.get(rating - 1) or _fallback_suggestion(nxt)
            gain = item_gain / len(ia.band.limiting)
            rank_band = band
            kind_rank = 1 if kind == "results" else 0
        else:
            answer = answers.get(question.id)
            step = next_step(question, answer)
            if step is None:
                continue
            frac = answer_fraction(question, answer) or 0.0
            idx = level_index(question, answer)
            if question.answer_type is AnswerType.BAND:
                bi = band_index(round(frac * 100)) or 0
                nxt_lo = BANDS[bi + 1][0] if bi + 1 < len(BANDS) else 100
                item_gain = gain = maxes[question.id] * (nxt_lo - BANDS[bi][0]) / 100
                rank_band = bi + 1
                kind_rank = 0
            else:
                item_gain = gain = maxes[question.id] * (step.fraction - frac)
                rank_band = kind_rank = 0  # maturity and other scales rank by points alone
            current = answer_text(question, answer)
            nxt = step.label
            suggestion = question.suggestions.get(
                0 if idx is None else idx
            ) or _fallback_suggestion(nxt)
        ranked.append(
            (
                rank_band,
                kind_rank,
                -item_gain,
                order,
                PlanItem(
                    section_id=section.id,
                    section_title=section.title,
                    question_id=question.id,
                    question_text=question.text,
                    clause=question.clause,
                    current_label=current,
                    next_label=nxt,
                    suggestion=suggestion,
                    recoverable_points=round1(gain),
                    item_id=question.item_id if ia is not None else None,
                ),
            )
        )
    ranked.sort(key=lambda t: (t[0], t[1], t[2], t[3]))
    seen: set[str] = set()
    plan: list[PlanItem] = []
    for *_key, p in ranked:
        if p.suggestion.zh in seen:
            continue
        seen.add(p.suggestion.zh)
        plan.append(p)
    return plan


def grouped_plan(
    q: Questionnaire, answers: Mapping[str, Answer], result: Result
) -> list[tuple[SectionResult, list[PlanItem]]]:
    """The plan grouped by section; sections ordered by their best (first) plan item."""
    plan = improvement_plan(q, answers, result)
    groups: dict[str, list[PlanItem]] = {}
    for item in plan:  # plan order, so dict order is "section of the best remaining item"
        groups.setdefault(item.section_id, []).append(item)
    return [(result.section(sid), items) for sid, items in groups.items()]


def strengths(result: Result, n: int = 3) -> list[SectionResult]:
    """The n best sections by percent (ties keep questionnaire order); excluded sections skipped."""
    candidates = [s for s in result.sections if not s.excluded and s.max_points > 0]
    return sorted(candidates, key=lambda s: -s.percent)[:n]


def priorities(plan: list[PlanItem], n: int = 3) -> list[PlanItem]:
    """The first n plan steps, one per item (the plan is already ranked)."""
    out: list[PlanItem] = []
    seen: set[str] = set()
    for p in plan:
        if p.item_id is not None and p.item_id in seen:
            continue
        if p.item_id is not None:
            seen.add(p.item_id)
        out.append(p)
        if len(out) == n:
            break
    return out
