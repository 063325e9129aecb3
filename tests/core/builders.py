"""Builders for questionnaire dicts used by the core tests."""

from __future__ import annotations

from typing import Any


def t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def maturity_question(qid: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": qid,
        "answer_type": "maturity",
        "text": t(f"问题{qid}", f"Question {qid}"),
        "levels": [t(f"第{i}级", f"Level {i}") for i in range(6)],
        "suggestions": {i: t(f"建议{i}", f"Advice {i}") for i in range(5)},
        **extra,
    }


SMALL: dict[str, Any] = {
    "id": "small",
    "version": "1",
    "title": t("小问卷", "Small questionnaire"),
    "scoring_method": "maturity",
    "total_points": 100,
    "sections": [
        {
            "id": "s1",
            "title": t("第一部分", "Part one"),
            "points": 60,
            "questions": [
                maturity_question("q1"),
                maturity_question("q2", weight=2, allow_na=True),
                {
                    "id": "q3",
                    "answer_type": "yes_partly_no",
                    "text": t("是否？", "Is it?"),
                    "allow_na": True,
                },
            ],
        },
        {
            "id": "s2",
            "title": t("第二部分", "Part two"),
            "points": 40,
            "questions": [
                {
                    "id": "q4",
                    "answer_type": "choice",
                    "text": t("选择", "Choose"),
                    "options": [
                        {"id": "a", "label": t("甲", "A"), "score": 0},
                        {"id": "b", "label": t("乙", "B"), "score": 0.25},
                        {"id": "c", "label": t("丙", "C"), "score": 1},
                    ],
                    "suggestions": {0: t("选乙", "Go for B"), 1: t("选丙", "Go for C")},
                },
                {
                    "id": "q5",
                    "answer_type": "number",
                    "text": t("投诉数", "Complaints"),
                    "required": False,
                    "min": 0,
                    "unit": t("件", "complaints"),
                },
                {"id": "q6", "answer_type": "text", "text": t("备注", "Notes"), "required": False},
            ],
        },
    ],
}
