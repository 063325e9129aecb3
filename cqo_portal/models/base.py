"""Shared column helpers for the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    """Timezone-aware now in UTC; all timestamps are stored in UTC."""
    return datetime.now(UTC)


def created_at_column():
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
