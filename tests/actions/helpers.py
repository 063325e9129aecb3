"""Builders for the improvement-action stories: scored submissions with a plan, and actions."""

from __future__ import annotations

from datetime import date, timedelta

from cqo_portal.actions import services as action_services
from cqo_portal.assessments import services
from cqo_portal.core.answers import Answer
from cqo_portal.core.questionnaire import AnswerType


def answer_at(level: int):
    """Every maturity question at ``level`` (0–5); the other kinds at a fixed middle answer."""

    def answer(question, index: int) -> Answer:
        t = question.answer_type
        if t is AnswerType.MATURITY:
            return Answer(value=level)
        if t is AnswerType.BAND:
            return Answer(value=level * 20)
        if t is AnswerType.YES_PARTLY_NO:
            return Answer(value="partly")
        if t is AnswerType.CHOICE:
            return Answer(value=question.options[0].id)
        if t is AnswerType.NUMBER:
            lo = question.min if question.min is not None else 0
            return Answer(value=lo)
        return Answer(value="每季度召开质量例会")

    return answer


def better(question) -> Answer:
    """A better answer than ``answer_at(1)`` gives, for any scored kind of question."""
    t = question.answer_type
    if t is AnswerType.MATURITY:
        return Answer(value=4)
    if t is AnswerType.BAND:
        return Answer(value=80)
    if t is AnswerType.YES_PARTLY_NO:
        return Answer(value="yes")
    if t is AnswerType.CHOICE:
        return Answer(value=max(question.options, key=lambda o: o.score).id)
    if t is AnswerType.NUMBER:
        return Answer(value=max((s.min for s in question.thresholds), default=question.max or 0))
    return Answer(value="每季度召开质量例会，形成会议纪要")


def submitted(actors, enterprise, officer, *, level: int = 1, overrides=None):
    """A submitted cqo-qms assessment of ``enterprise``; ``overrides`` maps question id → Answer."""
    assessment = services.start_assessment(enterprise, actors.questionnaire("cqo-qms"), officer)
    q = services.questionnaire_of(assessment.questionnaire)
    answer = answer_at(level)
    for i, question in enumerate(q.questions):
        a = (overrides or {}).get(question.id) or answer(question, i)
        assessment.answers.append(services._new_row(question, a, officer))
    actors.session.flush()
    services.submit_assessment(assessment, officer)
    actors.session.flush()
    return assessment


def maturity_ids(assessment) -> list[str]:
    q = services.questionnaire_of(assessment.questionnaire)
    return [x.id for x in q.questions if x.answer_type is AnswerType.MATURITY]


def action(assessment, question_id: str, officer, *, due: date | None = None, title="整改行动"):
    return action_services.create_action(
        assessment,
        question_id,
        action_services.ActionFields(
            title=title,
            owner_name="质量部 李工",
            due_on=due or (action_services.local_today() + timedelta(days=30)),
            expected_effect="问题关闭率提高",
        ),
        officer,
    )
