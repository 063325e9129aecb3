"""Write audit events inside the caller's transaction (append-only: nothing updates or deletes them)."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from cqo_portal.extensions import db
from cqo_portal.models import AuditEvent


def record(
    action: str,
    obj: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    city_code: str | None = None,
    actor_id: int | None = None,
) -> AuditEvent:
    """Add an audit event for a state change of `obj`; flushed with the caller's unit of work."""
    if actor_id is None and has_request_context() and current_user.is_authenticated:
        actor_id = current_user.id
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        city_code=city_code,
        before=before,
        after=after,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
