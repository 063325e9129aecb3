"""Holistic item scoring: the rule never contradicts the band descriptors, raising a factor never
lowers an item, and the hand-worked cases of docs/scoring.md hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqo_portal.core.answers import Answer, parse_answer
from cqo_portal.core.holistic import (
    ADJUST_TOLERANCE,
    BAND_MINIMUMS,
    BAND_RANGES,
    allowed_adjustments,
    band_of_value,
    contradictions,
    factors_of,
    item_band,
)
from cqo_portal.core.measures import parse_measures, propose_ratings, read_measure
from cqo_portal.core.plan import improvement_plan
from cqo_portal.core.questionnaire import QUESTIONNAIRE_DIR, AnswerType, load_questionnaire_file
from cqo_portal.core.scoring import item_issues, score_assessment
from tests.factories import MEASURES_ROWS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"
GBT = load_questionnaire_file(QUESTIONNAIRE_DIR / "gbt19580-2027.yaml")
OLD_GBT = load_questionnaire_file(QUESTIONNAIRE_DIR / "gbt19580-2026.yaml")
QMS = load_questionnaire_file(QUESTIONNAIRE_DIR / "cqo-qms-2027.yaml")

kinds = st.sampled_from(["process", "results"])
rating = st.integers(min_value=1, max_value=6)


def _ratings(kind: str, values: list[int]) -> dict:
    return dict(zip(factors_of(kind), values, strict=True))


@given(kinds, st.lists(rating, min_size=4, max_size=4), st.integers(0, 3), rating)
def test_raising_a_factor_never_lowers_the_item(kind, values, which, new) -> None:
    before = item_band(kind, _ratings(kind, values))
    raised = list(values)
    raised[which] = max(values[which], new)
    after = item_band(kind, _ratings(kind, raised))
    assert (after.band, after.value) >= (before.band, before.value)
    assert after.value >= before.value


@given(kinds, st.lists(rating, min_size=4, max_size=4))
def test_no_input_yields_a_band_its_ratings_contradict(kind, values) -> None:
    ratings = _ratings(kind, values)
    result = item_band(kind, ratings)
    # every factor reaches what the chosen band claims for it ...
    assert contradictions(kind, ratings, result.band) == []
    # ... and the next band is not met (else the item would be understated)
    if result.band < 6:
        assert contradictions(kind, ratings, result.band + 1) != []
        assert set(result.limiting) == set(contradictions(kind, ratings, result.band + 1))
    lo, hi = BAND_RANGES[result.band - 1]
    assert lo <= result.value <= hi and result.value % 5 == 0
    assert band_of_value(result.value) == result.band


def test_band_minimums_rise_with_the_band() -> None:
    for table in BAND_MINIMUMS.values():
        for lower, higher in zip(table, table[1:], strict=False):
            assert all(a <= b for a, b in zip(lower, higher, strict=True))


def _worked_cases() -> list[tuple[str, list[int], int, int]]:
    """The rows of the hand-worked table in docs/scoring.md: kind, ratings, band, value."""
    text = DOCS.read_text(encoding="utf-8")
    table = text.split("<!-- worked-cases -->")[1]
    rows = []
    for line in table.splitlines():
        m = re.match(r"\|\s*(process|results)\s*\|\s*([1-6]) ([1-6]) ([1-6]) ([1-6])\s*\|"
                     r"\s*(\d)\s*\|\s*(\d+)\s*%", line)  # fmt: skip
        if m:
            rows.append((m[1], [int(m[i]) for i in range(2, 6)], int(m[6]), int(m[7])))
    return rows


def test_the_hand_worked_table_in_the_docs_holds() -> None:
    cases = _worked_cases()
    assert len(cases) >= 8
    for kind, values, band, value in cases:
        got = item_band(kind, _ratings(kind, values))
        assert (got.band, got.value) == (band, value), (kind, values)


def test_an_approach_nobody_uses_is_not_band_three() -> None:
    """Approach 90 / Deployment 5 / Learning and integration 5 averaged to 33.3 % (band 3,
    'early deployment') in version 2026.1; rated holistically it is band 2."""
    old = {"4.1.2-a": Answer(90), "4.1.2-d": Answer(5), "4.1.2-li": Answer(5)}
    assert score_assessment(OLD_GBT, old).section("4.1").items[0].percent == 33.3
    new = {"4.1.2-A": Answer(6), "4.1.2-D": Answer(1), "4.1.2-L": Answer(1), "4.1.2-I": Answer(1)}
    item = score_assessment(GBT, new).section("4.1").items[0]
    assert item.level.code == "B2" and item.percent == 15.0
    assert dict(item.ratings) == {"approach": 6, "deployment": 1, "learning": 1, "integration": 1}


def test_levels_without_trends_or_comparisons_is_not_band_three() -> None:
    """Levels 90 / Trends 0 / Comparisons and integration 0 gave 30 % (band 3, 'some trends,
    early comparisons') in 2026.1; rated holistically it is band 2 ('little trend data')."""
    old = {"4.7.2-le": Answer(90), "4.7.2-t": Answer(0), "4.7.2-ci": Answer(0)}
    assert score_assessment(OLD_GBT, old).section("4.7").items[0].percent == 30.0
    note = "ratings entered without measures"
    new = {
        "4.7.2-Le": Answer(6, evidence=note),
        "4.7.2-T": Answer(1, evidence=note),
        "4.7.2-C": Answer(1, evidence=note),
        "4.7.2-I": Answer(1, evidence=note),
    }
    item = score_assessment(GBT, new).section("4.7").items[0]
    assert item.level.code == "B2" and item.percent == 15.0


def test_the_same_factor_ratings_give_the_same_percent_on_every_item() -> None:
    """2026.1 split items differently (A / D / LI or AD / LI), so equal answers scored 45 % on
    4.7.6 and 30 % on 4.7.2; every 2027.1 item has the same four factors."""
    answers = {}
    for h in GBT.holistic_items.values():
        for fq, r in zip(h.factors, (5, 3, 3, 2), strict=True):
            answers[fq.id] = Answer(r, evidence="note")
    items = [i for s in score_assessment(GBT, answers).sections for i in s.items]
    assert len(items) == 23 and {i.percent for i in items} == {35.0}


def test_results_are_rated_from_three_measures() -> None:
    measures, errors = parse_measures(MEASURES_ROWS)
    assert errors == [] and [m.name for m in measures][0] == "产品一次交验合格率"
    readings = [read_measure(m) for m in measures]
    first, complaints, delivery = readings
    assert first.meets_target and first.trend == "improving" and first.sustained
    assert first.better_than_comparison
    # fewer complaints is better: 12 -> 10 -> 9 improves, but 9 misses the target of 8
    assert complaints.trend == "improving" and not complaints.meets_target
    assert not complaints.better_than_comparison  # the best competitor has 7
    assert delivery.trend == "improving" and not delivery.sustained  # 92 -> 91 dipped
    assert propose_ratings(readings) == {
        "levels": 2, "trends": 5, "comparisons": 2, "integration": 4
    }  # fmt: skip
    answer = parse_answer(GBT.question("4.7.2-M"), MEASURES_ROWS)[0]
    item = score_assessment(GBT, {"4.7.2-M": answer}).section("4.7").items[0]
    # levels 2, trends 5, comparisons 2, integration 4: band 2 (band 3 needs levels 3), and
    # three factors above band 2's minimum of 1: 10 + 3 x 5 = 25 %
    assert dict(item.ratings) == {"levels": 2, "trends": 5, "comparisons": 2, "integration": 4}
    assert (item.level.code, item.percent) == ("B2", 25.0)


def test_bad_measure_rows_are_each_reported_and_nothing_is_kept() -> None:
    text = (
        "合格率\t%\t越高越好\t\t95\t96\tx\t97\t96\t行业平均\t协会\n"
        "投诉\t件\t更好\t\t3\t2\t1\t1\t2\t对手\t\n"
        "交付\t%\t越高越好\t\t90\t91\t92\t95\t93\t标杆\t"
    )
    measures, errors = parse_measures(text)
    assert measures == []
    assert [e.en.split(":")[0] for e in errors] == ["Row 1", "Row 2", "Row 2"]
    assert "至少3期" in errors[0].zh and "方向" in errors[1].zh and "对比来源" in errors[2].zh
    two = "\n".join(MEASURES_ROWS.splitlines()[:3])
    assert parse_measures(two)[1][0].en == "Enter at least 3 key measures"


def test_an_adjustment_stays_within_the_tolerance_and_needs_a_reason() -> None:
    base = {"4.1.2-A": Answer(4), "4.1.2-D": Answer(4), "4.1.2-L": Answer(4), "4.1.2-I": Answer(4)}
    assert item_band("process", {"approach": 4, "deployment": 4, "learning": 4,
                                 "integration": 4}).value == 50  # fmt: skip
    assert allowed_adjustments(50) == (40, 45, 50, 55, 60)
    assert max(allowed_adjustments(50)) - 50 == ADJUST_TOLERANCE
    no_reason = {**base, "4.1.2-adj": Answer(60)}
    assert item_issues(GBT, no_reason)["4.1.2-adj"].en.startswith("Give the reason")
    too_far = {**base, "4.1.2-adj": Answer(70, evidence="we think so")}
    assert "at most 10 points" in item_issues(GBT, too_far)["4.1.2-adj"].en
    moved = {**base, "4.1.2-adj": Answer(60, evidence="外部审核确认全面展开")}
    assert item_issues(GBT, moved) == {}
    item = score_assessment(GBT, moved).section("4.1").items[0]
    assert (item.percent, item.proposed, item.adjust_reason) == (60.0, 50.0, "外部审核确认全面展开")
    # a refused adjustment is never applied, even if stored
    assert score_assessment(GBT, too_far).section("4.1").items[0].percent == 50.0


def test_a_results_rating_that_departs_from_the_data_needs_a_note() -> None:
    answer = parse_answer(GBT.question("4.7.2-M"), MEASURES_ROWS)[0]
    bare = {"4.7.2-M": answer, "4.7.2-Le": Answer(5)}
    assert "4.7.2-Le" in item_issues(GBT, bare)
    noted = {"4.7.2-M": answer, "4.7.2-Le": Answer(5, evidence="2026年新增两项指标已达标")}
    assert item_issues(GBT, noted) == {}


def test_a_step_gain_is_one_band_wherever_the_item_sits_in_it() -> None:
    low = {"4.1.2-A": Answer(2), "4.1.2-D": Answer(1), "4.1.2-L": Answer(1), "4.1.2-I": Answer(1)}
    high = {"4.1.2-A": Answer(6), "4.1.2-D": Answer(2), "4.1.2-L": Answer(2), "4.1.2-I": Answer(2)}
    assert score_assessment(GBT, low).section("4.1").items[0].percent == 10.0
    assert score_assessment(GBT, high).section("4.1").items[0].percent == 25.0

    def steps(answers):
        return [p for p in improvement_plan(GBT, answers) if p.question_id.startswith("4.1.2-")]

    # band 2 -> 3 is worth 50 x 20 % = 10 points, shared by the factors below band 3's minimum
    assert sum(p.recoverable_points for p in steps(low)) == pytest.approx(10.0, abs=0.1)
    assert sum(p.recoverable_points for p in steps(high)) == pytest.approx(10.0, abs=0.1)
    assert {p.question_id for p in steps(high)} == {"4.1.2-D", "4.1.2-L"}


def test_identical_advice_is_shown_once() -> None:
    plan = improvement_plan(GBT, {})
    texts = [p.suggestion.zh for p in plan]
    assert len(texts) == len(set(texts))


def _han(text: str) -> int:
    return sum("\u4e00" <= c <= "\u9fff" for c in text)


@pytest.mark.parametrize("q", [GBT, QMS], ids=lambda q: f"{q.id}-{q.version}")
def test_every_built_in_suggestion_is_advice_a_cqo_can_act_on(q) -> None:
    for question in q.questions:
        for key, text in question.suggestions.items():
            where = f"{question.id}[{key}]"
            assert _han(text.zh) >= 20, where
            assert not re.match(r"^(（[^）]*）)?\s*(继续)?保持", text.zh), where
            assert not re.match(r"^(\([^)]*\))?\s*(Keep|Sustain|Maintain)\b", text.en), where


def test_gbt_suggestions_cite_a_sub_clause_of_their_item() -> None:
    for h in GBT.holistic_items.values():
        letters = {c.id for c in h.item.subclauses}
        assert letters, h.item.id
        for fq in h.factors:
            assert sorted(fq.suggestions) == [0, 1, 2, 3, 4], fq.id
            for key, text in fq.suggestions.items():
                cited = set(re.findall(re.escape(h.item.id) + r" ([a-z])）", text.zh))
                assert cited and cited <= letters, f"{fq.id}[{key}]"


def test_leaders_are_asked_for_quality_safety_and_brand_building() -> None:
    item = GBT.item("4.1.2")
    asked = " ".join(c.text.zh for c in item.subclauses)
    assert "质量安全" in asked and "品牌" in asked
    assert any("质量安全" in x.text.zh for x in QMS.questions)


def test_no_built_in_words_call_a_self_assessment_award_level() -> None:
    for path in QUESTIONNAIRE_DIR.glob("*-2027.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "质量奖水平" not in text and "award level" not in text.lower()
    assert "9004" not in (QUESTIONNAIRE_DIR / "cqo-qms-2027.yaml").read_text(encoding="utf-8")


def test_every_item_has_four_factors_and_an_adjustment() -> None:
    assert len(GBT.holistic_items) == 23
    for h in GBT.holistic_items.values():
        assert [q.factor for q in h.factors] == list(factors_of(h.kind))
        assert h.adjustment is not None
        assert (h.measures is not None) == (h.kind == "results")
        assert all(q.answer_type is AnswerType.FACTOR for q in h.factors)
