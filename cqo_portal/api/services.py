"""The data API's queries: scoped to the token owner's jurisdiction, filtered, keyset-paginated.

Lists select plain columns (never the stored result JSON), page by primary key (`id > cursor`)
and count in SQL, so a page costs the same at 1,000 rows as at 100,000.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from werkzeug.datastructures import MultiDict

from cqo_portal import authz
from cqo_portal.assessments.services import questionnaire_of
from cqo_portal.authz import scope_to_jurisdiction, visible_city_codes
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
from cqo_portal.reference import cities, industries

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_ID = 2**31 - 1
SUBMITTED = (AssessmentStatus.SUBMITTED, AssessmentStatus.ACCEPTED, AssessmentStatus.RETURNED)
# Drafts are the enterprise's own business: the API shows filed registrations only.
CQO_VISIBLE = (CQOStatus.SUBMITTED, CQOStatus.APPROVED, CQOStatus.RETURNED, CQOStatus.SUPERSEDED)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_PATTERN = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$"
)


class ApiQueryError(ValueError):
    """A query parameter is malformed: answered 400 with the parameter's name."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


# --- parameter parsing ---------------------------------------------------------------------------


def _choice(args: MultiDict, name: str, allowed: set[str] | tuple[str, ...]) -> str | None:
    raw = args.get(name)
    if raw is None:
        return None
    if raw not in allowed:
        raise ApiQueryError(name, str(_l("Not one of the allowed values.")))
    return raw


def _key(args: MultiDict, name: str) -> str | None:
    raw = args.get(name)
    if raw is None:
        return None
    if not KEY_PATTERN.match(raw):
        raise ApiQueryError(name, str(_l("Not a valid questionnaire key.")))
    return raw


def _int(args: MultiDict, name: str, lo: int, hi: int) -> int | None:
    raw = args.get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"[0-9]{1,10}", raw) or not lo <= int(raw) <= hi:
        raise ApiQueryError(
            name, str(_l("Expected a whole number from %(lo)s to %(hi)s.", lo=lo, hi=hi))
        )
    return int(raw)


def _score(args: MultiDict, name: str) -> float | None:
    raw = args.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= 100) or raw.strip() != raw:
        raise ApiQueryError(name, str(_l("Expected a number from 0 to 100.")))
    return value


def _moment(args: MultiDict, name: str) -> datetime | None:
    """A full-date (midnight UTC) or an RFC 3339 date-time, as an aware UTC datetime."""
    raw = args.get(name)
    if raw is None:
        return None
    try:
        if DATE_PATTERN.match(raw):
            return datetime.combine(date.fromisoformat(raw), datetime.min.time(), tzinfo=UTC)
        if DATETIME_PATTERN.match(raw):
            return datetime.fromisoformat(raw.upper().replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        pass
    raise ApiQueryError(name, str(_l("Expected a date (YYYY-MM-DD) or an RFC 3339 date-time.")))


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def _cursor(args: MultiDict) -> int | None:
    raw = args.get("cursor")
    if raw is None:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = re.fullmatch(r"id:([0-9]{1,10})", text)
    if match is None or int(match.group(1)) > MAX_ID or len(raw) > 40:
        raise ApiQueryError("cursor", str(_l("Not a cursor from a previous page.")))
    return int(match.group(1))


@dataclass
class PageParams:
    limit: int = DEFAULT_LIMIT
    after_id: int | None = None

    @classmethod
    def from_args(cls, args: MultiDict) -> PageParams:
        limit = _int(args, "limit", 1, MAX_LIMIT)
        return cls(limit=DEFAULT_LIMIT if limit is None else limit, after_id=_cursor(args))


@dataclass
class Page:
    items: list[dict[str, Any]]
    next: str | None
    limit: int

    def to_data(self) -> dict[str, Any]:
        return {"items": self.items, "next": self.next, "limit": self.limit}


# --- shaping -------------------------------------------------------------------------------------


def iso(value: datetime | date | None) -> str | None:
    """Timestamps are stored in UTC; SQLite hands them back naive."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


def _enum_value(value: Any) -> str:
    return getattr(value, "value", value)


def _paginate(stmt: Select, id_column: Any, params: PageParams, shape) -> Page:
    if params.after_id is not None:
        stmt = stmt.where(id_column > params.after_id)
    rows = db.session.execute(stmt.order_by(id_column).limit(params.limit + 1)).all()
    items = [shape(r) for r in rows[: params.limit]]
    nxt = encode_cursor(rows[params.limit - 1].id) if len(rows) > params.limit else None
    return Page(items=items, next=nxt, limit=params.limit)


# --- enterprises ---------------------------------------------------------------------------------

ENTERPRISE_COLUMNS = (
    Enterprise.id,
    Enterprise.name,
    Enterprise.name_en,
    Enterprise.uscc,
    Enterprise.city_code,
    Enterprise.industry_section,
    Enterprise.industry_division,
    Enterprise.size_class,
    Enterprise.address,
    Enterprise.main_products,
    Enterprise.created_at,
    Enterprise.updated_at,
)


def _enterprise_data(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "name_en": r.name_en,
        "uscc": r.uscc,
        "city_code": r.city_code,
        "industry_section": r.industry_section,
        "industry_division": r.industry_division,
        "size_class": r.size_class,
        "address": r.address,
        "main_products": r.main_products,
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
    }


def list_enterprises(user: User, args: MultiDict) -> Page:
    params = PageParams.from_args(args)
    city = _choice(args, "city", tuple(cities()))
    industry = _choice(args, "industry", tuple(industries()))
    stmt = scope_to_jurisdiction(select(*ENTERPRISE_COLUMNS), user)
    if city:
        stmt = stmt.where(Enterprise.city_code == city)
    if industry:
        stmt = stmt.where(Enterprise.industry_section == industry)
    return _paginate(stmt, Enterprise.id, params, _enterprise_data)


def get_enterprise(enterprise_id: int) -> dict[str, Any] | None:
    """The enterprise with its current CQO and submissions; None when absent (authz 404s)."""
    ent = db.session.get(Enterprise, enterprise_id)
    if ent is None:
        return None
    authz.require("enterprise.view", ent)
    data = _enterprise_data(ent)
    current = db.session.execute(
        _cqo_select()
        .where(
            CQORegistration.enterprise_id == ent.id, CQORegistration.status == CQOStatus.APPROVED
        )
        .order_by(CQORegistration.id.desc())
        .limit(1)
    ).first()
    data["current_cqo"] = _cqo_data(current) if current else None
    rows = db.session.execute(
        _submission_select().where(Assessment.enterprise_id == ent.id).order_by(Assessment.id)
    ).all()
    data["submissions"] = [_submission_data(r) for r in rows]
    return data


# --- CQO registrations ---------------------------------------------------------------------------


def _cqo_select() -> Select:
    return (
        select(
            CQORegistration.id,
            CQORegistration.enterprise_id,
            Enterprise.name.label("enterprise_name"),
            Enterprise.city_code,
            CQORegistration.status,
            CQORegistration.name,
            CQORegistration.position,
            CQORegistration.department,
            CQORegistration.appointed_on,
            CQORegistration.cert_number,
            CQORegistration.cert_issuer,
            CQORegistration.cert_date,
            CQORegistration.submitted_at,
            CQORegistration.decided_at,
            CQORegistration.effective_from,
            CQORegistration.effective_to,
        )
        .join(Enterprise, CQORegistration.enterprise_id == Enterprise.id)
        .where(CQORegistration.status.in_(CQO_VISIBLE))
    )


def _cqo_data(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "enterprise_id": r.enterprise_id,
        "enterprise_name": r.enterprise_name,
        "city_code": r.city_code,
        "status": _enum_value(r.status),
        "name": r.name,
        "position": r.position,
        "department": r.department,
        "appointed_on": iso(r.appointed_on),
        "cert_number": r.cert_number,
        "cert_issuer": r.cert_issuer,
        "cert_date": iso(r.cert_date),
        "submitted_at": iso(r.submitted_at),
        "decided_at": iso(r.decided_at),
        "effective_from": iso(r.effective_from),
        "effective_to": iso(r.effective_to),
    }


def list_cqos(user: User, args: MultiDict) -> Page:
    params = PageParams.from_args(args)
    status = _choice(args, "status", tuple(s.value for s in CQO_VISIBLE))
    city = _choice(args, "city", tuple(cities()))
    stmt = scope_to_jurisdiction(_cqo_select(), user)
    if status:
        stmt = stmt.where(CQORegistration.status == status)
    if city:
        stmt = stmt.where(Enterprise.city_code == city)
    return _paginate(stmt, CQORegistration.id, params, _cqo_data)


# --- submissions ---------------------------------------------------------------------------------


def _submission_select() -> Select:
    return (
        select(
            Assessment.id,
            Assessment.enterprise_id,
            Enterprise.name.label("enterprise_name"),
            Enterprise.uscc,
            Enterprise.city_code,
            Enterprise.industry_section,
            Assessment.questionnaire_key,
            QuestionnaireVersion.version.label("questionnaire_version"),
            Assessment.cycle_year,
            Assessment.status,
            Assessment.submitted_at,
            Assessment.reviewed_at,
            Assessment.total_points,
            Assessment.max_points,
            Assessment.percent,
            Assessment.level_code,
        )
        .join(Enterprise, Assessment.enterprise_id == Enterprise.id)
        .join(QuestionnaireVersion, Assessment.questionnaire_version_id == QuestionnaireVersion.id)
        .where(Assessment.status.in_(SUBMITTED))
    )


def _submission_data(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "enterprise_id": r.enterprise_id,
        "enterprise_name": r.enterprise_name,
        "uscc": r.uscc,
        "city_code": r.city_code,
        "industry_section": r.industry_section,
        "questionnaire": r.questionnaire_key,
        "questionnaire_version": r.questionnaire_version,
        "cycle_year": r.cycle_year,
        "status": _enum_value(r.status),
        "submitted_at": iso(r.submitted_at),
        "reviewed_at": iso(r.reviewed_at),
        "total_points": r.total_points,
        "max_points": r.max_points,
        "percent": r.percent,
        "level": r.level_code,
    }


def list_submissions(user: User, args: MultiDict) -> Page:
    """A page of submissions in two steps: the page's ids from a narrow query that filters and
    sorts on indexed columns only, then the full rows of those ids (so a filter that matches
    thousands of rows never reads their wide stored results)."""
    params = PageParams.from_args(args)
    city = _choice(args, "city", tuple(cities()))
    industry = _choice(args, "industry", tuple(industries()))
    questionnaire = _key(args, "questionnaire")
    status = _choice(args, "status", tuple(s.value for s in SUBMITTED))
    min_score, max_score = _score(args, "min_score"), _score(args, "max_score")
    after, before = _moment(args, "submitted_after"), _moment(args, "submitted_before")
    stmt = scope_to_jurisdiction(
        select(Assessment.id)
        .join(Enterprise, Assessment.enterprise_id == Enterprise.id)
        .where(Assessment.status.in_(SUBMITTED)),
        user,
    )
    if city:
        stmt = stmt.where(Enterprise.city_code == city)
    if industry:
        stmt = stmt.where(Enterprise.industry_section == industry)
    if questionnaire:
        stmt = stmt.where(Assessment.questionnaire_key == questionnaire)
    if status:
        stmt = stmt.where(Assessment.status == status)
    if min_score is not None:
        stmt = stmt.where(Assessment.percent >= min_score)
    if max_score is not None:
        stmt = stmt.where(Assessment.percent <= max_score)
    if after is not None:
        stmt = stmt.where(Assessment.submitted_at >= after)
    if before is not None:
        stmt = stmt.where(Assessment.submitted_at < before)
    if params.after_id is not None:
        stmt = stmt.where(Assessment.id > params.after_id)
    ids = list(db.session.scalars(stmt.order_by(Assessment.id).limit(params.limit + 1)))
    page_ids = ids[: params.limit]
    rows = (
        db.session.execute(
            _submission_select().where(Assessment.id.in_(page_ids)).order_by(Assessment.id)
        ).all()
        if page_ids
        else []
    )
    nxt = encode_cursor(page_ids[-1]) if len(ids) > params.limit else None
    return Page(items=[_submission_data(r) for r in rows], next=nxt, limit=params.limit)


def get_submission(assessment_id: int) -> dict[str, Any] | None:
    """One submitted assessment with its per-section scores; None when absent or a draft."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or assessment.status not in SUBMITTED:
        return None
    authz.require("assessment.view", assessment)
    row = db.session.execute(_submission_select().where(Assessment.id == assessment.id)).one()
    data = _submission_data(row)
    data["review_comment"] = assessment.review_comment
    q = questionnaire_of(assessment.questionnaire)
    order = {s.id: n for n, s in enumerate(q.sections)}
    titles = {s.id: s.title for s in q.sections}
    scores = db.session.execute(
        select(
            SectionScore.section_id,
            SectionScore.points,
            SectionScore.max_points,
            SectionScore.percent,
        ).where(SectionScore.assessment_id == assessment.id)
    ).all()
    data["sections"] = [
        {
            "section_id": s.section_id,
            "title_zh": titles[s.section_id].zh if s.section_id in titles else s.section_id,
            "title_en": titles[s.section_id].en if s.section_id in titles else s.section_id,
            "points": s.points,
            "max_points": s.max_points,
            "percent": s.percent,
        }
        for s in sorted(scores, key=lambda s: (order.get(s.section_id, len(order)), s.section_id))
    ]
    return data


# --- statistics ----------------------------------------------------------------------------------


def _avg(total: float, n: int) -> float | None:
    return round(total / n, 1) if n else None


_stats_cache: dict[tuple[Any, ...], tuple[float, dict[str, Any]]] = {}
_stats_lock = threading.Lock()


def clear_statistics_cache() -> None:
    with _stats_lock:
        _stats_cache.clear()


def statistics(user: User, args: MultiDict, ttl: float = 0) -> dict[str, Any]:
    """The statistics of the user's jurisdiction, reused for `ttl` seconds per jurisdiction and
    filter: the aggregates read every submission in scope, so their cost grows with the data,
    and a bureau's system polling them should not make every poll pay it (`computed_at` says
    how old the figures are)."""
    questionnaire = _key(args, "questionnaire")
    year = _int(args, "cycle_year", 2000, 2100)
    codes = visible_city_codes(user)
    key = (tuple(sorted(codes)) if codes is not None else None, questionnaire, year)
    now = time.monotonic()
    hit = _stats_cache.get(key)
    if ttl > 0 and hit is not None and hit[0] > now:
        data = hit[1]
    else:
        data = _compute_statistics(user, questionnaire, year)
        if ttl > 0:
            with _stats_lock:
                _stats_cache[key] = (now + ttl, data)
    return {**data, "jurisdiction_code": user.jurisdiction_code}


def _compute_statistics(user: User, questionnaire: str | None, year: int | None) -> dict[str, Any]:
    """Counts by status, averages by city and industry, CQO coverage, in two SQL queries.

    Submissions are grouped per (city, industry, status) with COUNT and SUM — at most
    21 x 20 x 3 rows, read through the assessments' covering index — and those rows are added
    up here into the overall, per-status, per-city and per-industry figures.
    """
    stmt = scope_to_jurisdiction(
        select(
            Enterprise.city_code,
            Enterprise.industry_section,
            Assessment.status,
            func.count(),
            func.count(Assessment.percent),
            func.coalesce(func.sum(Assessment.percent), 0.0),
        )
        .select_from(Assessment)
        .join(Enterprise, Assessment.enterprise_id == Enterprise.id)
        .where(Assessment.status.in_(SUBMITTED))
        .group_by(Enterprise.city_code, Enterprise.industry_section, Assessment.status),
        user,
    )
    if questionnaire:
        stmt = stmt.where(Assessment.questionnaire_key == questionnaire)
    if year is not None:
        stmt = stmt.where(Assessment.cycle_year == year)

    by_status = {s.value: 0 for s in SUBMITTED}
    cities_: dict[str, list[float]] = {}  # code -> [submissions, scored, sum of percent]
    industries_: dict[str, list[float]] = {}
    overall = [0, 0, 0.0]
    for city, industry, status, n, scored, total in db.session.execute(stmt):
        n, scored = int(n), int(scored)
        by_status[_enum_value(status)] += n
        for acc in (
            cities_.setdefault(city, [0, 0, 0.0]),
            industries_.setdefault(industry, [0, 0, 0.0]),
            overall,
        ):
            acc[0] += n
            acc[1] += scored
            acc[2] += float(total)

    approved = (
        select(CQORegistration.enterprise_id)
        .where(CQORegistration.status == CQOStatus.APPROVED)
        .distinct()
        .subquery()
    )
    enterprises, with_cqo = db.session.execute(
        scope_to_jurisdiction(
            select(func.count(Enterprise.id), func.count(approved.c.enterprise_id)).outerjoin(
                approved, approved.c.enterprise_id == Enterprise.id
            ),
            user,
        )
    ).one()
    return {
        "computed_at": iso(utcnow()),
        "filters": {"questionnaire": questionnaire, "cycle_year": year},
        "submissions": {
            "total": int(overall[0]),
            "by_status": by_status,
            "average_percent": _avg(overall[2], int(overall[1])),
        },
        "by_city": [
            {"city_code": code, "submissions": int(a[0]), "average_percent": _avg(a[2], int(a[1]))}
            for code, a in sorted(cities_.items())
        ],
        "by_industry": [
            {
                "industry_section": code,
                "submissions": int(a[0]),
                "average_percent": _avg(a[2], int(a[1])),
            }
            for code, a in sorted(industries_.items())
        ],
        "cqo_coverage": {
            "enterprises": enterprises,
            "with_approved_cqo": with_cqo,
            "ratio": round(with_cqo / enterprises, 4) if enterprises else None,
        },
    }
