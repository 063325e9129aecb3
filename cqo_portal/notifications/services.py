"""What an enterprise has due or overdue (computed from its records, never stored) and its
unread notices; the navigation bar's count is read once per request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from cqo_portal.core import safety as calc
from cqo_portal.extensions import db
from cqo_portal.models import (
    CQOCertificate,
    CQORegistration,
    CQOStatus,
    Enterprise,
    MonthlyMinute,
    Notification,
    SafetyScope,
    WeeklyReport,
)
from cqo_portal.models.base import utcnow

#: A certificate shows as expiring this many days ahead of its expiry date.
EXPIRY_NOTICE_DAYS = 60


@dataclass(frozen=True)
class DueItem:
    kind: str  # weekly | monthly | certificate
    text: str
    due_on: date
    overdue: bool
    link: str


def _in_scope(enterprise_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(SafetyScope.in_scope).where(SafetyScope.enterprise_id == enterprise_id)
        )
    )


def due_items(enterprise_id: int, today: date) -> list[DueItem]:
    """The last and the current week's screening report, the last and the current month's
    minutes (for an enterprise in scope), and the current CQO's certificates expiring soon or
    lapsed; overdue first."""
    items: list[DueItem] = []
    if _in_scope(enterprise_id):
        this_week = calc.week_start(today)
        weeks = set(
            db.session.scalars(
                select(WeeklyReport.week_start).where(
                    WeeklyReport.enterprise_id == enterprise_id,
                    WeeklyReport.week_start >= this_week - timedelta(weeks=1),
                )
            )
        )
        for monday in (this_week - timedelta(weeks=1), this_week):
            if monday not in weeks:
                sunday = monday + timedelta(days=6)
                items.append(
                    DueItem(
                        "weekly",
                        _(
                            "Weekly screening report of the week of %(date)s",
                            date=monday.isoformat(),
                        ),
                        sunday,
                        sunday < today,
                        url_for("safety.index"),
                    )
                )
        this_month = calc.month_start(today)
        last_month = calc.month_start(this_month - timedelta(days=1))
        months = set(
            db.session.scalars(
                select(MonthlyMinute.month).where(
                    MonthlyMinute.enterprise_id == enterprise_id,
                    MonthlyMinute.month >= last_month,
                )
            )
        )
        for first in (last_month, this_month):
            if first not in months:
                last = calc.next_month(first) - timedelta(days=1)
                items.append(
                    DueItem(
                        "monthly",
                        _("Monthly scheduling minutes of %(month)s", month=first.strftime("%Y-%m")),
                        last,
                        last < today,
                        url_for("safety.index"),
                    )
                )
    current = select(CQORegistration.id).where(
        CQORegistration.enterprise_id == enterprise_id,
        CQORegistration.status == CQOStatus.APPROVED,
    )
    for cert in db.session.scalars(
        select(CQOCertificate).where(
            CQOCertificate.registration_id.in_(current),
            CQOCertificate.expires_on <= today + timedelta(days=EXPIRY_NOTICE_DAYS),
        )
    ):
        items.append(
            DueItem(
                "certificate",
                _(
                    "The CQO's certificate %(name)s expires on %(date)s",
                    name=cert.name,
                    date=cert.expires_on.isoformat(),
                ),
                cert.expires_on,
                cert.expires_on < today,
                url_for("cqo.view", registration_id=cert.registration_id),
            )
        )
    items.sort(key=lambda i: (not i.overdue, i.due_on))
    return items


def unread_count(enterprise_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.enterprise_id == enterprise_id, Notification.read_at.is_(None))
    )


def badge_count(enterprise_id: int, today: date) -> int:
    """Unread notices plus what is overdue or expiring: the navigation bar's number."""
    return unread_count(enterprise_id) + sum(
        1 for i in due_items(enterprise_id, today) if i.overdue or i.kind == "certificate"
    )


def notices(ent: Enterprise, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.enterprise_id == ent.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(ent: Enterprise) -> int:
    """Mark every unread notice of the enterprise read (no audit event: reading changes nothing)."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.enterprise_id == ent.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
