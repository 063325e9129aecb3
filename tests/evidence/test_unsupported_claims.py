"""The pure rule: a high answer with neither a note nor a file is an unsupported claim."""

from __future__ import annotations

import pytest

from cqo_portal.core.answers import Answer
from cqo_portal.core.evidence import is_high_claim, unsupported_claims
from cqo_portal.core.questionnaire import QUESTIONNAIRE_DIR, AnswerType, load_questionnaire_file


def _questions(q, answer_type):
    return [qq for qq in q.questions if qq.answer_type is answer_type]


@pytest.fixture
def maturity_q(actors):
    from cqo_portal.assessments import services

    return services.questionnaire_of(actors.questionnaire("cqo-qms"))


@pytest.fixture
def band_q():
    """GB/T 19580 version 2026.1, whose questions are answered with a band percentage."""
    return load_questionnaire_file(QUESTIONNAIRE_DIR / "gbt19580-2026.yaml")


@pytest.fixture
def factor_q(actors):
    from cqo_portal.assessments import services

    return services.questionnaire_of(actors.questionnaire("gbt19580"))


def test_maturity_four_and_five_are_high_three_is_not(maturity_q):
    question = _questions(maturity_q, AnswerType.MATURITY)[0]
    assert is_high_claim(question, Answer(value=4))
    assert is_high_claim(question, Answer(value=5))
    assert not is_high_claim(question, Answer(value=3))
    assert not is_high_claim(question, Answer(na=True, na_reason="无此业务"))
    assert not is_high_claim(question, None)


def test_band_five_starts_at_seventy(band_q):
    question = _questions(band_q, AnswerType.BAND)[0]
    assert not is_high_claim(question, Answer(value=65))
    assert is_high_claim(question, Answer(value=70))
    assert is_high_claim(question, Answer(value=100))


def test_a_factor_rated_five_or_six_is_high(factor_q):
    question = _questions(factor_q, AnswerType.FACTOR)[0]
    assert not is_high_claim(question, Answer(value=4))
    assert is_high_claim(question, Answer(value=5))
    assert is_high_claim(question, Answer(value=6))
    # a results factor left blank takes the rating proposed from data: nothing is claimed
    assert not is_high_claim(question, Answer())


def test_a_note_or_a_file_supports_a_claim(maturity_q):
    a, b, c, d = _questions(maturity_q, AnswerType.MATURITY)[:4]
    answers = {
        a.id: Answer(value=5),
        b.id: Answer(value=5, evidence="内审报告 QR-2026-01"),
        c.id: Answer(value=4),
        d.id: Answer(value=2),
    }
    assert unsupported_claims(maturity_q, answers, set()) == (a.id, c.id)
    assert unsupported_claims(maturity_q, answers, {c.id}) == (a.id,)
    assert unsupported_claims(maturity_q, {a.id: Answer(value=5, evidence="   ")}, ()) == (a.id,)
