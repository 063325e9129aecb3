"""Enterprises, invitations to join one, and CQO registrations (备案) with their history."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, DateTime, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cqo_portal.extensions import db
from cqo_portal.models.base import created_at_column, utcnow

if TYPE_CHECKING:
    from cqo_portal.models.accounts import User
    from cqo_portal.models.assessments import Assessment


class SizeClass(enum.StrEnum):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"


class Enterprise(db.Model):
    __tablename__ = "enterprises"
    __table_args__ = (
        Index("ix_enterprises_city_industry", "city_code", "industry_section"),
        # A city's enterprises in one block of ids (the statistics' refresh of one slice).
        Index("ix_enterprises_city_id", "city_code", "id"),
        # The regulator's enterprise list, by name within a city (and industry), in page order.
        Index("ix_enterprises_city_name", "city_code", "name", "id"),
        Index("ix_enterprises_city_industry_name", "city_code", "industry_section", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    industry_section: Mapped[str] = mapped_column(String(1), index=True)
    industry_division: Mapped[str | None] = mapped_column(String(3))
    size_class: Mapped[str] = mapped_column(String(10), default=SizeClass.SMALL.value)
    address: Mapped[str | None] = mapped_column(String(300))
    main_products: Mapped[str | None] = mapped_column(String(500))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    members: Mapped[list[User]] = relationship(back_populates="enterprise")
    assessments: Mapped[list[Assessment]] = relationship(back_populates="enterprise")
    cqo_registrations: Mapped[list[CQORegistration]] = relationship(
        back_populates="enterprise", order_by="CQORegistration.id"
    )

    def __repr__(self) -> str:
        return f"<Enterprise {self.uscc} {self.name}>"


class EnterpriseInvitation(db.Model):
    """An existing officer invites another account to join the enterprise."""

    __tablename__ = "enterprise_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    enterprise: Mapped[Enterprise] = relationship()


class CQOStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    SUPERSEDED = "superseded"


class CQORegistration(db.Model):
    """One filing of an enterprise's chief quality officer; approval makes it the current CQO."""

    __tablename__ = "cqo_registrations"
    __table_args__ = (Index("ix_cqo_registrations_status_enterprise", "status", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[CQOStatus] = mapped_column(
        Enum(
            CQOStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
        ),
        default=CQOStatus.DRAFT,
    )
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[str] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(100))
    appointed_on: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    cert_number: Mapped[str | None] = mapped_column(String(100))
    cert_issuer: Mapped[str | None] = mapped_column(String(200))
    cert_date: Mapped[date | None] = mapped_column(Date)
    duties_declaration: Mapped[str | None] = mapped_column(Text)
    letter_path: Mapped[str | None] = mapped_column(String(200))
    letter_mime: Mapped[str | None] = mapped_column(String(50))
    letter_filename: Mapped[str | None] = mapped_column(String(200))
    letter_size: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    return_reason: Mapped[str | None] = mapped_column(Text)
    # Term as the enterprise's CQO: from approval until superseded by the next approval.
    effective_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    effective_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    enterprise: Mapped[Enterprise] = relationship(back_populates="cqo_registrations")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
