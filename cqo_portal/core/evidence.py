"""Claims without evidence: high answers that neither a note nor a file supports.

An answer claims a high standing when it picks maturity level 4 or 5, a GB/T 19580 scoring band
from band 5 up (a value of 70% or more), or rates a GB/T 19580 factor 5 or 6. Such a claim is *unsupported* when the answer has no
evidence note and no evidence file is attached to its question. Pure: the caller says which
questions have files.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from cqo_portal.core.answers import Answer
from cqo_portal.core.questionnaire import BANDS, AnswerType, Question, Questionnaire

#: The lowest maturity level that counts as a high claim.
HIGH_MATURITY = 4
#: The lowest band value (percent) that counts as a high claim: the start of band 5.
HIGH_BAND_VALUE = BANDS[4][0]
#: The lowest factor rating that counts as a high claim.
HIGH_FACTOR_RATING = 5


def is_high_claim(question: Question, answer: Answer | None) -> bool:
    """Whether the answer rates its question high (maturity ≥ 4, band 5 and above, factor ≥ 5)."""
    if answer is None or answer.na or answer.value is None:
        return False
    limits = {
        AnswerType.MATURITY: HIGH_MATURITY,
        AnswerType.BAND: HIGH_BAND_VALUE,
        AnswerType.FACTOR: HIGH_FACTOR_RATING,
    }
    limit = limits.get(question.answer_type)
    if limit is None:
        return False
    try:
        value = float(answer.value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return value >= limit


def unsupported_claims(
    q: Questionnaire, answers: Mapping[str, Answer], with_files: Collection[str]
) -> tuple[str, ...]:
    """Ids of the questions (in questionnaire order) whose high answer has neither a note nor a
    file; `with_files` holds the ids of the questions that have at least one evidence file."""
    out = []
    for section in q.sections:
        for question in section.questions:
            answer = answers.get(question.id)
            if not is_high_claim(question, answer):
                continue
            if (answer.evidence or "").strip() or question.id in with_files:
                continue
            out.append(question.id)
    return tuple(out)
