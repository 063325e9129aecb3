"""Rendered PDF reports: rendered once per submission and language, then served from storage.

A report reissued after a resubmission keeps its row and takes a new number; each number it
gave up stays in ``superseded_report_numbers``, so /verify answers an old number with one
indexed lookup (the audit trail keeps its own record of the reissue).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, Enum, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from cqo_portal.extensions import db
from cqo_portal.models.base import created_at_column

if TYPE_CHECKING:
    from cqo_portal.models.assessments import Assessment


class ReportStatus(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class Report(db.Model):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("assessment_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(5))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[ReportStatus] = mapped_column(
        Enum(
            ReportStatus,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=ReportStatus.PENDING,
    )
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int | None]
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    generated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    render_ms: Mapped[int | None]

    assessment: Mapped[Assessment] = relationship(back_populates="reports")


class SupersededReportNumber(db.Model):
    """A number a report was issued under before it was reissued with a new one.

    ``replaced_by`` is the number that took its place at the time; the report's current number
    is ``report.number`` (a report reissued twice has two rows, both pointing at the report).
    """

    __tablename__ = "superseded_report_numbers"

    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    superseded_at: Mapped[datetime] = created_at_column()
    replaced_by: Mapped[str] = mapped_column(String(40))

    report: Mapped[Report] = relationship()
