"""The data API's queries: scoped to the token owner's jurisdiction, filtered, keyset-paginated.

Lists select plain columns (never the stored result JSON), page by primary key (`id > cursor`)
and count in SQL, so a page costs the same at 1,000 rows as at 100,000.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from werkzeug.datastructures import MultiDict

from cqo_portal import authz
from cqo_portal.assessments.services import questionnaire_of
from cqo_portal.authz import scope_to_jurisdiction
from cqo_portal.extensions import db
from cqo_portal.models import (
    SUBMITTED_STATUSES,
    Assessment,
    CQORegistration,
    CQOStatus,
    Enterprise,
    QuestionnaireVersion,
    SectionScore,
    User,
)
from cqo_portal.reference import cities, industries
from cqo_portal.statistics import figures as jurisdiction_figures

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_ID = 2**31 - 1
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
        .where(Assessment.status.in_(SUBMITTED_STATUSES))
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
    status = _choice(args, "status", tuple(s.value for s in SUBMITTED_STATUSES))
    min_score, max_score = _score(args, "min_score"), _score(args, "max_score")
    after, before = _moment(args, "submitted_after"), _moment(args, "submitted_before")
    # The enterprise's city and industry as copied onto its assessments: no join, and the
    # (city, submitted_at, id) index serves a city's list in order.
    stmt = scope_to_jurisdiction(
        select(Assessment.id).where(Assessment.status.in_(SUBMITTED_STATUSES)),
        user,
        Assessment.city_code,
    )
    if city:
        stmt = stmt.where(Assessment.city_code == city)
    if industry:
        stmt = stmt.where(Assessment.industry_section == industry)
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
    if assessment is None or assessment.status not in SUBMITTED_STATUSES:
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


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def statistics(user: User, args: MultiDict) -> dict[str, Any]:
    """The jurisdiction's counts by status, averages by city and industry and CQO coverage,
    optionally for one questionnaire and cycle year: the dashboard's figures
    (cqo_portal.statistics), always current."""
    questionnaire = _key(args, "questionnaire")
    year = _int(args, "cycle_year", 2000, 2100)
    f = jurisdiction_figures(user, year, questionnaire or "", "en", keep_year=True, detail=False)
    enterprises = sum(c["enterprises"] for c in f.coverage)
    with_cqo = sum(c["with_cqo"] for c in f.coverage)
    return {
        "computed_at": iso(f.computed_at),
        "filters": {"questionnaire": questionnaire, "cycle_year": year},
        "submissions": {
            "total": f.total,
            "by_status": dict(f.by_status),
            "average_percent": _round(f.average),
        },
        "by_city": [
            {
                "city_code": r["code"],
                "submissions": r["count"],
                "average_percent": _round(r["average"] if r["scored"] else None),
            }
            for r in sorted(f.by_city, key=lambda r: r["code"])
        ],
        "by_industry": [
            {
                "industry_section": r["code"],
                "submissions": r["count"],
                "average_percent": _round(r["average"] if r["scored"] else None),
            }
            for r in sorted(f.by_industry, key=lambda r: r["code"])
        ],
        "cqo_coverage": {
            "enterprises": enterprises,
            "with_approved_cqo": with_cqo,
            "ratio": round(with_cqo / enterprises, 4) if enterprises else None,
        },
        "jurisdiction_code": user.jurisdiction_code,
    }
