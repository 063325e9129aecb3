"""Improvement plan ranking, strengths, peer percentiles and trends."""

from __future__ import annotations

from typing import Any

import pytest

from cqo_portal.core.answers import Answer
from cqo_portal.core.benchmark import (
    MIN_PEERS,
    SectionDelta,
    median,
    percentile_rank,
    section_trend,
    total_delta,
)
from cqo_portal.core.plan import grouped_plan, improvement_plan, priorities, strengths
from cqo_portal.core.questionnaire import Questionnaire, parse_questionnaire
from cqo_portal.core.scoring import score_assessment


@pytest.fixture()
def small(small_data: dict[str, Any]) -> Questionnaire:
    # s1 (60 points): q1 weight 1 -> 15, q2 weight 2 -> 30, q3 weight 1 -> 15
    # s2 (40 points): q4 (choice) is the only scored question -> 40
    return parse_questionnaire(small_data)


def test_plan_ranks_by_recoverable_points(small: Questionnaire) -> None:
    answers = {
        "q1": Answer(4),  # next level 5: 15 × 0.2 = 3.0
        "q2": Answer(1),  # next level 2: 30 × 0.2 = 6.0
        "q3": Answer("partly"),  # next yes: 15 × 0.5 = 7.5
        "q4": Answer("b"),  # 0.25 -> c (1.0): 40 × 0.75 = 30.0
    }
    result = score_assessment(small, answers)
    plan = improvement_plan(small, answers, result)
    assert [(p.question_id, p.recoverable_points) for p in plan] == [
        ("q4", 30.0), ("q3", 7.5), ("q2", 6.0), ("q1", 3.0),
    ]  # fmt: skip
    q4, q3, q2, q1 = plan
    assert q4.suggestion.en == "Go for C"  # suggestion key = position of option b
    assert (q4.current_label.en, q4.next_label.en) == ("B", "C")
    assert q3.suggestion.en.startswith("Close the gap to “Yes”")  # no suggestion -> fallback
    assert (q2.current_label.en, q2.next_label.en) == ("Level 1 – Initial", "Level 2 – Managed")
    assert (q2.suggestion.zh, q1.suggestion.en) == ("建议1", "Advice 4")
    assert (q2.section_id, q2.section_title.en) == ("s1", "Part one")
    assert priorities(plan, 2) == plan[:2]

    groups = grouped_plan(small, answers, result)
    assert [(s.section_id, [p.question_id for p in items]) for s, items in groups] == [
        ("s2", ["q4"]),
        ("s1", ["q3", "q2", "q1"]),
    ]


def test_plan_skips_top_answers_na_and_unscored(small: Questionnaire) -> None:
    answers = {"q1": Answer(5), "q2": Answer(na=True, na_reason="x"), "q5": Answer(3)}
    plan = improvement_plan(small, answers, score_assessment(small, answers))
    # q1 at the top, q2 N/A, q5/q6 unscored; q3 unanswered counts as "no", q4 as option a.
    # q2's N/A hands its weight to q1 and q3: 60 / 2 = 30 each, so q3: 30 × 0.5 = 15.
    assert [(p.question_id, p.recoverable_points) for p in plan] == [("q3", 15.0), ("q4", 10.0)]
    assert plan[0].current_label.en == "Not answered"
    assert plan[0].suggestion.zh.startswith("对照“部分”")


def test_plan_ties_keep_questionnaire_order(cqo_qms: Questionnaire) -> None:
    plan = improvement_plan(cqo_qms, {}, score_assessment(cqo_qms, {}))
    order = {q.id: i for i, q in enumerate(cqo_qms.questions)}
    for a, b in zip(plan, plan[1:], strict=False):
        assert (
            a.recoverable_points > b.recoverable_points
            or order[a.question_id] < order[b.question_id]
        )
    # cqo-registered: 15 × 0.5 = 7.5; then leadership 30 × 0.2 = 6.0 ties with
    # cqo-certification 15 × 0.4 = 6.0 and comes first; operation 25 × 0.2 = 5.0
    assert (plan[0].question_id, plan[0].recoverable_points) == ("cqo-registered", 7.5)
    assert [p.section_id for p in plan[1:7]] == ["leadership"] * 5 + ["cqo"]
    assert {p.recoverable_points for p in plan[1:7]} == {6.0}
    assert all(p.suggestion.en for p in plan)


def test_band_plan_steps_to_the_next_band(gbt: Questionnaire) -> None:
    answers = {"4.7.2-le": Answer(65), "4.7.2-t": Answer(95), "4.7.2-ci": Answer(100)}
    plan = improvement_plan(gbt, answers, score_assessment(gbt, answers))
    by_id = {p.question_id: p for p in plan}
    assert "4.7.2-ci" not in by_id
    # 80 / 3 = 26.667 points each; a band-4 answer's step is one band (50 % -> 70 %) wherever
    # inside band 4 it sits: 26.667 × 0.20 = 5.333 -> 5.3
    assert by_id["4.7.2-le"].recoverable_points == 5.3
    at_floor = improvement_plan(gbt, {**answers, "4.7.2-le": Answer(50)})
    assert next(p for p in at_floor if p.question_id == "4.7.2-le").recoverable_points == 5.3
    assert by_id["4.7.2-le"].next_label.en == "Band 5 (70–85%)"
    assert by_id["4.7.2-le"].suggestion == gbt.question("4.7.2-le").suggestions[3]
    # 95 % (band 6) -> 100 %: suggestion key 5; band 6's step runs from its floor to the top
    assert by_id["4.7.2-t"].suggestion == gbt.question("4.7.2-t").suggestions[5]
    assert by_id["4.7.2-t"].recoverable_points == 2.7


def test_strengths_are_the_best_sections(small: Questionnaire) -> None:
    r = score_assessment(small, {"q1": Answer(5), "q2": Answer(5), "q3": Answer("yes")})
    assert [s.section_id for s in strengths(r)] == ["s1", "s2"]
    assert [s.section_id for s in strengths(r, n=1)] == ["s1"]
    na_all = {q: Answer(na=True, na_reason="x") for q in ("q2", "q3")}
    r2 = score_assessment(small, {**na_all, "q1": Answer(0), "q4": Answer("c")})
    assert [s.section_id for s in strengths(r2)] == ["s2", "s1"]


def test_percentile_rank_is_hidden_below_min_peers() -> None:
    assert MIN_PEERS == 5
    assert percentile_rank(50, [10, 20, 30, 40]) is None
    assert percentile_rank(50, []) is None
    assert percentile_rank(50, [10, 20, 30, 40, 60]) == 80.0


def test_percentile_rank_counts_half_of_ties() -> None:
    peers = [10, 20, 30, 30, 50]
    assert percentile_rank(30, peers) == 60.0  # 2 below + half of 2 ties = 3 of 5
    assert percentile_rank(5, peers) == 0.0
    assert percentile_rank(99, peers) == 100.0
    assert percentile_rank(7, [7] * 6) == 50.0
    assert percentile_rank(20, [10, 20, 30, 40, 50, 60]) == 25.0  # (1 + 0.5) / 6 = 25 %


def test_median() -> None:
    assert median([3, 1, 2]) == 2.0
    assert median([4, 1, 2, 3]) == 2.5
    assert median([]) is None


def test_section_trend_and_total_delta(small: Questionnaire) -> None:
    before = score_assessment(small, {"q1": Answer(2), "q4": Answer("b")})
    after = score_assessment(small, {"q1": Answer(4), "q4": Answer("c")})
    # s1: q1 15 × 0.4 = 6 -> 15 × 0.8 = 12 (+6 points, +10 %); s2: 10 -> 40 (+30, +75 %)
    assert section_trend(after, before) == [
        SectionDelta("s1", 6.0, 10.0),
        SectionDelta("s2", 30.0, 75.0),
    ]
    sid, dp, dpc = section_trend(after, before)[0]
    assert (sid, dp, dpc) == ("s1", 6.0, 10.0)
    assert total_delta(after, before) == (36.0, 36.0)
    assert section_trend(after, None) == [] and total_delta(after, None) is None
