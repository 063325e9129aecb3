"""The CQO as a person: appointment conditions, training records and certificates, each
attached to one CQO registration (the filing of that person as the enterprise's CQO)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cqo_portal.extensions import db
from cqo_portal.models.base import created_at_column


class CQOProfile(db.Model):
    """Appointment conditions: years in quality work, professional title or degree."""

    __tablename__ = "cqo_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("cqo_registrations.id", ondelete="CASCADE"), unique=True
    )
    years_in_quality: Mapped[int] = mapped_column(Integer)
    title_or_degree: Mapped[str] = mapped_column(String(100))


class CQOTraining(db.Model):
    """A training the CQO completed, with its hours."""

    __tablename__ = "cqo_trainings"
    __table_args__ = (
        Index("ix_cqo_trainings_registration_day", "registration_id", "completed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("cqo_registrations.id", ondelete="CASCADE")
    )
    course: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(200))
    hours: Mapped[int] = mapped_column(Integer)
    completed_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()


class CQOCertificate(db.Model):
    """A certificate the CQO holds; it lapses after `expires_on` (None: does not expire)."""

    __tablename__ = "cqo_certificates"
    __table_args__ = (
        Index("ix_cqo_certificates_registration_expiry", "registration_id", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("cqo_registrations.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(100))
    issuer: Mapped[str | None] = mapped_column(String(200))
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()
