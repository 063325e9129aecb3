"""Writes (one service per change, each audited, the caller commits) and reads of improvement
actions: the board, the overdue count, the bureau's completion and overdue rates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from cqo_portal import audit
from cqo_portal.authz import scope_to_jurisdiction
from cqo_portal.core.actions import ActionCounts, count_actions, is_overdue
from cqo_portal.extensions import db
from cqo_portal.models import (
    ActionNote,
    ActionStatus,
    Assessment,
    Enterprise,
    ImprovementAction,
    User,
)
from cqo_portal.web import local_today

#: Status changes an officer may make (a note alone keeps the status). Done can be reopened and a
#: dropped action taken up again; nothing jumps back to "planned" once work has started.
TRANSITIONS: dict[ActionStatus, tuple[ActionStatus, ...]] = {
    ActionStatus.PLANNED: (ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.DROPPED),
    ActionStatus.IN_PROGRESS: (ActionStatus.DONE, ActionStatus.DROPPED),
    ActionStatus.DONE: (ActionStatus.IN_PROGRESS,),
    ActionStatus.DROPPED: (ActionStatus.PLANNED,),
}

OPEN = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


def overdue(action: ImprovementAction, today: date | None = None) -> bool:
    return is_overdue(action.status.value, action.due_on, today or local_today())


class InvalidTransition(ValueError):
    """The status change is not one of TRANSITIONS (a stale page, a forged form)."""


@dataclass(frozen=True)
class ActionFields:
    title: str
    owner_name: str
    due_on: date
    expected_effect: str


def _snapshot(action: ImprovementAction) -> dict:
    return {
        "title": action.title,
        "owner_name": action.owner_name,
        "due_on": action.due_on.isoformat(),
        "expected_effect": action.expected_effect,
        "status": action.status.value,
    }


def create_action(
    assessment: Assessment, question_id: str, fields: ActionFields, user: User
) -> ImprovementAction:
    """A new planned action for one question of a scored submission."""
    action = ImprovementAction(
        enterprise_id=assessment.enterprise_id,
        assessment_id=assessment.id,
        questionnaire_key=assessment.questionnaire_key,
        question_id=question_id,
        title=fields.title,
        owner_name=fields.owner_name,
        due_on=fields.due_on,
        expected_effect=fields.expected_effect,
        status=ActionStatus.PLANNED,
        created_by_id=user.id,
    )
    db.session.add(action)
    db.session.flush()
    audit.record(
        "action.create",
        action,
        after={**_snapshot(action), "assessment_id": assessment.id, "question_id": question_id},
        city_code=assessment.enterprise.city_code,
        actor_id=user.id,
    )
    return action


def update_action(action: ImprovementAction, fields: ActionFields, user: User) -> None:
    before = _snapshot(action)
    action.title = fields.title
    action.owner_name = fields.owner_name
    action.due_on = fields.due_on
    action.expected_effect = fields.expected_effect
    after = _snapshot(action)
    if after != before:
        audit.record(
            "action.edit",
            action,
            before=before,
            after=after,
            city_code=action.enterprise.city_code,
            actor_id=user.id,
        )


def change_status(
    action: ImprovementAction, status: ActionStatus, note: str, user: User
) -> ActionNote:
    """Move the action to ``status`` (or keep it, for a progress note alone) with a dated note.
    Done records today's local date as the completion day; reopening clears it."""
    before = action.status
    if status != before and status not in TRANSITIONS[before]:
        raise InvalidTransition(f"{before.value} -> {status.value}")
    action.status = status
    if status == ActionStatus.DONE and before != ActionStatus.DONE:
        action.completed_on = local_today()
    elif status != ActionStatus.DONE:
        action.completed_on = None
    entry = ActionNote(action=action, status_after=status, note=note, author_id=user.id)
    db.session.add(entry)
    audit.record(
        "action.status" if status != before else "action.note",
        action,
        before={"status": before.value},
        after={"status": status.value, "note": note},
        city_code=action.enterprise.city_code,
        actor_id=user.id,
    )
    return entry


# --- reads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    action: ImprovementAction
    overdue: bool


def board(
    enterprise_id: int, status: str = "", *, overdue_only: bool = False, with_notes: bool = False
) -> list[BoardRow]:
    """The enterprise's actions by due day (then id), optionally one status or only overdue;
    each with its source submission's questionnaire loaded (and its notes, ``with_notes``)."""
    today = local_today()
    loads = [selectinload(ImprovementAction.assessment).selectinload(Assessment.questionnaire)]
    if with_notes:
        loads.append(selectinload(ImprovementAction.notes))
    stmt = (
        select(ImprovementAction)
        .where(ImprovementAction.enterprise_id == enterprise_id)
        .options(*loads)
    )
    if overdue_only:
        stmt = stmt.where(ImprovementAction.status.in_(OPEN), ImprovementAction.due_on < today)
    elif status:
        stmt = stmt.where(ImprovementAction.status == ActionStatus(status))
    stmt = stmt.order_by(ImprovementAction.due_on, ImprovementAction.id)
    return [BoardRow(a, overdue(a, today)) for a in db.session.scalars(stmt)]


def planned_from(assessment_id: int) -> list[ImprovementAction]:
    """The actions planned from one submission, oldest first (its result page's plan shows them)."""
    return list(
        db.session.scalars(
            select(ImprovementAction)
            .where(ImprovementAction.assessment_id == assessment_id)
            .order_by(ImprovementAction.id)
        )
    )


def overdue_count(enterprise_id: int) -> int:
    """The enterprise's overdue actions: one count on the board's index."""
    return db.session.scalar(
        select(func.count())
        .select_from(ImprovementAction)
        .where(
            ImprovementAction.enterprise_id == enterprise_id,
            ImprovementAction.status.in_(OPEN),
            ImprovementAction.due_on < local_today(),
        )
    )


def actions_for_draft(
    enterprise_id: int, questionnaire_key: str
) -> dict[str, list[ImprovementAction]]:
    """Actions to show beside their questions while a new assessment is filled: every open
    action of this questionnaire, and the done ones planned from the latest submission."""
    latest = db.session.scalar(
        select(func.max(ImprovementAction.assessment_id)).where(
            ImprovementAction.enterprise_id == enterprise_id,
            ImprovementAction.questionnaire_key == questionnaire_key,
        )
    )
    stmt = (
        select(ImprovementAction)
        .where(
            ImprovementAction.enterprise_id == enterprise_id,
            ImprovementAction.questionnaire_key == questionnaire_key,
            ImprovementAction.status.in_(OPEN)
            | (
                (ImprovementAction.status == ActionStatus.DONE)
                & (ImprovementAction.assessment_id == latest)
            ),
        )
        .order_by(ImprovementAction.due_on, ImprovementAction.id)
    )
    out: dict[str, list[ImprovementAction]] = {}
    for a in db.session.scalars(stmt):
        out.setdefault(a.question_id, []).append(a)
    return out


def _count_columns(today: date) -> tuple:
    """How many actions a (group, status) row holds, and how many of them are past their day."""
    past_due = case((ImprovementAction.due_on < today, 1), else_=0)
    return func.count(), func.sum(past_due)


def _counts(rows: Iterable) -> dict:
    """{group key: ActionCounts} from rows of (key, status, n, n past due)."""
    grouped: dict = {}
    for key, status, n, n_past in rows:
        n_past = int(n_past or 0)
        items = grouped.setdefault(key, [])
        items += [(status.value, True, n_past), (status.value, False, n - n_past)]
    return {key: count_actions(items) for key, items in grouped.items()}


def counts_by_enterprise(enterprise_ids: list[int]) -> dict[int, ActionCounts]:
    """Completion and overdue figures of the given enterprises (one GROUP BY on the index)."""
    if not enterprise_ids:
        return {}
    rows = db.session.execute(
        select(
            ImprovementAction.enterprise_id,
            ImprovementAction.status,
            *_count_columns(local_today()),
        )
        .where(ImprovementAction.enterprise_id.in_(enterprise_ids))
        .group_by(ImprovementAction.enterprise_id, ImprovementAction.status)
    ).all()
    return _counts(rows)


def counts_by_city(user: User) -> dict[str, ActionCounts]:
    """Completion and overdue figures per city of the user's jurisdiction (the enterprise's city)."""
    stmt = (
        select(Enterprise.city_code, ImprovementAction.status, *_count_columns(local_today()))
        .join(Enterprise, Enterprise.id == ImprovementAction.enterprise_id)
        .group_by(Enterprise.city_code, ImprovementAction.status)
    )
    rows = db.session.execute(scope_to_jurisdiction(stmt, user)).all()
    return _counts(rows)


def total(counts: Iterable[ActionCounts]) -> ActionCounts:
    out = ActionCounts()
    for c in counts:
        out = out + c
    return out


def rates(counts: ActionCounts) -> dict:
    """The figures of one group as plain values (rates rounded to 4 places, None when no kept
    action): what the dashboard's tables and the data API show."""

    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 4)

    return {
        "total": counts.total,
        "done": counts.done,
        "dropped": counts.dropped,
        "overdue": counts.overdue,
        "completion_rate": r(counts.completion_rate),
        "overdue_rate": r(counts.overdue_rate),
    }
