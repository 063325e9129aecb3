"""The append-only audit trail of state changes.

Append-only is enforced in the ORM: updating or deleting an event (one object or a bulk
statement) raises, so no code path of the portal can rewrite history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from cqo_portal.extensions import db
from cqo_portal.models.base import created_at_column


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = created_at_column()
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    # Region of the object, so regulators browse the trail of their jurisdiction only.
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete a recorded audit event."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(_mapper: Any, _conn: Any, target: AuditEvent) -> None:
    raise AuditTrailIsAppendOnly(f"audit event {target.id} cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(_mapper: Any, _conn: Any, target: AuditEvent) -> None:
    raise AuditTrailIsAppendOnly(f"audit event {target.id} cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    """ORM bulk UPDATE/DELETE statements bypass the mapper events: refuse them too."""
    if (state.is_update or state.is_delete) and any(
        m.class_ is AuditEvent for m in state.all_mappers
    ):
        raise AuditTrailIsAppendOnly("audit events cannot be changed or deleted")
