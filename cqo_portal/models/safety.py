"""Product quality-safety duties of a producer (scope, director filing, risk-control records).

An enterprise declares whether its products fall under the quality-safety rules for producers
(production licence, compulsory certification, mandatory-standard products). In scope, it files
its quality-safety director and officers with the city bureau, keeps a risk-control list, and
records the daily control, the weekly screening (with its hazards) and the monthly scheduling.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cqo_portal.extensions import db
from cqo_portal.models.base import created_at_column, utcnow

if TYPE_CHECKING:
    from cqo_portal.models.accounts import User
    from cqo_portal.models.enterprises import Enterprise


class ProductBasis(enum.StrEnum):
    """Why a product line falls under the quality-safety rules."""

    LICENCE = "licence"  # industrial production licence
    CCC = "ccc"  # compulsory product certification
    MANDATORY_STANDARD = "mandatory_standard"  # mandatory national standard, health and safety


class SafetyScope(db.Model):
    """The enterprise's own declaration of whether the quality-safety rules apply to it."""

    __tablename__ = "safety_scopes"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), unique=True
    )
    in_scope: Mapped[bool] = mapped_column(Boolean, default=False)
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    declared_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    enterprise: Mapped[Enterprise] = relationship()
    products: Mapped[list[SafetyProduct]] = relationship(
        back_populates="scope", cascade="all, delete-orphan", order_by="SafetyProduct.id"
    )


class SafetyProduct(db.Model):
    """A product category in scope with its licence or certificate and its validity."""

    __tablename__ = "safety_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(
        ForeignKey("safety_scopes.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(String(30))
    number: Mapped[str | None] = mapped_column(String(100))
    valid_until: Mapped[date | None] = mapped_column(Date)

    scope: Mapped[SafetyScope] = relationship(back_populates="products")


class FilingStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    SUPERSEDED = "superseded"


class SafetyFiling(db.Model):
    """The filing of the quality-safety director and officers; approval makes it current."""

    __tablename__ = "safety_filings"
    __table_args__ = (Index("ix_safety_filings_enterprise_status", "enterprise_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    status: Mapped[FilingStatus] = mapped_column(
        Enum(
            FilingStatus,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=FilingStatus.SUBMITTED,
    )
    director_name: Mapped[str] = mapped_column(String(100))
    director_post: Mapped[str] = mapped_column(String(100))
    director_duties: Mapped[str] = mapped_column(Text)
    cqo_is_director: Mapped[bool] = mapped_column(Boolean, default=False)
    document_path: Mapped[str | None] = mapped_column(String(200))
    document_mime: Mapped[str | None] = mapped_column(String(50))
    document_filename: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    return_reason: Mapped[str | None] = mapped_column(Text)

    enterprise: Mapped[Enterprise] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    officers: Mapped[list[SafetyOfficer]] = relationship(
        back_populates="filing", cascade="all, delete-orphan", order_by="SafetyOfficer.id"
    )


class SafetyOfficer(db.Model):
    """A quality-safety officer named in a filing, with the written duties of the post."""

    __tablename__ = "safety_officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(
        ForeignKey("safety_filings.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    post: Mapped[str] = mapped_column(String(100))
    duties: Mapped[str] = mapped_column(Text, default="")

    filing: Mapped[SafetyFiling] = relationship(back_populates="officers")


class RiskItem(db.Model):
    """A line of the quality-safety risk-control list."""

    __tablename__ = "safety_risks"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    risk: Mapped[str] = mapped_column(String(300))
    control: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    review_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()


class DailyRecord(db.Model):
    """One day's control by a quality-safety officer (a local Asia/Shanghai day)."""

    __tablename__ = "safety_daily_records"
    __table_args__ = (UniqueConstraint("enterprise_id", "day", "officer_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    officer_name: Mapped[str] = mapped_column(String(100))
    checked: Mapped[str] = mapped_column(Text)
    problems: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()


class WeeklyReport(db.Model):
    """The director's weekly screening report; `week_start` is the week's Monday."""

    __tablename__ = "safety_weekly_reports"
    __table_args__ = (UniqueConstraint("enterprise_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)
    director_name: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    hazards: Mapped[list[Hazard]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="Hazard.id"
    )


class Hazard(db.Model):
    """A risk or hidden hazard found in a weekly screening; open until `closed_on`."""

    __tablename__ = "safety_hazards"
    __table_args__ = (Index("ix_safety_hazards_open", "enterprise_id", "closed_on", "found_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(
        ForeignKey("safety_weekly_reports.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(String(500))
    found_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)

    report: Mapped[WeeklyReport] = relationship(back_populates="hazards")


class MonthlyMinute(db.Model):
    """The minutes of the monthly scheduling meeting; `month` is the month's first day."""

    __tablename__ = "safety_monthly_minutes"
    __table_args__ = (UniqueConstraint("enterprise_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)
    held_on: Mapped[date] = mapped_column(Date)
    chair_name: Mapped[str] = mapped_column(String(100))
    heard_report: Mapped[bool] = mapped_column(Boolean, default=False)
    measures: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
