"""Improvement plan: what to do next for every answer below the top, ranked by points to gain.

The ranking is deliberately simple and explainable to an enterprise: a step's value is the points
it would add (the question's max points × the fraction gap to the next level), nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .answers import Answer, answer_fraction, answer_text, level_index, next_step
from .questionnaire import Questionnaire
from .scoring import Result, SectionResult, question_max_points, round1
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


def _fallback_suggestion(next_label: Text) -> Text:
    return Text(
        f"对照“{next_label.zh}”的描述补齐差距，并保留证据。",
        f"Close the gap to “{next_label.en}” as described, and keep the evidence.",
    )


def improvement_plan(
    q: Questionnaire, answers: Mapping[str, Answer], result: Result | None = None
) -> list[PlanItem]:
    """Plan steps for every scored, non-N/A question below its top level (unanswered = bottom).

    Sorted by recoverable points (descending), then questionnaire order. ``result`` is accepted
    for the contract but points are recomputed unrounded so ties break consistently.
    """
    del result  # the ranking uses unrounded max points; the result holds rounded ones
    maxes = question_max_points(q, answers)
    sections = {s.id: s for s in q.sections}
    ranked: list[tuple[float, int, PlanItem]] = []
    for order, question in enumerate(q.scored_questions):
        answer = answers.get(question.id)
        step = next_step(question, answer)
        if step is None:
            continue
        frac = answer_fraction(question, answer) or 0.0
        gain = maxes[question.id] * (step.fraction - frac)
        idx = level_index(question, answer)
        key = 0 if idx is None else idx
        suggestion = question.suggestions.get(key) or _fallback_suggestion(step.label)
        section = sections[question.section_id]
        ranked.append(
            (
                -gain,
                order,
                PlanItem(
                    section_id=section.id,
                    section_title=section.title,
                    question_id=question.id,
                    question_text=question.text,
                    clause=question.clause,
                    current_label=answer_text(question, answer),
                    next_label=step.label,
                    suggestion=suggestion,
                    recoverable_points=round1(gain),
                ),
            )
        )
    ranked.sort(key=lambda t: (t[0], t[1]))
    return [p for _g, _o, p in ranked]


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
    """The n plan steps worth the most points (the plan is already ranked)."""
    return plan[:n]
