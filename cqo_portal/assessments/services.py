"""Assessment operations: start, save answers (with a three-way merge), submit and score.

Each public function is one unit of work: it flushes and audits; the view commits.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from cqo_portal import audit, rollups, signals
from cqo_portal.core.answers import (
    Answer,
    answer_input,
    is_answered,
    missing_required,
    parse_answer,
)
from cqo_portal.core.evidence import unsupported_claims
from cqo_portal.core.questionnaire import Question, Questionnaire, parse_questionnaire
from cqo_portal.core.scoring import (
    ItemAssessment,
    Result,
    holistic_assessments,
    item_issues,
    score_assessment,
)
from cqo_portal.core.text import Text
from cqo_portal.extensions import db
from cqo_portal.models import (
    Assessment,
    AssessmentAnswer,
    AssessmentStatus,
    Enterprise,
    EvidenceFile,
    QuestionnaireStatus,
    QuestionnaireVersion,
    SectionScore,
    User,
)
from cqo_portal.models.base import utcnow

_cache: dict[tuple[int, str], Questionnaire] = {}
_cache_lock = threading.Lock()


def questionnaire_of(qv: QuestionnaireVersion) -> Questionnaire:
    """The parsed definition of a stored version (parsed once per process; versions are immutable)."""
    key = (qv.id, qv.fingerprint)
    found = _cache.get(key)
    if found is None:
        found = parse_questionnaire(qv.definition, source=f"{qv.key}@{qv.version}")
        with _cache_lock:
            _cache[key] = found
    return found


def published_versions() -> list[QuestionnaireVersion]:
    return list(
        db.session.scalars(
            select(QuestionnaireVersion)
            .where(QuestionnaireVersion.status == QuestionnaireStatus.PUBLISHED)
            .order_by(QuestionnaireVersion.key, QuestionnaireVersion.published_at.desc())
        )
    )


def answers_of(assessment: Assessment, q: Questionnaire) -> dict[str, Answer]:
    """The stored answers as core Answers (unknown question ids are ignored)."""
    out: dict[str, Answer] = {}
    for row in assessment.answers:
        try:
            question = q.question(row.question_id)
        except KeyError:
            continue
        out[row.question_id] = _row_answer(question, row)
    return out


def _row_answer(question: Question, row: AssessmentAnswer) -> Answer:
    answer, error = parse_answer(
        question, row.value, row.na, row.na_reason or "", row.evidence or ""
    )
    if error is not None:  # stored before a rule changed: keep the note, drop the value
        return Answer(evidence=row.evidence or "")
    return answer


def answer_state(answer: Answer | None) -> str:
    """A short fingerprint of an answer, used to tell who changed what between two saves."""
    a = answer or Answer()
    raw = f"{a.value!s}\x1f{int(a.na)}\x1f{a.na_reason}\x1f{a.evidence}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def open_draft(enterprise: Enterprise, questionnaire_key: str) -> Assessment | None:
    """The enterprise's editable (draft or returned) assessment of a questionnaire, if any."""
    return db.session.scalar(
        select(Assessment)
        .where(
            Assessment.enterprise_id == enterprise.id,
            Assessment.questionnaire_key == questionnaire_key,
            Assessment.status.in_([AssessmentStatus.DRAFT, AssessmentStatus.RETURNED]),
        )
        .order_by(Assessment.id.desc())
        .limit(1)
    )


def start_assessment(
    enterprise: Enterprise, qv: QuestionnaireVersion, user: User, *, prefill: bool = False
) -> Assessment:
    """Open the enterprise's draft for this questionnaire, creating a new cycle when none is open."""
    existing = open_draft(enterprise, qv.key)
    if existing is not None:
        return existing
    assessment = Assessment(
        enterprise=enterprise,
        questionnaire=qv,
        questionnaire_key=qv.key,
        status=AssessmentStatus.DRAFT,
        cycle_year=utcnow().year,
        created_by_id=user.id,
        revision=0,
    )
    db.session.add(assessment)
    if prefill:
        previous = latest_submitted(enterprise.id, qv.key)
        if previous is not None:
            q = questionnaire_of(qv)
            for qid, ans in answers_of(previous, questionnaire_of(previous.questionnaire)).items():
                try:
                    question = q.question(qid)
                except KeyError:
                    continue
                assessment.answers.append(_new_row(question, ans, user))
    db.session.flush()
    audit.record(
        "assessment.start",
        assessment,
        after={"questionnaire": f"{qv.key}@{qv.version}", "prefill": prefill},
        city_code=enterprise.city_code,
    )
    return assessment


def latest_submitted(
    enterprise_id: int, questionnaire_key: str, before: datetime | None = None
) -> Assessment | None:
    stmt = select(Assessment).where(
        Assessment.enterprise_id == enterprise_id,
        Assessment.questionnaire_key == questionnaire_key,
        Assessment.submitted_at.is_not(None),
        Assessment.status.in_([AssessmentStatus.SUBMITTED, AssessmentStatus.ACCEPTED]),
    )
    if before is not None:
        stmt = stmt.where(Assessment.submitted_at < before)
    return db.session.scalar(stmt.order_by(Assessment.submitted_at.desc()).limit(1))


def _new_row(question: Question, ans: Answer, user: User) -> AssessmentAnswer:
    return AssessmentAnswer(
        question_id=question.id,
        value=None if ans.value is None else answer_input(question, ans),
        na=ans.na,
        na_reason=ans.na_reason or None,
        evidence=ans.evidence or None,
        updated_by_id=user.id,
    )


@dataclass
class Conflict:
    question: Question
    theirs: Answer
    yours: Answer


@dataclass
class SaveOutcome:
    errors: dict[str, Text] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    saved: int = 0
    revision: int = 0


@dataclass(frozen=True)
class PostedAnswer:
    """What the browser sent for one question, and the state it was loaded with."""

    value: str | None
    na: bool
    na_reason: str
    evidence: str
    loaded_state: str | None = None


def save_answers(
    assessment: Assessment,
    posted: dict[str, PostedAnswer],
    user: User,
    *,
    base_revision: int | None,
) -> SaveOutcome:
    """Store the valid answers of one page; invalid ones come back as errors, nothing else lost.

    When the draft changed since the page loaded (another tab or colleague), an answer the user
    did not touch keeps the newer stored value, and one both sides changed differently is not
    overwritten but reported as a conflict.
    """
    q = questionnaire_of(assessment.questionnaire)
    rows = {r.question_id: r for r in assessment.answers}
    outcome = SaveOutcome()
    stale = base_revision is not None and base_revision != assessment.revision
    changed = 0
    parsed: dict[str, tuple[Question, Answer]] = {}
    for qid, p in posted.items():
        try:
            question = q.question(qid)
        except KeyError:
            continue
        answer, error = parse_answer(question, p.value, p.na, p.na_reason, p.evidence)
        if error is not None:
            outcome.errors[qid] = error
            continue
        parsed[qid] = (question, answer)
    if q.holistic_items:
        merged = {**answers_of(assessment, q), **{k: a for k, (_q, a) in parsed.items()}}
        for qid, issue in item_issues(q, merged).items():
            if qid in parsed:
                outcome.errors[qid] = issue
                del parsed[qid]
    for qid, (question, answer) in parsed.items():
        p = posted[qid]
        row = rows.get(qid)
        stored = _row_answer(question, row) if row is not None else Answer()
        if answer_state(answer) == answer_state(stored):
            continue
        if stale and p.loaded_state is not None:
            user_changed = answer_state(answer) != p.loaded_state
            others_changed = answer_state(stored) != p.loaded_state
            if not user_changed:
                continue  # keep the newer stored answer
            if others_changed:
                outcome.conflicts.append(Conflict(question, stored, answer))
                continue
        if row is None:
            assessment.answers.append(_new_row(question, answer, user))
        else:
            row.value = None if answer.value is None else answer_input(question, answer)
            row.na = answer.na
            row.na_reason = answer.na_reason or None
            row.evidence = answer.evidence or None
            row.updated_by_id = user.id
            row.updated_at = utcnow()
        changed += 1
    if changed:
        assessment.revision += 1
        assessment.updated_at = utcnow()
        db.session.flush()
    outcome.saved = changed
    outcome.revision = assessment.revision
    return outcome


class IncompleteAssessment(ValueError):
    def __init__(self, missing: list[Question]) -> None:
        super().__init__(f"{len(missing)} required questions are unanswered")
        self.missing = missing


def submit_assessment(assessment: Assessment, user: User) -> Result:
    """Check completeness, score, store the result with the submission; all in one transaction."""
    q = questionnaire_of(assessment.questionnaire)
    answers = answers_of(assessment, q)
    missing = missing_required(q, answers)
    issues = item_issues(q, answers)
    if issues:
        missing += [x for x in q.questions if x.id in issues and x not in missing]
    if missing:
        raise IncompleteAssessment(missing)
    result = score_assessment(q, answers)
    before = {"status": assessment.status.value}
    store_result(assessment, result)
    refresh_unsupported_claims(assessment, q, answers)
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = utcnow()
    assessment.submitted_by_id = user.id
    assessment.review_comment = None if before["status"] == "draft" else assessment.review_comment
    db.session.flush()
    rollups.refresh(db.session, [(assessment.city_code, assessment.enterprise_id)])
    audit.record(
        "assessment.submit",
        assessment,
        before=before,
        after={
            "status": "submitted",
            "total_points": result.total_points,
            "percent": result.percent,
        },
        city_code=assessment.enterprise.city_code,
        actor_id=user.id,
    )
    if before["status"] == AssessmentStatus.RETURNED.value:
        # What was issued from the earlier submission shows its old scores: its owners react.
        signals.assessment_resubmitted.send(assessment)
    return result


class NotADraft(ValueError):
    """Only a draft that was never handed in can be discarded."""


def discard_draft(assessment: Assessment, user: User) -> None:
    """Delete a draft never handed in, with its answers; the audit trail keeps what it was.

    The row is locked first (PostgreSQL), so a colleague submitting the same draft at the same
    moment either wins (and the draft is kept as a submission) or finds it gone.
    """
    db.session.refresh(assessment, with_for_update=True)
    if assessment.status != AssessmentStatus.DRAFT:
        raise NotADraft(assessment.status.value)
    qv = assessment.questionnaire
    audit.record(
        "assessment.discard",
        assessment,
        before={
            "status": assessment.status.value,
            "questionnaire": f"{qv.key}@{qv.version}",
            "cycle_year": assessment.cycle_year,
            "answers": len(assessment.answers),
        },
        city_code=assessment.enterprise.city_code,
        actor_id=user.id,
    )
    place = (assessment.city_code, assessment.enterprise_id)
    db.session.delete(assessment)
    db.session.flush()
    rollups.refresh(db.session, [place])


def store_result(assessment: Assessment, result: Result) -> None:
    """Write the scores onto the assessment and its per-section rows (replacing old ones)."""
    assessment.result = result.to_data()
    assessment.total_points = result.total_points
    assessment.max_points = result.max_points
    assessment.percent = result.percent
    assessment.level_code = result.level.code
    existing = {s.section_id: s for s in assessment.section_scores}
    for sec in result.sections:
        row = existing.pop(sec.section_id, None)
        if row is None:
            row = SectionScore(section_id=sec.section_id)
            assessment.section_scores.append(row)
        row.points = sec.points
        row.max_points = sec.max_points
        row.percent = sec.percent
    for row in existing.values():
        assessment.section_scores.remove(row)


def questions_with_files(assessment: Assessment) -> set[str]:
    """Ids of the assessment's questions that have at least one evidence file."""
    return set(
        db.session.scalars(
            select(EvidenceFile.question_id)
            .where(EvidenceFile.assessment_id == assessment.id)
            .distinct()
        )
    )


def unsupported_claim_ids(
    assessment: Assessment, q: Questionnaire, answers: dict[str, Answer]
) -> tuple[str, ...]:
    return unsupported_claims(q, answers, questions_with_files(assessment))


def refresh_unsupported_claims(
    assessment: Assessment,
    q: Questionnaire | None = None,
    answers: dict[str, Answer] | None = None,
) -> int:
    """Store how many high answers lack evidence (the regulator's list filters on it)."""
    q = q or questionnaire_of(assessment.questionnaire)
    answers = answers if answers is not None else answers_of(assessment, q)
    assessment.unsupported_claims = len(unsupported_claim_ids(assessment, q, answers))
    return assessment.unsupported_claims


def item_assessments(q: Questionnaire, answers: dict[str, Answer]) -> dict[str, ItemAssessment]:
    """How each holistic item of a draft stands: ratings, proposed band and value, readings."""
    return holistic_assessments(q, answers)


def result_of(assessment: Assessment) -> Result | None:
    return Result.from_data(assessment.result) if assessment.result else None


def progress(q: Questionnaire, answers: dict[str, Answer]) -> dict[str, Any]:
    """Answered counts per section and overall, for the overview and the progress bar."""
    sections = []
    total = done = 0
    for s in q.sections:
        n = len(s.questions)
        a = sum(1 for qq in s.questions if is_answered(qq, answers.get(qq.id)))
        req_open = [
            qq for qq in s.questions if qq.required and not is_answered(qq, answers.get(qq.id))
        ]
        sections.append({"section": s, "total": n, "answered": a, "required_open": req_open})
        total += n
        done += a
    return {
        "sections": sections,
        "total": total,
        "answered": done,
        "percent": round(100 * done / total) if total else 0,
    }
