"""The jurisdiction's figures, for the regulator dashboard and the statistics API alike.

They are sums over the running totals that cqo_portal.rollups keeps (models.statistics), scoped to
the user's cities: a few hundred small rows whatever the number of submissions, so the figures
are always current and cost the same at 1k and at 100k submissions. Nothing is counted in Python
beyond adding up those rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from cqo_portal.assessments.services import questionnaire_of
from cqo_portal.authz import scope_to_jurisdiction
from cqo_portal.extensions import db
from cqo_portal.models import (
    SUBMITTED_STATUSES,
    AssessmentStatus,
    EnterpriseStat,
    QuestionnaireVersion,
    SubmissionStat,
    User,
)
from cqo_portal.models.base import utcnow
from cqo_portal.reference import industry_label, region_label
from cqo_portal.rollups import BAND, BAND_WIDTH, INDUSTRY, SECTION, STATUS, TOP_BAND

WEAKEST = 5


@dataclass
class Figures:
    years: list[int]
    year: int | None
    questionnaire: str
    awaiting_review: int
    cqo_awaiting: int
    by_status: list[tuple[str, int]]
    total: int
    scored: int
    average: float | None
    bands: list[tuple[str, int]]
    by_city: list[dict[str, Any]]
    by_industry: list[dict[str, Any]]
    weakest: list[dict[str, Any]]
    coverage: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    computed_at: datetime


def _sums(
    user: User, kind: str, year: int | None, questionnaire: str, *group: Any
) -> list[tuple[Any, ...]]:
    """(group values..., submissions, scored, sum of percents) per group, within the scope."""
    t = SubmissionStat
    stmt = select(*group, func.sum(t.n), func.sum(t.scored), func.sum(t.total)).where(
        t.kind == kind
    )
    if year is not None:
        stmt = stmt.where(t.cycle_year == year)
    if questionnaire:
        stmt = stmt.where(t.questionnaire_key == questionnaire)
    stmt = scope_to_jurisdiction(stmt, user, t.city_code).group_by(*group)
    rows = db.session.execute(stmt.having(func.sum(t.n) != 0)).all()
    return [(*r[:-3], int(r[-3] or 0), int(r[-2] or 0), float(r[-1] or 0.0)) for r in rows]


def _average(total: float, scored: int) -> float | None:
    return total / scored if scored else None


def figures(
    user: User,
    year: int | str | None,
    questionnaire: str,
    lang: str,
    *,
    keep_year: bool = False,
    detail: bool = True,
) -> Figures:
    """Every figure for one cycle year (None: every year; "latest": the newest with
    submissions) and questionnaire key ("" for all), in the reader's language. A year without
    submissions means every year, unless `keep_year` (then its figures are zero). Without
    `detail`, the score bands, weakest sections and trend are left empty (the API's summary)."""
    t = SubmissionStat
    # One read of the status cells (city x year x questionnaire x status, a few hundred rows)
    # gives the years, the counts, the city averages, the trend and the review queue.
    cells = _sums(user, STATUS, None, "", t.city_code, t.cycle_year, t.questionnaire_key, t.dim)
    years = sorted({y for _c, y, *_rest in cells}, reverse=True)
    if year == "latest":
        year = years[0] if years else None
    if year is not None and year not in years and not keep_year:
        year = None

    status_counts: dict[str, int] = {}
    cities: dict[str, list[float]] = {}
    overall = [0, 0, 0.0]
    by_year: dict[int, list[float]] = {}
    waiting = 0
    for city, y, key, status, n, scored, total in cells:
        if status == AssessmentStatus.SUBMITTED.value:
            waiting += n
        if questionnaire and key != questionnaire:
            continue
        acc = by_year.setdefault(y, [0, 0, 0.0])
        acc[0] += n
        acc[1] += scored
        acc[2] += total
        if year is not None and y != year:
            continue
        status_counts[status] = status_counts.get(status, 0) + n
        for acc in (cities.setdefault(city, [0, 0, 0.0]), overall):
            acc[0] += n
            acc[1] += scored
            acc[2] += total
    by_status = [(s.value, status_counts.get(s.value, 0)) for s in SUBMITTED_STATUSES]
    trend = [
        {"year": y, "count": int(n), "average": _average(total, int(scored)) or 0.0}
        for y, (n, scored, total) in sorted(by_year.items())
    ]

    band_counts = [0] * (TOP_BAND + 1)
    for band, n, _scored, _total in _sums(user, BAND, year, questionnaire, t.dim) if detail else ():
        if int(band) >= 0:
            band_counts[int(band)] += n
    bands = [(f"{i * BAND_WIDTH}–{(i + 1) * BAND_WIDTH}", n) for i, n in enumerate(band_counts)]

    def rows(table: dict[str, list[float]], label) -> list[dict[str, Any]]:
        out = [
            {
                "code": code,
                "label": label(code, lang),
                "count": int(n),
                "scored": int(scored),
                "average": _average(total, int(scored)) or 0.0,
            }
            for code, (n, scored, total) in table.items()
        ]
        return sorted(out, key=lambda r: (-r["average"], r["code"]))

    sectors = {
        code: [n, scored, total]
        for code, n, scored, total in _sums(user, INDUSTRY, year, questionnaire, t.dim)
    }
    titles = _section_titles(lang) if detail else {}
    sections = [
        {
            "questionnaire": key,
            "section_id": sid,
            "title": titles.get((key, sid), sid),
            "average": total / n,
            "count": n,
        }
        for key, sid, n, _scored, total in (
            _sums(user, SECTION, year, questionnaire, t.questionnaire_key, t.dim) if detail else ()
        )
    ]
    weakest = sorted(sections, key=lambda r: (r["average"], r["questionnaire"], r["section_id"]))

    e = EnterpriseStat
    city_rows = [
        {
            "code": c,
            "label": region_label(c, lang),
            "enterprises": total,
            "with_cqo": with_cqo,
            "percent": 100.0 * with_cqo / total if total else 0.0,
            "waiting": waiting_cqo,
        }
        for c, total, with_cqo, waiting_cqo in db.session.execute(
            scope_to_jurisdiction(
                select(e.city_code, e.enterprises, e.with_cqo, e.cqo_submitted), user, e.city_code
            ).order_by(e.city_code)
        )
    ]
    coverage = [r for r in city_rows if r["enterprises"]]
    return Figures(
        years=years,
        year=year,
        questionnaire=questionnaire,
        awaiting_review=waiting,
        cqo_awaiting=sum(r["waiting"] for r in city_rows),
        by_status=by_status,
        total=int(overall[0]),
        scored=int(overall[1]),
        average=_average(overall[2], int(overall[1])),
        bands=bands,
        by_city=rows(cities, region_label),
        by_industry=rows(sectors, industry_label),
        weakest=weakest[:WEAKEST],
        coverage=coverage,
        trend=trend if detail else [],
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
