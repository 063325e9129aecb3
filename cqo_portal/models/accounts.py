"""Accounts: people who log in, their role, enterprise or jurisdiction; API tokens."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import DateTime, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cqo_portal.extensions import db
from cqo_portal.models.base import created_at_column

if TYPE_CHECKING:
    from cqo_portal.models.enterprises import Enterprise

PROVINCE_CODE = "440000"


class Role(enum.StrEnum):
    OFFICER = "officer"
    REGULATOR = "regulator"
    ADMIN = "admin"
    EXAMINER = "examiner"  # award examiners, created by the administrator


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="SET NULL"), index=True
    )
    # Regulators: "440000" for the province or a prefecture-level city code.
    jurisdiction_code: Mapped[str | None] = mapped_column(String(6))
    phone: Mapped[str | None] = mapped_column(String(30))
    locale: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change / deactivation to invalidate other sessions.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_at_column()
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    enterprise: Mapped[Enterprise | None] = relationship(back_populates="members")

    # The login this request belongs to (a UserSession's token), set at login and by the loader;
    # not a column: the same account can be logged in on several computers.
    login_token = None  # str | None; a plain attribute (not annotated, so not mapped)

    def get_id(self) -> str:
        """Flask-Login's id, kept in the signed session and "remember me" cookies: the account,
        its session version (bumped on password change, ending every login) and the login's
        token (revoked on logout, ending this login even where its cookie was copied)."""
        if self.login_token:
            return f"{self.id}:{self.session_version}:{self.login_token}"
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_officer(self) -> bool:
        return self.role == Role.OFFICER

    @property
    def is_regulator(self) -> bool:
        return self.role == Role.REGULATOR

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_examiner(self) -> bool:
        return self.role == Role.EXAMINER

    @property
    def is_provincial(self) -> bool:
        return self.role == Role.REGULATOR and self.jurisdiction_code == PROVINCE_CODE

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    """A per-regulator bearer token for the read-only data API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = created_at_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class UserSession(db.Model):
    """One login (one browser): logging out revokes it, so a copied cookie stops working too.
    Only the SHA-256 of the token in the cookie is stored."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
