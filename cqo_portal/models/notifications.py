"""In-app notices to an enterprise's officers (a bureau's decision on a filing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cqo_portal.extensions import db
from cqo_portal.models.base import created_at_column


class Notification(db.Model):
    """One notice; `kind` names its message, `params` fill it in the reader's language."""

    __tablename__ = "notifications"
    # The navigation bar's unread count reads this index alone.
    __table_args__ = (Index("ix_notifications_unread", "enterprise_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = created_at_column()
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
