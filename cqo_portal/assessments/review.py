"""The bureau's review of a submission: accept it, or return it with a comment for the officer.

Transitions: submitted -> accepted, submitted -> returned. A returned submission is editable again
by the enterprise's officers; resubmitting makes it `submitted` and reviewable once more.
Accepted is final. Each decision is one unit of work: it flushes and audits; the view commits.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from cqo_portal import audit, rollups
from cqo_portal.extensions import db
from cqo_portal.models import Assessment, AssessmentStatus, User
from cqo_portal.models.base import utcnow

MAX_COMMENT = 2000
DECISIONS = {"accept": AssessmentStatus.ACCEPTED, "return": AssessmentStatus.RETURNED}


class ReviewError(ValueError):
    """The decision is not possible; `field` names the form field the message belongs to."""

    def __init__(self, message: object, field: str = "decision") -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def can_be_reviewed(assessment: Assessment) -> bool:
    return assessment.status == AssessmentStatus.SUBMITTED


def review_submission(
    assessment: Assessment, reviewer: User, decision: str, comment: str | None
) -> Assessment:
    """Accept or return a submitted assessment; returning needs a comment the officer will read.

    Authorization (`assessment.review`) is the caller's job, as everywhere; this enforces the
    workflow. Raises ReviewError (a translatable message) when the decision is not allowed.
    """
    new_status = DECISIONS.get(decision)
    if new_status is None:
        raise ReviewError(_l("Choose to accept or to return the submission."))
    # Two reviewers deciding at once: the second waits for the first, then sees its decision.
    db.session.refresh(assessment, with_for_update=True)
    if not can_be_reviewed(assessment):
        raise ReviewError(_l("Only a submission awaiting review can be accepted or returned."))
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ReviewError(_l("The comment is too long."), field="comment")
    if new_status == AssessmentStatus.RETURNED and not comment:
        raise ReviewError(
            _l("Say what the enterprise should change before it resubmits."), "comment"
        )
    before = {
        "status": assessment.status.value,
        "review_comment": assessment.review_comment,
    }
    assessment.status = new_status
    assessment.review_comment = comment or None
    assessment.reviewed_by_id = reviewer.id
    assessment.reviewed_at = utcnow()
    db.session.flush()
    rollups.refresh(db.session, [(assessment.city_code, assessment.enterprise_id)])
    audit.record(
        f"assessment.{decision}",
        assessment,
        before=before,
        after={"status": new_status.value, "review_comment": assessment.review_comment},
        city_code=assessment.enterprise.city_code,
        actor_id=reviewer.id,
    )
    return assessment
