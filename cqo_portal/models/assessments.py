"""Questionnaire versions, assessments (drafts and submissions), answers and stored scores."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    column,
    select,
    table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cqo_portal.extensions import db
from cqo_portal.models.base import created_at_column, utcnow

if TYPE_CHECKING:
    from cqo_portal.models.enterprises import Enterprise
    from cqo_portal.models.reports import Report


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


def _enterprise_column(name: str) -> Callable[[Any], Any]:
    """An INSERT default: the value of the new assessment's enterprise's column `name`."""
    enterprises = table("enterprises", column("id"), column(name))

    def default(context: Any) -> Any:
        enterprise_id = context.get_current_parameters()["enterprise_id"]
        return context.connection.scalar(
            select(enterprises.c[name]).where(enterprises.c.id == enterprise_id)
        )

    return default


class QuestionnaireStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class QuestionnaireVersion(db.Model):
    """A questionnaire definition as imported; once published its definition never changes."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(50), index=True)
    version: Mapped[str] = mapped_column(String(20))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    scoring_method: Mapped[str] = mapped_column(String(20))
    # Large (~60 KB): read only when a version is parsed, which happens once per process.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[QuestionnaireStatus] = mapped_column(
        _enum(QuestionnaireStatus), default=QuestionnaireStatus.DRAFT
    )
    created_at: Mapped[datetime] = created_at_column()
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def title(self, lang: str) -> str:
        return self.title_zh if lang.startswith("zh") else self.title_en


class AssessmentStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


# Handed in to the bureau (not a draft): what regulators list, count and export.
SUBMITTED_STATUSES = (
    AssessmentStatus.SUBMITTED,
    AssessmentStatus.ACCEPTED,
    AssessmentStatus.RETURNED,
)


class Assessment(db.Model):
    """One enterprise's answers to one questionnaire version in one cycle.

    Scores are stored at submission so lists and dashboards never recompute them.
    """

    __tablename__ = "assessments"
    __table_args__ = (
        Index("ix_assessments_status_submitted", "status", "submitted_at"),
        Index("ix_assessments_enterprise_q", "enterprise_id", "questionnaire_version_id"),
        Index("ix_assessments_percent", "percent"),
        # Keyset pagination of the regulator's lists: (sort key, id) for each sort order.
        Index("ix_assessments_submitted_at_id", "submitted_at", "id"),
        Index("ix_assessments_percent_id", "percent", "id"),
        # Covering index of the dashboard's aggregates (counts, bands, averages, trend).
        Index(
            "ix_assessments_stats",
            "status",
            "cycle_year",
            "questionnaire_key",
            "percent",
            "enterprise_id",
        ),
        Index("ix_assessments_enterprise_status_percent", "enterprise_id", "status", "percent"),
        Index("ix_assessments_unsupported", "unsupported_claims", "submitted_at", "id"),
        # A city's submissions in list order (every city regulator's lists, the city filter),
        # by date or by score, and its review queue (status "submitted"); the trailing columns
        # let the other filters be checked on the index entries before any row is read.
        Index(
            "ix_assessments_city_submitted",
            *("city_code", "submitted_at", "id", "status", "industry_section", "percent"),
        ),
        Index(
            "ix_assessments_city_percent",
            *("city_code", "percent", "id", "status", "industry_section"),
        ),
        Index(
            "ix_assessments_city_status_submitted",
            *("city_code", "status", "submitted_at", "id", "industry_section", "percent"),
        ),
        # The statistics' refresh of one slice (a city's enterprises in one block of ids): its
        # GROUP BY reads only index entries.
        Index(
            "ix_assessments_city_enterprise",
            *("city_code", "enterprise_id", "status", "questionnaire_key", "cycle_year"),
            *("industry_section", "percent", "id"),
        ),
        # The data API pages through a city's submissions by id; its filters are all in the
        # index, so the page's ids are found without reading a row.
        Index(
            "ix_assessments_city_id",
            *("city_code", "id", "status", "industry_section", "percent", "submitted_at"),
            "questionnaire_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="RESTRICT"), index=True
    )
    questionnaire_key: Mapped[str] = mapped_column(String(50))
    # The enterprise's city and industry, copied so the regulator's filtered lists and the
    # statistics read one table through one index: taken from the enterprise when the row is
    # inserted, and moved with it by cqo_portal.rollups.move_enterprise.
    city_code: Mapped[str] = mapped_column(String(6), default=_enterprise_column("city_code"))
    industry_section: Mapped[str] = mapped_column(
        String(1), default=_enterprise_column("industry_section")
    )
    status: Mapped[AssessmentStatus] = mapped_column(
        _enum(AssessmentStatus), default=AssessmentStatus.DRAFT
    )
    cycle_year: Mapped[int] = mapped_column(Integer)
    # Optimistic concurrency: every save bumps it; a save from a stale page is told what changed.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    total_points: Mapped[float | None] = mapped_column(Float)
    max_points: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    level_code: Mapped[str | None] = mapped_column(String(20))
    # The full stored result (~14 KB): loaded only when a page shows one submission, never by lists.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    review_comment: Mapped[str | None] = mapped_column(Text)
    #: How many high answers have neither an evidence note nor a file (cqo_portal.core.evidence),
    #: stored at submission and when evidence changes, so the regulator's list can filter on it.
    unsupported_claims: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The round (cqo_portal.models.award) this submission was handed in to, if any.
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("award_rounds.id", ondelete="SET NULL"), index=True
    )

    enterprise: Mapped[Enterprise] = relationship(back_populates="assessments")
    questionnaire: Mapped[QuestionnaireVersion] = relationship()
    answers: Mapped[list[AssessmentAnswer]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan"
    )
    section_scores: Mapped[list[SectionScore]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan"
    )
    reports: Mapped[list[Report]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan"
    )

    @property
    def is_editable(self) -> bool:
        return self.status in (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)


class AssessmentAnswer(db.Model):
    __tablename__ = "assessment_answers"
    __table_args__ = (UniqueConstraint("assessment_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(50))
    value: Mapped[str | None] = mapped_column(Text)  # free-text answers hold up to 4000 chars
    na: Mapped[bool] = mapped_column(default=False)
    na_reason: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    assessment: Mapped[Assessment] = relationship(back_populates="answers")


class SectionScore(db.Model):
    """Per-section score of a submitted assessment, for SQL aggregates on dashboards."""

    __tablename__ = "section_scores"
    __table_args__ = (
        UniqueConstraint("assessment_id", "section_id"),
        Index("ix_section_scores_section", "section_id", "percent"),
        # Covering index of the dashboard's weakest-sections aggregate (joined from assessments).
        Index("ix_section_scores_assessment_cover", "assessment_id", "section_id", "percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    section_id: Mapped[str] = mapped_column(String(50))
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    percent: Mapped[float] = mapped_column(Float)

    assessment: Mapped[Assessment] = relationship(back_populates="section_scores")
