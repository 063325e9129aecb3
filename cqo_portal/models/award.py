"""Award and self-assessment rounds, applications, examiners' conflicts, scores and consensus.

A round is opened by the provincial administrator; an enterprise applies once per round with
its eligibility declaration, its organisational profile and a GB/T 19580 submission; examiners
assigned by the bureau score each item on their own, then a lead examiner records the consensus.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cqo_portal.extensions import db
from cqo_portal.models.base import created_at_column

if TYPE_CHECKING:
    from cqo_portal.models.accounts import User
    from cqo_portal.models.assessments import Assessment, QuestionnaireVersion
    from cqo_portal.models.enterprises import Enterprise


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class RoundKind(enum.StrEnum):
    AWARD = "award"  # the provincial quality award: examiners, consensus, feedback
    CQO_SELF = "cqo_self"  # the annual CQO self-assessment round: submissions only


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class AwardRound(db.Model):
    __tablename__ = "award_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RoundKind] = mapped_column(_enum(RoundKind))
    title: Mapped[str] = mapped_column(String(200))
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="RESTRICT"), index=True
    )
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    # Eligible cities (GB/T 2260 codes) and industry sections (GB/T 4754); empty = all.
    city_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    industry_sections: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The eligibility declaration's statements, as the round publishes them.
    checklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    examiners_see_self_score: Mapped[bool] = mapped_column(default=False)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    questionnaire: Mapped[QuestionnaireVersion] = relationship()
    applications: Mapped[list[AwardApplication]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="AwardApplication.id"
    )

    @property
    def is_award(self) -> bool:
        return self.kind == RoundKind.AWARD

    def admits(self, enterprise: Enterprise) -> bool:
        """Whether the enterprise's city and industry may take part in this round."""
        return (not self.city_codes or enterprise.city_code in self.city_codes) and (
            not self.industry_sections or enterprise.industry_section in self.industry_sections
        )

    def is_open_on(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on


class AwardApplication(db.Model):
    """One enterprise's entry in a round (an award application, or a self-assessment's entry)."""

    __tablename__ = "award_applications"
    __table_args__ = (
        UniqueConstraint("round_id", "enterprise_id"),
        Index("ix_award_applications_round_city", "round_id", "city_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_rounds.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    city_code: Mapped[str] = mapped_column(String(6))
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        _enum(ApplicationStatus), default=ApplicationStatus.DRAFT
    )
    # Indexes of the checklist statements the applicant confirmed.
    eligibility: Mapped[list[int]] = mapped_column(JSON, default=list)
    # The organisational profile (组织概述).
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    consensus_points: Mapped[float | None] = mapped_column(Float)
    consensus_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    round: Mapped[AwardRound] = relationship(back_populates="applications")
    enterprise: Mapped[Enterprise] = relationship()
    assessment: Mapped[Assessment | None] = relationship()
    assignments: Mapped[list[ExaminerAssignment]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ExaminerAssignment.id"
    )
    conflicts: Mapped[list[ConflictDeclaration]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    consensus: Mapped[list[ConsensusScore]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )


class ConflictDeclaration(db.Model):
    """An examiner's declaration for one application: conflicted or not, with a note."""

    __tablename__ = "award_conflicts"
    __table_args__ = (UniqueConstraint("application_id", "examiner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("award_applications.id", ondelete="CASCADE")
    )
    examiner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    conflicted: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    declared_at: Mapped[datetime] = created_at_column()

    application: Mapped[AwardApplication] = relationship(back_populates="conflicts")


class ExaminerAssignment(db.Model):
    __tablename__ = "award_assignments"
    __table_args__ = (UniqueConstraint("application_id", "examiner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("award_applications.id", ondelete="CASCADE")
    )
    examiner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    # Set when the examiner hands in their scores; before it, they are the examiner's alone.
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    application: Mapped[AwardApplication] = relationship(back_populates="assignments")
    examiner: Mapped[User] = relationship(foreign_keys=[examiner_id])
    scores: Mapped[list[ExaminerScore]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )


class ExaminerScore(db.Model):
    """One examiner's score of one item: a band (1–6), a percent inside it, strengths, OFIs."""

    __tablename__ = "award_examiner_scores"
    __table_args__ = (UniqueConstraint("assignment_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("award_assignments.id", ondelete="CASCADE")
    )
    item_id: Mapped[str] = mapped_column(String(50))
    band: Mapped[int] = mapped_column(Integer)
    percent: Mapped[int] = mapped_column(Integer)
    strengths: Mapped[str | None] = mapped_column(Text)
    ofis: Mapped[str | None] = mapped_column(Text)

    assignment: Mapped[ExaminerAssignment] = relationship(back_populates="scores")


class ConsensusScore(db.Model):
    """The examiners' agreed score of one item, recorded by the lead examiner."""

    __tablename__ = "award_consensus_scores"
    __table_args__ = (UniqueConstraint("application_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("award_applications.id", ondelete="CASCADE")
    )
    item_id: Mapped[str] = mapped_column(String(50))
    band: Mapped[int] = mapped_column(Integer)
    percent: Mapped[int] = mapped_column(Integer)
    points: Mapped[float] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    application: Mapped[AwardApplication] = relationship(back_populates="consensus")
