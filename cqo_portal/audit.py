"""Write audit events inside the caller's transaction (append-only: nothing updates or deletes them),
and read them back for the admin and regulator audit pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
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


PAGE_SIZE = 50


@dataclass
class AuditFilter:
    """What the audit pages filter on; parsed leniently from the query string (bad values ignored)."""

    action: str = ""
    object_type: str = ""
    object_id: int | None = None
    actor: str = ""
    city: str = ""
    since: date | None = None
    until: date | None = None
    before_id: int | None = None  # keyset cursor: the last id of the previous page

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditFilter:
        def number(name: str) -> int | None:
            raw = (args.get(name) or "").strip()
            return int(raw) if raw.isdigit() and len(raw) < 12 else None

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat((args.get(name) or "").strip())
            except ValueError:
                return None

        city = (args.get("city") or "").strip()
        return cls(
            action=(args.get("action") or "").strip()[:60],
            object_type=(args.get("object_type") or "").strip()[:40],
            object_id=number("object_id"),
            actor=(args.get("actor") or "").strip()[:254],
            city=city if city.isdigit() and len(city) == 6 else "",
            since=day("since"),
            until=day("until"),
            before_id=number("before"),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        data = {
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "actor": self.actor,
            "city": self.city,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        data.update(changes)
        return {k: v for k, v in data.items() if v not in ("", None)}


@dataclass
class AuditPage:
    rows: list[tuple[AuditEvent, str | None]] = field(default_factory=list)  # (event, actor e-mail)
    next_before: int | None = None


def browse(flt: AuditFilter, cities: set[str] | None) -> AuditPage:
    """Newest events first, PAGE_SIZE at a time; `cities` None means every region (admin, province).

    A regulator's trail holds only events whose city_code is in their jurisdiction.
    """
    from sqlalchemy import select

    from cqo_portal.models import User

    stmt = select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
    if cities is not None:
        stmt = stmt.where(AuditEvent.city_code.in_(cities))
    if flt.action:
        stmt = stmt.where(AuditEvent.action == flt.action)
    if flt.object_type:
        stmt = stmt.where(AuditEvent.object_type == flt.object_type)
    if flt.object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == flt.object_id)
    if flt.actor:
        stmt = stmt.where(User.email == flt.actor.lower())
    if flt.city:
        stmt = stmt.where(AuditEvent.city_code == flt.city)
    if flt.since:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(flt.since, time.min, UTC))
    if flt.until:
        stmt = stmt.where(
            AuditEvent.at < datetime.combine(flt.until + timedelta(days=1), time.min, UTC)
        )
    if flt.before_id is not None:
        stmt = stmt.where(AuditEvent.id < flt.before_id)
    rows = [
        (ev, email)
        for ev, email in db.session.execute(
            stmt.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)
        )
    ]
    page = AuditPage(rows=rows[:PAGE_SIZE])
    if len(rows) > PAGE_SIZE:
        page.next_before = rows[PAGE_SIZE - 1][0].id
    return page


def actions(cities: set[str] | None = None) -> list[str]:
    """The distinct actions recorded so far (within `cities` when given), for the filter."""
    from sqlalchemy import select

    stmt = select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    if cities is not None:
        stmt = stmt.where(AuditEvent.city_code.in_(cities))
    return list(db.session.scalars(stmt))
