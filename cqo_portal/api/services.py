"""The data API's queries: scoped to the token owner's jurisdiction, filtered, keyset-paginated.

Lists select plain columns (never the stored result JSON) and page by primary key (`id > cursor`,
`cqo_portal.query.keyset_page`), so a page costs the same at 1,000 rows as at 100,000. The
submission list is the regulator's: the query parameters become a `SubmissionFilter`.
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
from cqo_portal.actions import services as action_services
from cqo_portal.assessments.services import questionnaire_of
from cqo_portal.authz import scope_to_jurisdiction
from cqo_portal.core.actions import ActionCounts
from cqo_portal.cqo.services import FILED, current_cqo_select
from cqo_portal.extensions import db
from cqo_portal.models import (
    SUBMITTED_STATUSES,
    Assessment,
    CQORegistration,
    Enterprise,
    QuestionnaireVersion,
    SectionScore,
    User,
)
from cqo_portal.query import (
    Keyset,
    Page,
    SubmissionFilter,
    keyset_page,
    ordered_submissions,
    submission_page,
    submissions_select,
)
from cqo_portal.reference import cities, industries
from cqo_portal.statistics import figures as jurisdiction_figures

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_ID = 2**31 - 1
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


def page_data(page: Page[dict[str, Any]]) -> dict[str, Any]:
    """A page as the API answers it: the items, the cursor of the next page (null at the end)."""
    nxt = None if page.next_after is None else encode_cursor(page.next_after)
    return {"items": page.items, "next": nxt, "limit": page.limit}


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


def _by_id(stmt: Select, id_column: Any, params: PageParams, shape) -> Page[dict[str, Any]]:
    """A page of `stmt` in id order, each row shaped."""
    return keyset_page(stmt, Keyset(id_column), params.limit, params.after_id).map(shape)


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


def list_enterprises(user: User, args: MultiDict) -> Page[dict[str, Any]]:
    params = PageParams.from_args(args)
    city = _choice(args, "city", tuple(cities()))
    industry = _choice(args, "industry", tuple(industries()))
    stmt = scope_to_jurisdiction(select(*ENTERPRISE_COLUMNS), user)
    if city:
        stmt = stmt.where(Enterprise.city_code == city)
    if industry:
        stmt = stmt.where(Enterprise.industry_section == industry)
    return _by_id(stmt, Enterprise.id, params, _enterprise_data)


def get_enterprise(user: User, enterprise_id: int) -> dict[str, Any] | None:
    """The enterprise with its current CQO (`cqo_portal.cqo.services.current_cqo`) and its
    submissions; None when absent (authz 404s)."""
    ent = db.session.get(Enterprise, enterprise_id)
    if ent is None:
        return None
    authz.require("enterprise.view", ent)
    data = _enterprise_data(ent)
    current_id = current_cqo_select(ent.id).with_only_columns(CQORegistration.id)
    current = db.session.execute(
        _cqo_select().where(CQORegistration.id == current_id.scalar_subquery())
    ).first()
    data["current_cqo"] = _cqo_data(current) if current else None
    rows = db.session.execute(_submissions(user, SubmissionFilter(enterprise_id=ent.id, sort="id")))
    data["submissions"] = [_submission_data(r) for r in rows]
    counts = action_services.counts_by_enterprise([ent.id]).get(ent.id)
    data["improvement_actions"] = action_services.rates(counts or ActionCounts())
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
        .where(CQORegistration.status.in_(FILED))
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


def list_cqos(user: User, args: MultiDict) -> Page[dict[str, Any]]:
    params = PageParams.from_args(args)
    status = _choice(args, "status", tuple(s.value for s in FILED))
    city = _choice(args, "city", tuple(cities()))
    stmt = scope_to_jurisdiction(_cqo_select(), user)
    if status:
        stmt = stmt.where(CQORegistration.status == status)
    if city:
        stmt = stmt.where(Enterprise.city_code == city)
    return _by_id(stmt, CQORegistration.id, params, _cqo_data)


# --- submissions ---------------------------------------------------------------------------------


def _submissions(user: User, flt: SubmissionFilter) -> Select:
    """The API's columns of the submissions matching `flt`, in the filter's order."""
    return ordered_submissions(
        user,
        flt,
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
        with_enterprise=True,
    ).join(Assessment.questionnaire)


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


def submission_filter(args: MultiDict) -> SubmissionFilter:
    """The submission list's query parameters as a filter (in id order); a malformed one raises
    ApiQueryError naming it."""
    return SubmissionFilter(
        city=_choice(args, "city", tuple(cities())) or "",
        industry=_choice(args, "industry", tuple(industries())) or "",
        questionnaire=_key(args, "questionnaire") or "",
        status=_choice(args, "status", tuple(s.value for s in SUBMITTED_STATUSES)) or "",
        score_min=_score(args, "min_score"),
        score_max=_score(args, "max_score"),
        submitted_from=_moment(args, "submitted_after"),
        submitted_before=_moment(args, "submitted_before"),
        unsupported_claims=_choice(args, "unsupported_claims", ("true", "false")) == "true",
        sort="id",
    )


def list_submissions(user: User, args: MultiDict) -> Page[dict[str, Any]]:
    """A page of submissions in two steps: the page's ids from the narrow query (no join; it
    filters and sorts on the assessments' indexed columns only), then the full rows of those
    ids, so a filter that matches thousands of rows never reads their wide columns."""
    params = PageParams.from_args(args)
    flt = submission_filter(args)
    ids = submission_page(
        user,
        flt,
        submissions_select(user, flt, Assessment.id),
        params.limit,
        params.after_id,
        scalars=True,
        row_id=int,
    )
    rows = (
        db.session.execute(_submissions(user, SubmissionFilter(ids=tuple(ids.items), sort="id")))
        if ids.items
        else []
    )
    return Page([_submission_data(r) for r in rows], ids.limit, ids.next_after, ids.restarted)


def get_submission(user: User, assessment_id: int) -> dict[str, Any] | None:
    """One submitted assessment with its per-section scores; None when absent or a draft."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or assessment.status not in SUBMITTED_STATUSES:
        return None
    authz.require("assessment.view", assessment)
    row = db.session.execute(_submissions(user, SubmissionFilter(ids=(assessment.id,)))).one()
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
        "improvement_actions": _action_figures(user),
        "jurisdiction_code": user.jurisdiction_code,
    }


def _action_figures(user: User) -> dict[str, Any]:
    """Improvement actions of the jurisdiction's enterprises, in all and by city (every year)."""
    by_city = action_services.counts_by_city(user)
    return {
        **action_services.rates(action_services.total(by_city.values())),
        "by_city": [
            {"city_code": code, **action_services.rates(c)} for code, c in sorted(by_city.items())
        ],
    }


# --- quality-safety duties --------------------------------------------------------------------


def quality_safety(user: User, args: MultiDict) -> dict[str, Any]:
    """The bureau's quality-safety figures (as on its page): enterprises in scope, without an
    approved director, missing weekly reports or monthly minutes in the last `weeks` weeks, with
    hazards open longer than `days` days; in all, by city and by industry."""
    from flask import current_app

    from cqo_portal.safety import services as safety_services

    flt = safety_services.OversightFilter(
        weeks=_int(args, "weeks", 1, 52) or current_app.config["SAFETY_WINDOW_WEEKS"],
        days=_int(args, "days", 1, 3650) or current_app.config["SAFETY_HAZARD_DAYS"],
        city=_choice(args, "city", tuple(cities())) or "",
        industry=_choice(args, "industry", tuple(industries())) or "",
    )
    view = safety_services.oversight(user, flt)
    names = ("in_scope", "no_director", "missing_weekly", "missing_monthly", "long_open")

    def groups(key: str) -> list[dict[str, Any]]:
        return [{"code": row[0], **dict(zip(names, row[1:], strict=True))} for row in view.by(key)]

    return {
        "jurisdiction_code": user.jurisdiction_code,
        "as_of": view.today.isoformat(),
        "filters": {
            "weeks": flt.weeks,
            "days": flt.days,
            "city": flt.city or None,
            "industry": flt.industry or None,
        },
        "totals": {name: view.count(name) for name in names},
        "by_city": groups("city"),
        "by_industry": groups("industry"),
    }
