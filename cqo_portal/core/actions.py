"""Improvement actions: when one is overdue, how a jurisdiction's actions add up, and whether an
action was effective (ISO 9001 10.2) judged by its question's score in the next assessment.

Pure: plain values in, plain values out (no Flask, no database). Statuses are the strings
"planned", "in_progress", "done" and "dropped".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .scoring import Result

PLANNED = "planned"
IN_PROGRESS = "in_progress"
DONE = "done"
DROPPED = "dropped"
OPEN_STATUSES = (PLANNED, IN_PROGRESS)

#: Verdicts of the effectiveness comparison.
IMPROVED = "improved"
UNCHANGED = "unchanged"
WORSE = "worse"
NOT_COMPARABLE = "not_comparable"

#: Score-rate changes smaller than this (in fractions of the question's maximum) count as unchanged.
_EPSILON = 1e-9


def is_overdue(status: str, due_on: date | None, today: date) -> bool:
    """An open action whose due day is over. ``today`` is the local day (the portal's time zone),
    so an action due today is not overdue yet; done and dropped actions never are."""
    return status in OPEN_STATUSES and due_on is not None and due_on < today


@dataclass(frozen=True)
class ActionCounts:
    """How many actions a group (an enterprise, a city, a jurisdiction) has, by outcome.

    The rates are shares of the actions that were kept (dropped ones are left out): completion =
    done ÷ kept, overdue = overdue ÷ kept; None when nothing is kept."""

    total: int = 0
    done: int = 0
    dropped: int = 0
    overdue: int = 0

    @property
    def kept(self) -> int:
        return self.total - self.dropped

    @property
    def open(self) -> int:
        return self.kept - self.done

    @property
    def completion_rate(self) -> float | None:
        return self.done / self.kept if self.kept else None

    @property
    def overdue_rate(self) -> float | None:
        return self.overdue / self.kept if self.kept else None

    def __add__(self, other: ActionCounts) -> ActionCounts:
        return ActionCounts(
            self.total + other.total,
            self.done + other.done,
            self.dropped + other.dropped,
            self.overdue + other.overdue,
        )


def count_actions(rows: Iterable[tuple[str, bool, int]]) -> ActionCounts:
    """Sum rows of (status, past due, number of actions) — a GROUP BY's output, where "past due"
    is ``due_on < today`` for the local day — into counts."""
    total = done = dropped = overdue = 0
    for status, past_due, n in rows:
        total += n
        if status == DONE:
            done += n
        elif status == DROPPED:
            dropped += n
        elif status in OPEN_STATUSES and past_due:
            overdue += n
    return ActionCounts(total, done, dropped, overdue)


@dataclass(frozen=True)
class ActionInput:
    """What the comparison needs of one action."""

    action_id: int
    question_id: str
    status: str


@dataclass(frozen=True)
class Effect:
    """An action's question before (the assessment it was planned from) and after (this one)."""

    action_id: int
    question_id: str
    points_before: float | None
    max_before: float | None
    points_after: float | None
    max_after: float | None
    verdict: str


def _score(
    result: Result | None, question_id: str
) -> tuple[float | None, float | None, float | None]:
    qs = result.questions.get(question_id) if result is not None else None
    if qs is None or qs.na or qs.fraction is None or not qs.max_points:
        return (qs.points if qs else None), (qs.max_points if qs else None), None
    return qs.points, qs.max_points, qs.fraction


def effectiveness(
    previous: Result | None, current: Result | None, actions: Iterable[ActionInput]
) -> list[Effect]:
    """For each action, its question's points in ``previous`` and ``current`` and a verdict:
    improved / unchanged / worse on the question's score rate (so a changed maximum, e.g. from
    N/A answers elsewhere, does not count), or not comparable when either side has no score
    (missing, unanswered or not applicable)."""
    out = []
    for a in actions:
        pb, mb, fb = _score(previous, a.question_id)
        pa, ma, fa = _score(current, a.question_id)
        if fb is None or fa is None:
            verdict = NOT_COMPARABLE
        elif fa > fb + _EPSILON:
            verdict = IMPROVED
        elif fa < fb - _EPSILON:
            verdict = WORSE
        else:
            verdict = UNCHANGED
        out.append(Effect(a.action_id, a.question_id, pb, mb, pa, ma, verdict))
    return out
