"""Improvement actions planned from a scored submission's plan step, and their dated progress notes."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cqo_portal.extensions import db
from cqo_portal.models.base import created_at_column

if TYPE_CHECKING:
    from cqo_portal.models.assessments import Assessment
    from cqo_portal.models.enterprises import Enterprise


class ActionStatus(enum.StrEnum):
    """The values are cqo_portal.core.actions' status strings."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


def _status_enum() -> Enum:
    return Enum(
        ActionStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )


class ImprovementAction(db.Model):
    """One change an enterprise commits to, for one question of the questionnaire it answered."""

    __tablename__ = "improvement_actions"
    __table_args__ = (
        # The board (an enterprise's actions by status and due day), the overdue count in the
        # navigation bar and the bureau's GROUP BY per enterprise all read this index alone.
        Index("ix_improvement_actions_board", "enterprise_id", "status", "due_on"),
        # The actions planned from one submission (the next cycle's effectiveness comparison).
        Index("ix_improvement_actions_source", "assessment_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    #: The submission whose plan step the action was created from.
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    questionnaire_key: Mapped[str] = mapped_column(String(50))
    question_id: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(200))
    owner_name: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date] = mapped_column(Date)
    expected_effect: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ActionStatus] = mapped_column(_status_enum(), default=ActionStatus.PLANNED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    completed_on: Mapped[date | None] = mapped_column(Date)

    enterprise: Mapped[Enterprise] = relationship()
    assessment: Mapped[Assessment] = relationship()
    notes: Mapped[list[ActionNote]] = relationship(
        back_populates="action", cascade="all, delete-orphan", order_by="ActionNote.id"
    )


class ActionNote(db.Model):
    """A dated progress note, written with every status change (and on its own)."""

    __tablename__ = "action_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("improvement_actions.id", ondelete="CASCADE"), index=True
    )
    status_after: Mapped[ActionStatus] = mapped_column(_status_enum())
    note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    action: Mapped[ImprovementAction] = relationship(back_populates="notes")
