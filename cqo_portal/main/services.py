"""What each role should do next: the plain values the dashboards show (queries only, no writes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from cqo_portal.assessments import services as assessment_services
from cqo_portal.cqo import services as cqo_services
from cqo_portal.extensions import db
from cqo_portal.models import (
    Assessment,
    AssessmentStatus,
    CQORegistration,
    CQOStatus,
    Enterprise,
    QuestionnaireStatus,
    QuestionnaireVersion,
    Role,
    User,
)


@dataclass(frozen=True)
class OfficerOverview:
    """The enterprise's standing on the two tasks an officer has: the CQO filing and self-assessment.

    `next_step` names the one thing to do now: "cqo_returned", "cqo_new", "cqo_draft",
    "assessment_returned", "assessment_continue", "assessment_start", "read_result" or "cqo_waiting".
    """

    current_cqo: CQORegistration | None
    open_cqo: CQORegistration | None
    open_assessment: Assessment | None
    open_progress: int
    latest_result: Assessment | None
    assessments: list[Assessment]
    next_step: str


def officer_overview(ent: Enterprise) -> OfficerOverview:
    current = cqo_services.current_cqo(ent)
    open_reg = cqo_services.open_registration(ent)
    assessments = sorted(ent.assessments, key=lambda a: a.id, reverse=True)
    editable = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)
    open_assessment = next((a for a in assessments if a.status in editable), None)
    latest_result = next(
        (a for a in assessments if a.status not in editable and a.result is not None), None
    )
    percent = 0
    if open_assessment is not None:
        q = assessment_services.questionnaire_of(open_assessment.questionnaire)
        answers = assessment_services.answers_of(open_assessment, q)
        percent = assessment_services.progress(q, answers)["percent"]

    if open_reg is not None and open_reg.status == CQOStatus.RETURNED:
        step = "cqo_returned"
    elif current is None and open_reg is None:
        step = "cqo_new"
    elif open_reg is not None and open_reg.status == CQOStatus.DRAFT:
        step = "cqo_draft"
    elif open_assessment is not None and open_assessment.status == AssessmentStatus.RETURNED:
        step = "assessment_returned"
    elif open_assessment is not None:
        step = "assessment_continue"
    elif latest_result is None:
        step = "assessment_start"
    elif current is None:
        step = "cqo_waiting"
    else:
        step = "read_result"
    return OfficerOverview(
        current_cqo=current,
        open_cqo=open_reg,
        open_assessment=open_assessment,
        open_progress=percent,
        latest_result=latest_result,
        assessments=assessments,
        next_step=step,
    )


def admin_overview() -> dict[str, Any]:
    """Counts the administrator's landing page shows, each with the page that acts on it."""
    by_role = dict(
        db.session.execute(
            select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role)
        ).all()
    )
    by_status = dict(
        db.session.execute(
            select(QuestionnaireVersion.status, func.count()).group_by(QuestionnaireVersion.status)
        ).all()
    )
    return {
        "regulators": by_role.get(Role.REGULATOR, 0),
        "officers": by_role.get(Role.OFFICER, 0),
        "admins": by_role.get(Role.ADMIN, 0),
        "inactive": db.session.scalar(
            select(func.count()).select_from(User).where(User.active.is_(False))
        ),
        "enterprises": db.session.scalar(select(func.count()).select_from(Enterprise)),
        "published": by_status.get(QuestionnaireStatus.PUBLISHED, 0),
        "drafts": by_status.get(QuestionnaireStatus.DRAFT, 0),
    }
