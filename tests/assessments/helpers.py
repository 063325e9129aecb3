"""Shared steps of the filling stories: an officer with a draft, posting a section like the browser."""

from __future__ import annotations

import re

from cqo_portal.assessments import services
from cqo_portal.core.questionnaire import AnswerType, Question
from tests.factories import MEASURES_ROWS


def raw_value(question: Question, variant: int = 0) -> str:
    """A valid raw form value for any question; `variant` picks different valid values."""
    t = question.answer_type
    if t is AnswerType.MATURITY:
        return str(variant % 6)
    if t is AnswerType.BAND:
        return str((variant * 15) % 105)
    if t is AnswerType.FACTOR:
        return str(1 + variant % 6)
    if t is AnswerType.MEASURES:
        return MEASURES_ROWS
    if t is AnswerType.ITEM_SCORE:
        return ""  # keep the proposed score
    if t is AnswerType.YES_PARTLY_NO:
        return ("yes", "partly", "no")[variant % 3]
    if t is AnswerType.CHOICE:
        return question.options[variant % len(question.options)].id
    if t is AnswerType.NUMBER:
        return str(min(question.max if question.max is not None else 1000, 3 + variant * 7))
    return f"文本答案 {variant}：每季度召开质量例会\n第二行 = 公式样的文字"


def page_state(client, assessment_id: int, index: int) -> dict[str, str]:
    """What a browser tab holds after loading a section: the revision and each question's state."""
    html = client.get(f"/assessments/{assessment_id}/section/{index}").get_data(as_text=True)
    state = {"revision": re.search(r'name="revision" value="(\d+)"', html).group(1)}
    for qid, value in re.findall(r'name="q-([^"]+)-state" value="([0-9a-f]*)"', html):
        state[qid] = value
    return state


def section_form(sec, answers: dict[str, dict], state: dict[str, str] | None = None, go="stay"):
    """Form data for a section page: every question present; `answers` maps id → fields."""
    data = {"go": go, "revision": (state or {}).get("revision", "")}
    for question in sec.questions:
        p = f"q-{question.id}-"
        data[p + "present"] = "1"
        if state is not None:
            data[p + "state"] = state.get(question.id, "")
        fields = answers.get(question.id, {})
        data[p + "value"] = fields.get("value", "")
        if fields.get("na"):
            data[p + "na"] = "1"
        data[p + "reason"] = fields.get("reason", "")
        data[p + "evidence"] = fields.get("evidence", "")
    return data


def fill_everything(client, assessment, q, *, with_na: bool = True) -> dict[str, dict]:
    """Answer every question through the section pages, N/A (with a reason) where allowed."""
    filled: dict[str, dict] = {}
    for index, sec in enumerate(q.sections, start=1):
        answers = {}
        for n, question in enumerate(sec.questions):
            if with_na and question.allow_na:
                answers[question.id] = {
                    "na": True,
                    "reason": f"本企业无此业务 {question.id}",
                    "evidence": "营业执照经营范围",
                }
            else:
                answers[question.id] = {
                    "value": raw_value(question, n + index),
                    "evidence": f"证据 {question.id}：记录编号 QR-{n}\n=SUM(A1:A2)",
                }
        filled.update(answers)
        resp = client.post(
            f"/assessments/{assessment.id}/section/{index}",
            data=section_form(sec, answers, go="next"),
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return filled


def stored(db_session, assessment):
    db_session.expire_all()
    q = services.questionnaire_of(assessment.questionnaire)
    return services.answers_of(assessment, q)
