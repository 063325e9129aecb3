"""Evidence of a submission: files attached to answers, and the bureau's review of them.

A file belongs to one question of one assessment; its bytes live under UPLOAD_FOLDER (shared by
every server of a deployment), the row keeps what the reader and the report need (name, date the
evidence applies to, SHA-256). A review row is either a reviewer's verdict on a question's
evidence or the enterprise's response to it; rows are only added, so the history stays.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cqo_portal.extensions import db
from cqo_portal.models.assessments import Assessment
from cqo_portal.models.base import created_at_column


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class EvidenceKind(enum.StrEnum):
    REVIEW = "review"  # a reviewer's verdict
    RESPONSE = "response"  # the enterprise's answer to a verdict


class EvidenceVerdict(enum.StrEnum):
    SUFFICIENT = "sufficient"
    NEEDS_MORE = "needs_more"


class EvidenceFile(db.Model):
    __tablename__ = "evidence_files"
    __table_args__ = (Index("ix_evidence_files_assessment_q", "assessment_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(50))
    original_name: Mapped[str] = mapped_column(String(200))
    stored_path: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    applies_on: Mapped[date] = mapped_column(Date)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = created_at_column()
    #: The response to a review that brought the file, when it came after the submission.
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_reviews.id", ondelete="SET NULL")
    )

    assessment: Mapped[Assessment] = relationship()


class EvidenceReview(db.Model):
    __tablename__ = "evidence_reviews"
    __table_args__ = (
        Index("ix_evidence_reviews_assessment_q", "assessment_id", "question_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(50))
    kind: Mapped[EvidenceKind] = mapped_column(_enum(EvidenceKind))
    #: The reviewer's verdict (None on a response).
    verdict: Mapped[EvidenceVerdict | None] = mapped_column(_enum(EvidenceVerdict))
    comment: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The author's role when writing: "regulator" (later also "examiner") or "officer".
    author_role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = created_at_column()

    assessment: Mapped[Assessment] = relationship()
