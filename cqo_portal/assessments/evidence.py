"""Evidence files attached to answers, and the review of a question's evidence.

While an assessment is editable its officers attach files to answers (each with the date the
evidence applies to) and remove the ones added since the last submission. Once handed in, the
files are read-only; a reviewer (a regulator of the enterprise's city; examiners later, the role
is recorded) marks a question's evidence sufficient or asking for more, and the enterprise
responds, with a comment and perhaps a further file. Review rows are only ever added.

Each function is one unit of work: it flushes and audits; the view commits (inside
`uploads.removed_unless_committed()`, so a failed commit leaves no file behind).
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cqo_portal import audit, uploads
from cqo_portal.assessments import services
from cqo_portal.extensions import db
from cqo_portal.models import (
    Assessment,
    AssessmentStatus,
    EvidenceFile,
    EvidenceKind,
    EvidenceReview,
    EvidenceVerdict,
    User,
)
from cqo_portal.models.base import utcnow

CATEGORY = "evidence"
MAX_COMMENT = 2000
#: What an evidence file may be (checked from its content).
EVIDENCE_MIMES = uploads.DOCUMENT_MIMES | uploads.OFFICE_MIMES


class EvidenceError(ValueError):
    """The change is not possible; `field` names the form field the message belongs to."""

    def __init__(self, message: object, field: str = "file") -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def check_file(file, max_bytes: int | None = None) -> uploads.CheckedUpload:
    """An evidence file checked by content and size (raises uploads.UploadRefused)."""
    return uploads.check_upload(file, max_bytes, allowed=EVIDENCE_MIMES)


def parse_applies_on(raw: str | None) -> date:
    """The date the evidence applies to, from an ISO date field; not in the future."""
    raw = (raw or "").strip()
    if not raw:
        raise EvidenceError(_l("Give the date the evidence applies to."), "date")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise EvidenceError(_l("Enter the date as YYYY-MM-DD."), "date") from None
    if day > utcnow().date() or day.year < 1900:
        raise EvidenceError(_l("The date the evidence applies to cannot be in the future."), "date")
    return day


def _question_or_error(assessment: Assessment, question_id: str) -> str:
    q = services.questionnaire_of(assessment.questionnaire)
    try:
        q.question(question_id)
    except KeyError:
        raise EvidenceError(_l("Choose a question of this questionnaire."), "question") from None
    return question_id


def files_of(assessment: Assessment) -> list[EvidenceFile]:
    return list(
        db.session.scalars(
            select(EvidenceFile)
            .where(EvidenceFile.assessment_id == assessment.id)
            .order_by(EvidenceFile.id)
        )
    )


def reviews_of(assessment: Assessment) -> list[EvidenceReview]:
    return list(
        db.session.scalars(
            select(EvidenceReview)
            .where(EvidenceReview.assessment_id == assessment.id)
            .order_by(EvidenceReview.id)
        )
    )


def open_questions(reviews: list[EvidenceReview]) -> set[str]:
    """Questions whose latest row is a verdict asking for more (awaiting the enterprise)."""
    latest: dict[str, EvidenceReview] = {}
    for r in reviews:
        latest[r.question_id] = r
    return {
        qid
        for qid, r in latest.items()
        if r.kind == EvidenceKind.REVIEW and r.verdict == EvidenceVerdict.NEEDS_MORE
    }


def _add_file(
    assessment: Assessment,
    question_id: str,
    upload: uploads.CheckedUpload,
    applies_on: date,
    user: User,
    review: EvidenceReview | None = None,
) -> EvidenceFile:
    row = EvidenceFile(
        assessment_id=assessment.id,
        question_id=question_id,
        original_name=upload.filename,
        stored_path=uploads.store(upload, CATEGORY),
        mime=upload.mime,
        size=upload.size,
        sha256=upload.sha256,
        applies_on=applies_on,
        uploaded_by_id=user.id,
        review_id=review.id if review is not None else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "evidence.attach",
        assessment,
        after={
            "file_id": row.id,
            "question_id": question_id,
            "name": row.original_name,
            "sha256": row.sha256,
            "applies_on": applies_on.isoformat(),
        },
        city_code=assessment.city_code,
        actor_id=user.id,
    )
    return row


def attach_file(
    assessment: Assessment,
    question_id: str,
    upload: uploads.CheckedUpload,
    applies_on: date,
    user: User,
) -> EvidenceFile:
    """Attach a checked file to an answer of an editable assessment."""
    if not assessment.is_editable:
        raise EvidenceError(_l("This assessment is submitted; its evidence files are read-only."))
    _question_or_error(assessment, question_id)
    row = _add_file(assessment, question_id, upload, applies_on, user)
    if assessment.status != AssessmentStatus.DRAFT:  # listed by the bureau: keep its count true
        services.refresh_unsupported_claims(assessment)
    return row


def can_remove(assessment: Assessment, file: EvidenceFile) -> bool:
    """Files the bureau has seen stay: only those added since the last submission go."""
    if not assessment.is_editable or file.review_id is not None:
        return False
    return assessment.submitted_at is None or file.uploaded_at > assessment.submitted_at


def remove_file(assessment: Assessment, file: EvidenceFile, user: User) -> str:
    """Remove a file from an editable assessment; returns the stored path to delete after commit."""
    if file.assessment_id != assessment.id or not can_remove(assessment, file):
        raise EvidenceError(_l("This file was handed in with the submission and stays."))
    path = file.stored_path
    audit.record(
        "evidence.remove",
        assessment,
        before={
            "file_id": file.id,
            "question_id": file.question_id,
            "name": file.original_name,
            "sha256": file.sha256,
        },
        city_code=assessment.city_code,
        actor_id=user.id,
    )
    db.session.delete(file)
    db.session.flush()
    if assessment.status != AssessmentStatus.DRAFT:
        services.refresh_unsupported_claims(assessment)
    return path


def _comment(raw: str | None, required: object | None) -> str:
    comment = (raw or "").strip()
    if len(comment) > MAX_COMMENT:
        raise EvidenceError(_l("The comment is too long."), "comment")
    if required is not None and not comment:
        raise EvidenceError(required, "comment")
    return comment


def review_evidence(
    assessment: Assessment, question_id: str, verdict: str, comment: str | None, reviewer: User
) -> EvidenceReview:
    """Record a reviewer's verdict on one question's evidence (authorization is the caller's)."""
    if assessment.status == AssessmentStatus.DRAFT:
        raise EvidenceError(_l("Only a handed-in submission can be reviewed."), "verdict")
    _question_or_error(assessment, question_id)
    try:
        kind = EvidenceVerdict(verdict or "")
    except ValueError:
        raise EvidenceError(
            _l("Choose whether the evidence is sufficient or more is needed."), "verdict"
        ) from None
    text = _comment(
        comment,
        _l("Say what evidence is missing.") if kind == EvidenceVerdict.NEEDS_MORE else None,
    )
    return _add_entry(
        assessment,
        question_id,
        EvidenceKind.REVIEW,
        kind,
        text,
        reviewer,
        "evidence.review",
        {"question_id": question_id, "verdict": kind.value, "comment": text},
    )


def _add_entry(
    assessment: Assessment,
    question_id: str,
    kind: EvidenceKind,
    verdict: EvidenceVerdict | None,
    comment: str | None,
    author: User,
    action: str,
    after: dict,
) -> EvidenceReview:
    """One entry of a question's evidence thread (a verdict or a response), audited."""
    row = EvidenceReview(
        assessment_id=assessment.id,
        question_id=question_id,
        kind=kind,
        verdict=verdict,
        comment=comment,
        author_id=author.id,
        author_role=author.role.value,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        action, assessment, after=after, city_code=assessment.city_code, actor_id=author.id
    )
    return row


def respond(
    assessment: Assessment,
    question_id: str,
    comment: str | None,
    user: User,
    upload: uploads.CheckedUpload | None = None,
    applies_on: date | None = None,
) -> EvidenceReview:
    """The enterprise's answer to a verdict asking for more evidence, perhaps with a file."""
    if question_id not in open_questions(reviews_of(assessment)):
        raise EvidenceError(
            _l("No request for more evidence is open on this question."), "question"
        )
    text = _comment(comment, _l("Say what you add or why the evidence suffices."))
    if upload is not None and applies_on is None:
        raise EvidenceError(_l("Give the date the evidence applies to."), "date")
    row = _add_entry(
        assessment,
        question_id,
        EvidenceKind.RESPONSE,
        None,
        text,
        user,
        "evidence.respond",
        {"question_id": question_id, "comment": text},
    )
    if upload is not None and applies_on is not None:
        _add_file(assessment, question_id, upload, applies_on, user, review=row)
        services.refresh_unsupported_claims(assessment)
    return row
