"""The one authorization policy: who may do what to which object.

Views call `require(action, obj)`; queries that list objects call `visible_city_codes(user)`.
Objects outside a user's reach answer 404 (not 403) so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from cqo_portal.models import (
    ApplicationStatus,
    Assessment,
    AssessmentStatus,
    AwardApplication,
    AwardRound,
    CQORegistration,
    CQOStatus,
    Enterprise,
    ImprovementAction,
    Report,
    Role,
    SafetyFiling,
    User,
)
from cqo_portal.reference import PROVINCE_CODE, covers


def _enterprise_of(obj: Any) -> Enterprise | None:
    if isinstance(obj, Enterprise):
        return obj
    if isinstance(obj, Assessment | CQORegistration | ImprovementAction | SafetyFiling):
        return obj.enterprise
    if isinstance(obj, Report):
        return obj.assessment.enterprise
    if isinstance(obj, AwardApplication):
        return obj.enterprise
    return None


def is_member(user: User, enterprise: Enterprise | None) -> bool:
    return bool(
        enterprise is not None and user.role == Role.OFFICER and user.enterprise_id == enterprise.id
    )


def in_jurisdiction(user: User, enterprise: Enterprise | None) -> bool:
    return bool(
        enterprise is not None
        and user.role == Role.REGULATOR
        and covers(user.jurisdiction_code, enterprise.city_code)
    )


def is_private_draft(user: User, obj: Any) -> bool:
    """A CQO registration or an assessment still in draft belongs to its enterprise alone
    (regulators see filings and submissions, not work in progress)."""
    draft = (
        (isinstance(obj, CQORegistration) and obj.status == CQOStatus.DRAFT)
        or (isinstance(obj, Assessment) and obj.status == AssessmentStatus.DRAFT)
        or (isinstance(obj, AwardApplication) and obj.status == ApplicationStatus.DRAFT)
    )
    return draft and not is_member(user, obj.enterprise)


def visible_city_codes(user: User) -> set[str] | None:
    """Cities whose records the user may list: None means all (provincial regulator, admin)."""
    if user.role == Role.ADMIN:
        return None
    if user.role == Role.REGULATOR:
        return None if user.jurisdiction_code == PROVINCE_CODE else {user.jurisdiction_code or ""}
    return set()


def scope_to_jurisdiction(stmt: Any, user: User, city_column: Any = None) -> Any:
    """Restrict a select to the cities the user may list: by Enterprise.city_code (the select
    joins Enterprise) or by the given column, such as Assessment.city_code (the enterprise's
    city copied onto its assessments, which the submission lists filter without a join)."""
    cities = visible_city_codes(user)
    if cities is not None:
        column = Enterprise.city_code if city_column is None else city_column
        stmt = stmt.where(column.in_(sorted(cities)))
    return stmt


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Decide whether `user` may perform `action` on `obj`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = user.role
    ent = _enterprise_of(obj)
    if action == "admin":
        return role == Role.ADMIN
    if action == "regulator.workspace":
        return role == Role.REGULATOR and bool(user.jurisdiction_code)
    if action in {"enterprise.register", "enterprise.join"}:
        return role == Role.OFFICER and user.enterprise_id is None
    if action in {
        "enterprise.edit",
        "enterprise.invite",
        "cqo.edit",
        "assessment.create",
        "action.edit",  # improvement actions: the enterprise's own officers plan and update them
    }:
        return is_member(user, ent)
    if action == "assessment.edit":
        return is_member(user, ent) and obj.is_editable
    if action == "assessment.discard":  # a draft never handed in; submissions are kept
        return is_member(user, ent) and obj.status == AssessmentStatus.DRAFT
    if action in {
        "enterprise.view",
        "cqo.view",
        "assessment.view",
        "report.download",
        "action.view",
    }:
        return (is_member(user, ent) or in_jurisdiction(user, ent)) and not is_private_draft(
            user, obj
        )
    if action in {"cqo.decide", "assessment.review"}:
        return in_jurisdiction(user, ent) and not is_private_draft(user, obj)
    # Evidence files and their review (obj: the assessment). A verdict on a question's evidence
    # may be given on any handed-in submission; the enterprise responds to it.
    if action == "evidence.download":
        return role == Role.ADMIN or (
            (is_member(user, ent) or in_jurisdiction(user, ent)) and not is_private_draft(user, obj)
        )
    if action == "evidence.review":
        return in_jurisdiction(user, ent) and not is_private_draft(user, obj)
    if action == "evidence.respond":
        return is_member(user, ent) and obj.status != AssessmentStatus.DRAFT
    # Quality-safety duties (obj: the enterprise or its director filing): the enterprise keeps
    # its records; the bureaus over its city see them and decide on the filing.
    if action == "safety.edit":
        return is_member(user, ent)
    if action == "safety.view":
        return is_member(user, ent) or in_jurisdiction(user, ent)
    if action == "safety.decide":
        return in_jurisdiction(user, ent)
    if action.startswith("award."):
        return _award_can(user, action, obj)
    raise ValueError(f"unknown action {action!r}")


def assignment_of(user: User, application: AwardApplication) -> Any:
    """The examiner's assignment to this application, or None."""
    if user.role != Role.EXAMINER:
        return None
    return next((a for a in application.assignments if a.examiner_id == user.id), None)


def _award_can(user: User, action: str, obj: Any) -> bool:
    """Rounds, applications, examiners' work and feedback (cqo_portal.award)."""
    role = user.role
    if action == "award.open_round":
        return role == Role.ADMIN
    if action == "award.rounds":  # the bureau's round pages (a city bureau sees its city's rows)
        return role == Role.ADMIN or (role == Role.REGULATOR and bool(user.jurisdiction_code))
    if action == "award.release":  # obj: the round; the provincial bureau releases results
        return (
            role == Role.REGULATOR
            and user.jurisdiction_code == PROVINCE_CODE
            and isinstance(obj, AwardRound)
            and obj.is_award
            and obj.released_at is None
        )
    if action == "award.examiner":
        return role == Role.EXAMINER
    if action == "award.apply":  # obj: the round
        return (
            role == Role.OFFICER
            and user.enterprise is not None
            and isinstance(obj, AwardRound)
            and obj.admits(user.enterprise)
        )
    ent = _enterprise_of(obj)
    if action == "award.view":  # an application: its officers, its bureau, its examiners
        return (
            is_member(user, ent)
            or in_jurisdiction(user, ent)
            or assignment_of(user, obj) is not None
        ) and not is_private_draft(user, obj)
    if action == "award.self_report":  # it shows the self-scores: examiners per round setting
        assignment = assignment_of(user, obj)
        return (
            (is_member(user, ent) or in_jurisdiction(user, ent)) and not is_private_draft(user, obj)
        ) or (assignment is not None and obj.round.examiners_see_self_score)
    if action == "award.edit":
        return is_member(user, ent) and obj.status == ApplicationStatus.DRAFT
    submitted_award = (
        isinstance(obj, AwardApplication)
        and obj.status == ApplicationStatus.SUBMITTED
        and obj.round.is_award
    )
    if action == "award.assign":
        return submitted_award and in_jurisdiction(user, ent) and obj.round.released_at is None
    if action == "award.declare":  # an examiner's conflict declaration, before any assignment
        return submitted_award and role == Role.EXAMINER and obj.round.released_at is None
    if action == "award.score":
        return submitted_award and assignment_of(user, obj) is not None
    if action == "award.consensus":
        assignment = assignment_of(user, obj) if submitted_award else None
        return assignment is not None and assignment.is_lead and obj.round.released_at is None
    # Nothing from the examiners reaches the enterprise before the release.
    if action == "award.feedback":
        return (
            submitted_award
            and (is_member(user, ent) or in_jurisdiction(user, ent))
            and obj.round.released_at is not None
            and obj.consensus_points is not None
        )
    raise ValueError(f"unknown action {action!r}")


def visible(user: Any, obj: Any) -> bool:
    """Whether the object exists for this user at all (else 404)."""
    ent = _enterprise_of(obj)
    if ent is None or is_private_draft(user, obj):
        return False
    if isinstance(obj, AwardApplication) and assignment_of(user, obj) is not None:
        return True
    return is_member(user, ent) or in_jurisdiction(user, ent)


# Actions an administrator may take on objects outside any enterprise or jurisdiction of theirs.
ADMIN_READS = frozenset({"evidence.download"})
# Actions on an object the user cannot open: an examiner declares conflicts on applications
# before being assigned to any of them.
UNSEEN_ACTIONS = ADMIN_READS | {"award.declare"}


def require(action: str, obj: Any = None) -> None:
    """Abort with 404 when the object is not visible to the user, 403 when the action is refused."""
    if (
        obj is not None
        and _enterprise_of(obj) is not None
        and not visible(current_user, obj)
        and not (action in UNSEEN_ACTIONS and can(current_user, action, obj))
    ):
        abort(404)
    if not can(current_user, action, obj):
        abort(403)


def role_required(action: str) -> Callable:
    """Decorator for views guarded by an object-free action, e.g. 'admin'."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from cqo_portal.extensions import login_manager

                return login_manager.unauthorized()
            require(action)
            return view(*args, **kwargs)

        return wrapped

    return decorator
