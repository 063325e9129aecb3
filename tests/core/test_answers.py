"""Raw form/XLSX input becomes typed answers or a bilingual error; answers read back as labels."""

from __future__ import annotations

from typing import Any

import pytest

from cqo_portal.core.answers import (
    Answer,
    answer_label,
    is_answered,
    missing_required,
    parse_answer,
)
from cqo_portal.core.questionnaire import Questionnaire, parse_questionnaire


@pytest.fixture()
def small(small_data: dict[str, Any]) -> Questionnaire:
    return parse_questionnaire(small_data)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("3", 3), (" 0 ", 0), ("5.0", 5), ("L4", 4)],
)
def test_maturity_values_parse(small: Questionnaire, raw: str, value: int) -> None:
    assert parse_answer(small.question("q1"), raw) == (Answer(value=value), None)


@pytest.mark.parametrize("raw", ["6", "-1", "2.5", "three", "3级"])
def test_maturity_errors_are_bilingual(small: Questionnaire, raw: str) -> None:
    answer, error = parse_answer(small.question("q1"), raw, evidence=" doc ")
    assert answer == Answer(evidence="doc")
    assert error is not None
    assert str(error) == "请选择 0–5 级 / Choose a level from 0 to 5"
    assert error.get("zh-CN") == "请选择 0–5 级"
    assert error.get("en") == "Choose a level from 0 to 5"


@pytest.mark.parametrize(
    ("raw", "ok"),
    [("0", True), ("5", True), ("10", True), ("50%", True), ("100", True), ("90", True),
     ("7", False), ("8", False), ("26", False), ("45.0", True), ("47", False), ("105", False),
     ("-5", False), ("abc", False), ("85", True), ("65", True), ("66", False)],
)  # fmt: skip
def test_band_values(gbt: Questionnaire, raw: str, ok: bool) -> None:
    answer, error = parse_answer(gbt.question("4.1.2-a"), raw)
    assert (error is None) is ok
    if ok:
        assert isinstance(answer.value, int)


def test_band_gap_values_are_invalid_even_in_steps_of_five(gbt: Questionnaire) -> None:
    for gap in ("30", "50", "70"):
        assert parse_answer(gbt.question("4.1.2-a"), gap)[1] is None
    # the 5% gaps between bands: 6-9, 26-29, 46-49, 66-69, 86-89 are never valid
    for v in range(101):
        _a, err = parse_answer(gbt.question("4.1.2-a"), str(v))
        in_band = v % 5 == 0 and any(
            lo <= v <= hi for lo, hi in ((0, 5), (10, 25), (30, 45), (50, 65), (70, 85), (90, 100))
        )
        assert (err is None) is in_band, v


def test_yes_partly_no_and_choice(small: Questionnaire) -> None:
    q3, q4 = small.question("q3"), small.question("q4")
    assert parse_answer(q3, "是")[0].value == "yes"
    assert parse_answer(q3, "Partly")[0].value == "partly"
    assert parse_answer(q3, "no")[0].value == "no"
    assert parse_answer(q3, "maybe")[1] is not None
    assert parse_answer(q4, "c")[0].value == "c"
    assert parse_answer(q4, "乙")[0].value == "b"  # the label in either language works too
    assert parse_answer(q4, "B")[0].value == "b"
    assert (
        str(parse_answer(q4, "z")[1]) == "请从列出的选项中选择 / Choose one of the listed options"
    )


def test_numbers_and_text(small: Questionnaire) -> None:
    q5, q6 = small.question("q5"), small.question("q6")
    assert parse_answer(q5, "1,200")[0].value == 1200
    assert parse_answer(q5, "2.5")[0].value == 2.5
    _a, err = parse_answer(q5, "-3")
    assert err is not None and err.en == "Enter a number of at least 0"
    assert parse_answer(q5, "nan")[1] is not None
    assert parse_answer(q6, "  自由文字  ")[0].value == "自由文字"
    assert parse_answer(q6, "x" * 5000)[1] is not None


def test_blank_is_unanswered_not_an_error(small: Questionnaire) -> None:
    for raw in (None, "", "   "):
        assert parse_answer(small.question("q1"), raw) == (Answer(), None)


def test_na_rules(small: Questionnaire) -> None:
    q1, q2 = small.question("q1"), small.question("q2")
    _a, err = parse_answer(q1, None, na=True, na_reason="no design")
    assert str(err) == "此题不允许选择不适用 / This question cannot be marked N/A"
    _a, err = parse_answer(q2, "3", na=True, na_reason="  ")
    assert str(err) == "不适用需要说明理由 / N/A needs a reason"
    answer, err = parse_answer(q2, "3", na=True, na_reason=" 无设计活动 ")
    assert err is None
    assert answer == Answer(value=None, na=True, na_reason="无设计活动")


def test_answer_round_trip() -> None:
    a = Answer(value="partly", na=False, na_reason="", evidence="QC records")
    assert Answer.from_data(a.to_data()) == a
    assert Answer.from_data({}) == Answer()


def test_answer_labels_in_both_languages(
    small: Questionnaire, gbt: Questionnaire, cqo_qms: Questionnaire
) -> None:
    q1 = small.question("q1")
    assert answer_label(q1, Answer(3), "en") == "Level 3 – Defined"
    assert answer_label(q1, Answer(3), "zh") == "第3级 – 规范"
    assert (
        answer_label(cqo_qms.question("ctx-issues"), Answer(5), "en") == "Level 5 – Best practice"
    )
    band = gbt.question("4.7.2-le")
    assert answer_label(band, Answer(50), "zh") == "50%（第4档）"
    assert answer_label(band, Answer(50), "en") == "50% (band 4)"
    assert answer_label(band, Answer(5), "en") == "5% (band 1)"
    na = Answer(na=True, na_reason="x")
    assert (answer_label(q1, na, "zh"), answer_label(q1, na, "en")) == ("不适用", "N/A")
    assert answer_label(q1, None, "en") == "Not answered"
    assert answer_label(q1, Answer(), "zh_TW") == "未作答"
    assert answer_label(small.question("q3"), Answer("partly"), "zh") == "部分"
    assert answer_label(small.question("q4"), Answer("b"), "en") == "B"
    assert answer_label(small.question("q5"), Answer(12), "zh") == "12件"
    assert answer_label(small.question("q5"), Answer(12), "en") == "12 complaints"


def test_missing_required(small: Questionnaire) -> None:
    answers = {"q1": Answer(2), "q2": Answer(na=True, na_reason="n/a"), "q3": Answer()}
    assert [q.id for q in missing_required(small, answers)] == ["q3", "q4"]
    assert is_answered(small.question("q2"), answers["q2"])
    # N/A stored for a question that does not allow it does not count as answered
    assert not is_answered(small.question("q1"), Answer(na=True, na_reason="x"))
    assert not is_answered(small.question("q1"), Answer(9))
