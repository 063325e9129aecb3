"""Running totals behind the dashboard and the statistics API (maintained by cqo_portal.rollups).

The province's figures are sums over these small tables instead of scans of every submission:
their size is bounded by cities x questionnaires x years x (statuses, score bands, industries,
sections), whatever the number of submissions, so the dashboard costs the same at 1k and 100k.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cqo_portal.extensions import db


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
