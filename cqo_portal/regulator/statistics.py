"""The regulator dashboard's figures: SQL aggregates (GROUP BY) scoped to the jurisdiction.

Nothing is counted in Python: each figure is one grouped query whose result has a row per city,
industry, band, section or year, so the cost does not grow with the number of submissions
beyond what the database's indexes and aggregates do.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from cqo_portal.assessments.services import questionnaire_of
from cqo_portal.authz import visible_city_codes
from cqo_portal.extensions import db
from cqo_portal.models import (
    Assessment,
    AssessmentStatus,
    CQORegistration,
    CQOStatus,
    Enterprise,
    QuestionnaireVersion,
    SectionScore,
    User,
)
from cqo_portal.models.base import utcnow
from cqo_portal.reference import industry_label, region_label
from cqo_portal.regulator.services import SUBMITTED, questionnaire_choices, scoped

BAND_WIDTH = 10
WEAKEST = 5


@dataclass
class Dashboard:
    years: list[int]
    year: int | None
    questionnaire: str
    awaiting_review: int
    cqo_awaiting: int
    by_status: list[tuple[str, int]]
    total: int
    bands: list[tuple[str, int]]
    by_city: list[dict[str, Any]]
    by_industry: list[dict[str, Any]]
    weakest: list[dict[str, Any]]
    coverage: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    computed_at: datetime | None = None


def _submissions(user: User, *columns: Any, by_enterprise: bool = False):
    """Submissions in the user's reach; joins enterprises only when the scope or a column needs
    them, so the province-wide figures read the assessments' covering index alone."""
    stmt = select(*columns).select_from(Assessment).where(Assessment.status.in_(SUBMITTED))
    if by_enterprise or visible_city_codes(user) is not None:
        stmt = scoped(stmt.join(Assessment.enterprise), user)
    return stmt


def available_years(user: User) -> list[int]:
    stmt = (
        _submissions(user, Assessment.cycle_year).distinct().order_by(Assessment.cycle_year.desc())
    )
    return list(db.session.scalars(stmt))


def awaiting_review(user: User) -> int:
    stmt = _submissions(user, func.count(Assessment.id))
    return db.session.scalar(stmt.where(Assessment.status == AssessmentStatus.SUBMITTED)) or 0


def cqo_awaiting_decision(user: User) -> int:
    stmt = select(func.count(CQORegistration.id)).join(CQORegistration.enterprise)
    stmt = scoped(stmt.where(CQORegistration.status == CQOStatus.SUBMITTED), user)
    return db.session.scalar(stmt) or 0


_cache: dict[tuple[Any, ...], tuple[float, Dashboard]] = {}
_cache_lock = threading.Lock()
CACHE_ENTRIES = 256


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def dashboard(
    user: User, year: int | str | None, questionnaire: str, lang: str, ttl: float
) -> Dashboard:
    """The dashboard, its figures reused for `ttl` seconds per jurisdiction and choice.

    The figures aggregate every submission in scope, which grows with the data; within `ttl`
    they are served from this process's memory. The "what to do next" counts are always live.
    `year`: a cycle year, None for every year, or "latest".
    """
    visible = visible_city_codes(user)
    key = (None if visible is None else tuple(sorted(visible)), year, questionnaire, lang)
    now = time.monotonic()
    hit = _cache.get(key)
    if ttl > 0 and hit is not None and hit[0] > now:
        figures = hit[1]
    else:
        figures = build_dashboard(user, year, questionnaire, lang)
        if ttl > 0:
            with _cache_lock:
                if len(_cache) >= CACHE_ENTRIES:
                    _cache.clear()
                _cache[key] = (now + ttl, figures)
    return replace(
        figures, awaiting_review=awaiting_review(user), cqo_awaiting=cqo_awaiting_decision(user)
    )


def build_dashboard(user: User, year: int | str | None, questionnaire: str, lang: str) -> Dashboard:
    """All the dashboard's numbers for one cycle year (None: every year; "latest") and
    questionnaire, computed now."""
    years = available_years(user)
    if year == "latest":
        year = years[0] if years else None
    if year is not None and year not in years:
        year = None

    def narrowed(stmt):
        if year is not None:
            stmt = stmt.where(Assessment.cycle_year == year)
        if questionnaire:
            stmt = stmt.where(Assessment.questionnaire_key == questionnaire)
        return stmt

    # One pass over the submissions, grouped by city × industry × status × score band; the
    # status counts, the histogram and the city and industry averages all add up these groups
    # (at most a few thousand rows, whatever the number of submissions).
    top = 100 // BAND_WIDTH - 1
    band = case(
        (Assessment.percent.is_(None), -1),
        *[(Assessment.percent < (i + 1) * BAND_WIDTH, i) for i in range(top)],
        else_=top,  # 100% joins the top band
    )
    cube = db.session.execute(
        narrowed(
            _submissions(
                user,
                Enterprise.city_code,
                Enterprise.industry_section,
                Assessment.status,
                band,
                func.count(Assessment.id),
                func.count(Assessment.percent),
                func.sum(Assessment.percent),
                by_enterprise=True,
            )
        ).group_by(Enterprise.city_code, Enterprise.industry_section, Assessment.status, band)
    ).all()
    status_counts: dict[str, int] = {}
    band_counts = [0] * (top + 1)
    cities: dict[str, list[float]] = {}
    sectors: dict[str, list[float]] = {}
    for city, sector, status, b, n, scored, total in cube:
        key = getattr(status, "value", status)
        status_counts[key] = status_counts.get(key, 0) + n
        if b is not None and int(b) >= 0:
            band_counts[int(b)] += n
        for table, code in ((cities, city), (sectors, sector)):
            acc = table.setdefault(code, [0, 0, 0.0])
            acc[0] += n
            acc[1] += scored
            acc[2] += float(total or 0)
    by_status = [(s.value, status_counts.get(s.value, 0)) for s in SUBMITTED]
    bands = [(f"{i * BAND_WIDTH}–{(i + 1) * BAND_WIDTH}", n) for i, n in enumerate(band_counts)]

    def averages(table: dict[str, list[float]], label) -> list[dict[str, Any]]:
        rows = [
            {
                "code": code,
                "label": label(code, lang),
                "count": int(n),
                "average": total / scored if scored else 0.0,
            }
            for code, (n, scored, total) in table.items()
        ]
        return sorted(rows, key=lambda r: (-r["average"], r["code"]))

    by_city = averages(cities, region_label)
    by_industry = averages(sectors, industry_label)

    weakest_rows = db.session.execute(
        narrowed(
            _submissions(
                user,
                Assessment.questionnaire_key,
                SectionScore.section_id,
                func.avg(SectionScore.percent),
                func.count(SectionScore.id),
            ).join(SectionScore, SectionScore.assessment_id == Assessment.id)
        )
        .group_by(Assessment.questionnaire_key, SectionScore.section_id)
        .order_by(func.avg(SectionScore.percent).asc())
        .limit(WEAKEST)
    ).all()
    titles = _section_titles(lang)
    weakest = [
        {
            "questionnaire": key,
            "section_id": sid,
            "title": titles.get((key, sid), sid),
            "average": float(avg or 0),
            "count": n,
        }
        for key, sid, avg, n in weakest_rows
    ]

    approved = (
        select(CQORegistration.enterprise_id)
        .where(CQORegistration.status == CQOStatus.APPROVED)
        .distinct()
        .subquery()
    )
    coverage_rows = db.session.execute(
        scoped(
            select(
                Enterprise.city_code,
                func.count(Enterprise.id),
                func.count(approved.c.enterprise_id),
            )
            .select_from(Enterprise)
            .outerjoin(approved, approved.c.enterprise_id == Enterprise.id),
            user,
        )
        .group_by(Enterprise.city_code)
        .order_by(Enterprise.city_code)
    ).all()
    coverage = [
        {
            "code": c,
            "label": region_label(c, lang),
            "enterprises": total,
            "with_cqo": with_cqo,
            "percent": 100.0 * with_cqo / total if total else 0.0,
        }
        for c, total, with_cqo in coverage_rows
    ]

    trend_stmt = _submissions(
        user, Assessment.cycle_year, func.count(Assessment.id), func.avg(Assessment.percent)
    )
    if questionnaire:
        trend_stmt = trend_stmt.where(Assessment.questionnaire_key == questionnaire)
    trend_rows = db.session.execute(
        trend_stmt.group_by(Assessment.cycle_year).order_by(Assessment.cycle_year)
    ).all()
    trend = [{"year": y, "count": n, "average": float(avg or 0)} for y, n, avg in trend_rows]

    return Dashboard(
        years=years,
        year=year,
        questionnaire=questionnaire,
        awaiting_review=awaiting_review(user),
        cqo_awaiting=cqo_awaiting_decision(user),
        by_status=by_status,
        total=sum(n for _s, n in by_status),
        bands=bands,
        by_city=by_city,
        by_industry=by_industry,
        weakest=weakest,
        coverage=coverage,
        trend=trend,
        computed_at=utcnow(),
    )


def _section_titles(lang: str) -> dict[tuple[str, str], str]:
    """(questionnaire key, section id) -> section title, from each key's latest version."""
    latest: dict[str, QuestionnaireVersion] = {}
    stmt = select(QuestionnaireVersion).order_by(
        QuestionnaireVersion.key, QuestionnaireVersion.id.desc()
    )
    for qv in db.session.scalars(stmt):
        latest.setdefault(qv.key, qv)
    titles: dict[tuple[str, str], str] = {}
    for key, qv in latest.items():
        for sec in questionnaire_of(qv).sections:
            titles[(key, sec.id)] = sec.title.get(lang)
    return titles


def questionnaire_titles(lang: str) -> dict[str, str]:
    return {k: (zh if lang == "zh" else en) for k, zh, en in questionnaire_choices()}
