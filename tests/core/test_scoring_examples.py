"""Hand-worked scoring examples for both built-in questionnaires (expected numbers by hand)."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from cqo_portal.core.answers import Answer
from cqo_portal.core.questionnaire import Questionnaire
from cqo_portal.core.scoring import Result, round1, score_assessment

NA = Answer(na=True, na_reason="不涉及 / not applicable")


def test_cqo_qms_hand_worked(cqo_qms: Questionnaire) -> None:
    answers = {
        # context: 100 points / 4 maturity questions = 25 each
        "ctx-issues": Answer(5),  # 25 × 5/5 = 25
        "ctx-parties": Answer(4),  # 25 × 4/5 = 20
        "ctx-scope": Answer(2),  # 25 × 2/5 = 10
        "ctx-processes": Answer(0),  # 0            -> 55 / 100 = 55.0 % -> M3
        # leadership: 150 / 5 = 30 each; only one answered: 30 × 3/5 = 18 -> 12.0 % -> M1
        "ldr-commitment": Answer(3),
        # planning: 100 / 4, but pln-quality-plan is N/A so 100 / 3 = 33.33 each
        "pln-quality-plan": NA,
        "pln-risk": Answer(5),  # 33.333
        "pln-objectives": Answer(1),  # 6.667
        "pln-change": Answer(2),  # 13.333  -> 53.333 -> 53.3 / 100 -> 53.3 % -> M3
        # cqo: 120 / 8 scored questions (6 maturity + yes/partly/no + choice) = 15 each
        "cqo-veto": Answer(4),  # 15 × 0.8 = 12
        "cqo-registered": Answer("partly"),  # 15 × 0.5 = 7.5
        "cqo-certification": Answer("certified"),  # 15 × 0.8 = 12 -> 31.5 / 120 = 26.25 -> 26.3 %
        "ev-complaints-count": Answer(12),  # unscored
        "cqo-notes": Answer("需要培训支持"),  # unscored
    }
    # operation: 200 / 8 = 25, op-design N/A -> 200 / 7 each; all others at 5 -> 200 / 200
    for qid in ("op-requirements", "op-suppliers", "op-production", "op-traceability",
                "op-release", "op-nonconforming", "op-planning"):  # fmt: skip
        answers[qid] = Answer(5)
    answers["op-design"] = NA
    r = score_assessment(cqo_qms, answers)

    by_id = {s.section_id: s for s in r.sections}
    assert (by_id["context"].points, by_id["context"].percent, by_id["context"].level.code) == (
        55.0,
        55.0,
        "M3",
    )
    assert (by_id["leadership"].points, by_id["leadership"].percent) == (18.0, 12.0)
    assert by_id["leadership"].level.code == "M1"
    assert (by_id["planning"].points, by_id["planning"].max_points) == (53.3, 100.0)
    assert by_id["planning"].level.code == "M3"
    assert (by_id["operation"].points, by_id["operation"].percent) == (200.0, 100.0)
    assert by_id["operation"].level.code == "M5"
    assert (by_id["cqo"].points, by_id["cqo"].percent, by_id["cqo"].level.code) == (
        31.5,
        26.3,
        "M1",
    )
    for sid in ("support", "evaluation", "improvement"):
        assert (by_id[sid].points, by_id[sid].max_points, by_id[sid].level.code) == (
            0.0,
            {"support": 150.0, "evaluation": 100.0, "improvement": 80.0}[sid],
            "M0",
        )
    # total = 55 + 18 + 53.333 + 200 + 31.5 = 357.833 -> 357.8; N/A inside sections keeps 1000
    assert (r.total_points, r.max_points, r.percent) == (357.8, 1000.0, 35.8)
    assert r.level.code == "M2"
    assert r.level.label.en == "Level 2 – Managed"
    q = r.questions
    assert (q["pln-risk"].points, q["pln-risk"].max_points, q["pln-risk"].fraction) == (
        33.3,
        33.3,
        1.0,
    )
    assert (q["pln-quality-plan"].points, q["pln-quality-plan"].na) == (0.0, True)
    assert q["op-requirements"].max_points == 28.6  # 200 / 7 = 28.571
    assert q["ldr-policy"].fraction is None and q["ldr-policy"].points == 0.0
    assert "ev-complaints-count" not in q and "cqo-notes" not in q


def test_gbt_hand_worked(gbt: Questionnaire) -> None:
    answers = {
        # 4.1.2 (50 points, 3 questions): (0.50 + 0.50 + 0.20) / 3 × 50 = 20.0 -> 40 % -> band 3
        "4.1.2-a": Answer(50),
        "4.1.2-d": Answer(50),
        "4.1.2-li": Answer(20),
        # 4.1.3 (30 points, 2 questions): 0.30 × 30 = 9.0 -> 30 % -> band 3
        "4.1.3-ad": Answer(30),
        "4.1.3-li": Answer(30),
        # 4.1.4 (30): both 0 % -> 0 -> band 1
        "4.1.4-ad": Answer(0),
        "4.1.4-li": Answer(0),
        # 4.4.6 (10 points, 2 questions): (0.65 + 0.70) / 2 × 10 = 6.75 -> 6.8 (half up); 67.5 %
        "4.4.6-ad": Answer(65),
        "4.4.6-li": Answer(70),
        # 4.7.2 (80 points, 3 questions): (0.90 + 1.00 + 0.95) / 3 × 80 = 76.0 -> 95 % -> band 6
        "4.7.2-le": Answer(90),
        "4.7.2-t": Answer(100),
        "4.7.2-ci": Answer(95),
    }
    r = score_assessment(gbt, answers)
    s41 = r.section("4.1")
    items = {i.item_id: i for i in s41.items}
    assert (items["4.1.2"].points, items["4.1.2"].percent, items["4.1.2"].level.code) == (
        20.0,
        40.0,
        "B3",
    )
    assert (items["4.1.3"].points, items["4.1.3"].level.code) == (9.0, "B3")
    assert (items["4.1.4"].points, items["4.1.4"].level.code) == (0.0, "B1")
    # section 4.1: 29 / 110 = 26.36 % -> 26.4 -> band 2 (10-25 reached, 30 not)
    assert (s41.points, s41.max_points, s41.percent, s41.level.code) == (29.0, 110.0, 26.4, "B2")
    i446 = next(i for i in r.section("4.4").items if i.item_id == "4.4.6")
    assert (i446.points, i446.percent, i446.level.code) == (6.8, 67.5, "B4")
    s47 = r.section("4.7")
    i472 = s47.items[0]
    assert (i472.item_id, i472.points, i472.percent, i472.level.code) == ("4.7.2", 76.0, 95.0, "B6")
    assert i472.level.description.en.startswith("Excellent levels")  # results descriptor
    assert items["4.1.2"].level.description.en.startswith("An effective, systematic approach")
    assert (s47.points, s47.percent) == (76.0, 19.0)
    # total = 20 + 9 + 0 + 6.75 + 76 = 111.75 -> 111.8; 11.175 % -> 11.2; reading: early stage
    assert (r.total_points, r.max_points, r.percent) == (111.8, 1000.0, 11.2)
    assert r.level.code == "early"
    assert r.level.label.zh == "起步阶段"


@pytest.mark.parametrize(
    ("answer", "only_results", "percent", "code"),
    [
        (60, True, 24.0, "early"),  # only 4.7 (400 points) at 60 % -> 240 -> 24 %
        (25, False, 25.0, "developing"),  # 250 per 1000
        (40, False, 40.0, "solid"),
        (50, False, 50.0, "mature"),
        (65, False, 65.0, "leading"),
    ],
)
def test_gbt_total_readings(
    gbt: Questionnaire, answer: int, only_results: bool, percent: float, code: str
) -> None:
    answers = {
        q.id: Answer(answer)
        for q in gbt.questions
        if not only_results or (q.item_id or "").startswith("4.7")
    }
    r = score_assessment(gbt, answers)
    assert (r.percent, r.level.code) == (percent, code)


def test_result_round_trips_through_json_data(cqo_qms: Questionnaire) -> None:
    import json

    r = score_assessment(cqo_qms, {"ctx-issues": Answer(3), "op-design": NA})
    again = Result.from_data(json.loads(json.dumps(r.to_data())))
    assert again == r
    assert isinstance(again.questions, MappingProxyType)


def test_round1_is_half_up() -> None:
    assert [round1(x) for x in (0.05, 0.15, 2.25, 6.75, 111.74999999999999, 1 / 3)] == [
        0.1, 0.2, 2.3, 6.8, 111.8, 0.3,
    ]  # fmt: skip
