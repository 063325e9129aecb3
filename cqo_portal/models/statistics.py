"""Running totals behind the dashboard and the statistics API (kept by cqo_portal.rollups).

The province's figures are sums over the cell tables (`SubmissionStat`, `EnterpriseStat`) instead
of scans of every submission: their size is bounded by cities x questionnaires x years x
(statuses, score bands, industries, sections), whatever the number of submissions, so the
dashboard costs the same at 1k and at 1M.

Each cell is the sum of its slices: a slice is what the enterprises of one city whose ids fall in
one block of `BLOCK` ids contribute (`SubmissionSlice`, `EnterpriseSlice`). A write refreshes the
slices it touched from their rows, so the refresh reads at most one block of enterprises however
large the province grows, and adds each slice's change to its cells.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cqo_portal.extensions import db

# Enterprise ids per block: a slice holds at most this many enterprises.
BLOCK = 1024


class SubmissionStat(db.Model):
    """Submitted (not draft) assessments of one city, questionnaire and cycle year, counted per
    `kind` of breakdown: by status, by score band, by industry section, or per questionnaire
    section (then `n` counts section scores and `total` sums their percents)."""

    __tablename__ = "submission_stats"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    questionnaire_key: Mapped[str] = mapped_column(String(50), primary_key=True)
    cycle_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    dim: Mapped[str] = mapped_column(String(50), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    scored: Mapped[int] = mapped_column(Integer, default=0)  # of which have a score
    total: Mapped[float] = mapped_column(Float, default=0.0)  # sum of the scores' percents


class EnterpriseStat(db.Model):
    """Registered enterprises of one city, those with an approved CQO, and the CQO registrations
    waiting for the bureau's decision."""

    __tablename__ = "enterprise_stats"

    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    enterprises: Mapped[int] = mapped_column(Integer, default=0)
    with_cqo: Mapped[int] = mapped_column(Integer, default=0)
    cqo_submitted: Mapped[int] = mapped_column(Integer, default=0)


class SubmissionSlice(db.Model):
    """What the submissions of one city's enterprises in one block of ids add to a
    `SubmissionStat` cell (same columns; `block` is enterprise id // BLOCK)."""

    __tablename__ = "submission_slices"

    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    block: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    questionnaire_key: Mapped[str] = mapped_column(String(50), primary_key=True)
    cycle_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    dim: Mapped[str] = mapped_column(String(50), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    scored: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[float] = mapped_column(Float, default=0.0)


class EnterpriseSlice(db.Model):
    """What one city's enterprises in one block of ids add to its `EnterpriseStat` row. The row
    exists for every slice ever refreshed: a refresh locks it first, so two transactions
    refreshing the same slice take turns."""

    __tablename__ = "enterprise_slices"

    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    block: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprises: Mapped[int] = mapped_column(Integer, default=0)
    with_cqo: Mapped[int] = mapped_column(Integer, default=0)
    cqo_submitted: Mapped[int] = mapped_column(Integer, default=0)
