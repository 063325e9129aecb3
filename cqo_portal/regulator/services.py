"""Queries of the regulator's workspace, always scoped to the regulator's jurisdiction.

One `SubmissionFilter` (parsed from the URL) feeds the list, the CSV/XLSX exports and the ZIP of
reports, so they always agree. Lists page with keysets on (sort key, id), never OFFSET.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, exists, func, literal_column, or_, select
from sqlalchemy.orm import contains_eager, load_only
from werkzeug.datastructures import MultiDict

from cqo_portal.authz import scope_to_jurisdiction, visible_city_codes
from cqo_portal.core.scoring import GBT_TOTAL_READINGS, MATURITY_LEVELS
from cqo_portal.extensions import db
from cqo_portal.models import (
    SUBMITTED_STATUSES,
    Assessment,
    AssessmentStatus,
    CQORegistration,
    CQOStatus,
    Enterprise,
    QuestionnaireVersion,
    Report,
    ReportStatus,
    User,
)
from cqo_portal.models.enterprises import SizeClass
from cqo_portal.reference import cities, industries

PAGE_SIZE = 50

# sort name -> (column key, descending)
SUBMISSION_SORTS: dict[str, tuple[str, bool]] = {
    "-submitted": ("submitted", True),
    "submitted": ("submitted", False),
    "-score": ("score", True),
    "score": ("score", False),
    "name": ("name", False),
    "-name": ("name", True),
}
DEFAULT_SORT = "-submitted"


def level_choices() -> list[tuple[str, Any]]:
    """(code, Text label) of every overall level the scoring can store on an assessment."""
    return [(lvl.code, lvl.label) for _lo, lvl in (*MATURITY_LEVELS, *GBT_TOTAL_READINGS)]


def _parse_float(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if 0 <= value <= 100 else None


def _parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _user_cities(user: User | None) -> set[str] | None:
    return None if user is None else visible_city_codes(user)


@dataclass
class SubmissionFilter:
    """What the regulator asked for in the URL; invalid values are dropped and noted in `notes`."""

    city: str = ""
    industry: str = ""
    questionnaire: str = ""
    status: str = ""
    level: str = ""
    score_min: float | None = None
    score_max: float | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    after: int | None = None  # keyset cursor: the id of the last row of the previous page
    notes: list[str] = field(default_factory=list, compare=False)

    URL_FIELDS = (
        "city",
        "industry",
        "questionnaire",
        "status",
        "level",
        "score_min",
        "score_max",
        "date_from",
        "date_to",
        "q",
        "sort",
    )

    @classmethod
    def from_args(cls, args: MultiDict, user: User | None = None) -> SubmissionFilter:
        flt = cls()
        notes = flt.notes

        def take(name: str) -> str:
            return (args.get(name) or "").strip()

        city = take("city")
        allowed = _user_cities(user)
        if city:
            if city not in cities():
                notes.append(_l("Unknown city ignored."))
            elif allowed is not None and city not in allowed:
                notes.append(_l("That city is outside your jurisdiction; filter ignored."))
            else:
                flt.city = city
        industry = take("industry").upper()
        if industry:
            if industry in industries():
                flt.industry = industry
            else:
                notes.append(_l("Unknown industry ignored."))
        questionnaire = take("questionnaire")
        if questionnaire:
            if questionnaire in {k for k, _zh, _en in questionnaire_choices()}:
                flt.questionnaire = questionnaire
            else:
                notes.append(_l("Unknown questionnaire ignored."))
        status = take("status")
        if status:
            if status in {s.value for s in SUBMITTED_STATUSES}:
                flt.status = status
            else:
                notes.append(_l("Unknown status ignored."))
        level = take("level")
        if level:
            if level in {code for code, _label in level_choices()}:
                flt.level = level
            else:
                notes.append(_l("Unknown level ignored."))
        for name in ("score_min", "score_max"):
            raw = take(name)
            if raw:
                value = _parse_float(raw)
                if value is None:
                    notes.append(_l("Score limits are percentages from 0 to 100; ignored."))
                setattr(flt, name, value)
        if (
            flt.score_min is not None
            and flt.score_max is not None
            and flt.score_min > flt.score_max
        ):
            notes.append(_l("The lowest score is above the highest; score range ignored."))
            flt.score_min = flt.score_max = None
        for name in ("date_from", "date_to"):
            raw = take(name)
            if raw:
                value = _parse_date(raw)
                if value is None:
                    notes.append(_l("Dates are written as YYYY-MM-DD; ignored."))
                setattr(flt, name, value)
        if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
            notes.append(_l("The start date is after the end date; date range ignored."))
            flt.date_from = flt.date_to = None
        flt.q = take("q")[:100]
        sort = take("sort")
        if sort:
            if sort in SUBMISSION_SORTS:
                flt.sort = sort
            else:
                notes.append(_l("Unknown sort order ignored."))
        after = take("after")
        flt.after = int(after) if after.isdigit() and len(after) < 19 else None
        return flt

    def args(self, **changes: Any) -> dict[str, Any]:
        """The filter as URL arguments (defaults left out), with `changes` applied."""
        data: dict[str, Any] = {}
        for name in (*self.URL_FIELDS, "after"):
            value = getattr(self, name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, float):
                value = f"{value:g}"
            data[name] = value
        if data.get("sort") == DEFAULT_SORT:
            data["sort"] = None
        data.update(changes)
        return {k: v for k, v in data.items() if v not in ("", None)}

    @property
    def active(self) -> bool:
        return any(
            getattr(self, f.name) not in ("", None)
            for f in fields(self)
            if f.name in self.URL_FIELDS and f.name != "sort"
        )


@dataclass
class Page:
    items: list[Any] = field(default_factory=list)
    next_after: int | None = None
    restarted: bool = False  # the cursor was not found: the list starts over


def scoped(stmt: Select, user: User) -> Select:
    """Restrict a statement that joins Enterprise to the user's jurisdiction."""
    return scope_to_jurisdiction(stmt, user)


def scoped_submissions(stmt: Select, user: User) -> Select:
    """Restrict a statement on assessments to the user's jurisdiction by the assessments' own
    copy of their enterprise's city (one index walks a city's submissions in list order)."""
    return scope_to_jurisdiction(stmt, user, Assessment.city_code)


def _like(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def _search(q: str) -> ColumnElement[bool]:
    code = q.upper().replace(" ", "")
    conditions = [Enterprise.name.ilike(_like(q), escape="\\")]
    if re.fullmatch(r"[0-9A-Z]{4,18}", code):
        conditions.append(Enterprise.uscc.startswith(code, autoescape=True))
    return or_(*conditions)


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


def submissions_query(user: User, flt: SubmissionFilter) -> Select:
    """Submissions (not drafts) matching the filter within the user's jurisdiction; unsorted."""
    stmt = (
        select(Assessment)
        .join(Assessment.enterprise)
        # The list shows the enterprise's name, code, city and industry: load only those.
        .options(
            contains_eager(Assessment.enterprise).load_only(
                Enterprise.id,
                Enterprise.name,
                Enterprise.uscc,
                Enterprise.city_code,
                Enterprise.industry_section,
            )
        )
        .where(Assessment.status.in_(SUBMITTED_STATUSES))
    )
    return _apply_filter(scoped_submissions(stmt, user), flt)


def _range_operand(col: Any, flt: SubmissionFilter, key: str) -> Any:
    """The column for a range filter. On SQLite a range on a column other than the sort key is
    written `+col`, so the planner walks the (sort key, id) index and stops after one page
    instead of collecting the whole range and sorting it; PostgreSQL's planner needs no hint."""
    if SUBMISSION_SORTS[flt.sort][0] == key or _nulls_sort_high():
        return col
    column = col.property.columns[0]
    return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)


def _apply_filter(stmt: Select, flt: SubmissionFilter) -> Select:
    if flt.city:
        stmt = stmt.where(Assessment.city_code == flt.city)
    if flt.industry:
        stmt = stmt.where(Assessment.industry_section == flt.industry)
    if flt.questionnaire:
        stmt = stmt.where(Assessment.questionnaire_key == flt.questionnaire)
    if flt.status:
        stmt = stmt.where(Assessment.status == AssessmentStatus(flt.status))
    if flt.level:
        stmt = stmt.where(Assessment.level_code == flt.level)
    percent = _range_operand(Assessment.percent, flt, "score")
    if flt.score_min is not None:
        stmt = stmt.where(percent >= flt.score_min)
    if flt.score_max is not None:
        stmt = stmt.where(percent <= flt.score_max)
    if flt.date_from or flt.date_to:
        submitted = _range_operand(Assessment.submitted_at, flt, "submitted")
        if flt.date_from:
            stmt = stmt.where(submitted >= _day_start(flt.date_from))
        if flt.date_to:
            stmt = stmt.where(submitted < _day_start(flt.date_to + timedelta(days=1)))
    if flt.q:
        stmt = stmt.where(_search(flt.q))
    return stmt


def _sort_column(key: str) -> Any:
    return {
        "submitted": Assessment.submitted_at,
        "score": Assessment.percent,
        "name": Enterprise.name,
    }[key]


def _nulls_sort_high() -> bool:
    """PostgreSQL sorts NULL above every value; SQLite below. Keysets must agree with the DB."""
    return db.session.get_bind().dialect.name == "postgresql"


def keyset_after(
    col: Any, id_col: Any, value: Any, last_id: int, descending: bool
) -> ColumnElement[bool]:
    """Rows that come after (value, last_id) in ORDER BY col, id (both asc or both desc)."""
    nulls_high = _nulls_sort_high()
    tie_id = id_col < last_id if descending else id_col > last_id
    if value is None:
        # Past the NULL block or inside it.
        if descending == nulls_high:  # NULLs come first in this order
            return or_(col.is_not(None), and_(col.is_(None), tie_id))
        return and_(col.is_(None), tie_id)
    beyond = col < value if descending else col > value
    conditions = [beyond, and_(col == value, tie_id)]
    if descending != nulls_high:  # NULLs come last in this order
        conditions.append(col.is_(None))
    return or_(*conditions)


def ordered(stmt: Select, flt: SubmissionFilter) -> Select:
    key, descending = SUBMISSION_SORTS[flt.sort]
    col = _sort_column(key)
    if descending:
        return stmt.order_by(col.desc(), Assessment.id.desc())
    return stmt.order_by(col.asc(), Assessment.id.asc())


def list_submissions(user: User, flt: SubmissionFilter) -> Page:
    """One page of matching submissions in the chosen order, with the enterprise loaded."""
    stmt = submissions_query(user, flt)
    key, descending = SUBMISSION_SORTS[flt.sort]
    col = _sort_column(key)
    page = Page()
    if flt.after:
        cursor = db.session.execute(
            scoped(
                select(col, Assessment.id)
                .join(Assessment.enterprise)
                .where(Assessment.id == flt.after),
                user,
            )
        ).first()
        if cursor is None:
            page.restarted = True
        else:
            stmt = stmt.where(keyset_after(col, Assessment.id, cursor[0], cursor[1], descending))
    # The list shows a few columns; the stored result (large JSON) stays unloaded.
    stmt = stmt.options(
        load_only(
            Assessment.id,
            Assessment.enterprise_id,
            Assessment.questionnaire_key,
            Assessment.cycle_year,
            Assessment.status,
            Assessment.submitted_at,
            Assessment.total_points,
            Assessment.percent,
        )
    )
    rows = list(db.session.scalars(ordered(stmt, flt).limit(PAGE_SIZE + 1)))
    page.items = rows[:PAGE_SIZE]
    if len(rows) > PAGE_SIZE:
        page.next_after = rows[PAGE_SIZE - 1].id
    return page


def count_submissions(user: User, flt: SubmissionFilter) -> int:
    stmt = select(func.count(Assessment.id)).join(Assessment.enterprise)
    stmt = stmt.where(Assessment.status.in_(SUBMITTED_STATUSES))
    return db.session.scalar(_apply_filter(scoped_submissions(stmt, user), flt)) or 0


def selected_ids(user: User, flt: SubmissionFilter, ids: list[int] | None, limit: int) -> list[int]:
    """Ids of the submissions to bundle: the chosen ones (only those in reach) or all matching."""
    stmt = select(Assessment.id).join(Assessment.enterprise)
    stmt = scoped_submissions(stmt.where(Assessment.status.in_(SUBMITTED_STATUSES)), user)
    stmt = stmt.where(Assessment.id.in_(ids)) if ids is not None else _apply_filter(stmt, flt)
    return list(db.session.scalars(ordered(stmt, flt).limit(limit)))


def reports_to_render(ids: list[int], lang: str) -> int:
    """How many of these submissions have no ready PDF in `lang` yet (each takes seconds to render)."""
    ready = db.session.scalar(
        select(func.count(Report.id)).where(
            Report.assessment_id.in_(ids), Report.lang == lang, Report.status == ReportStatus.READY
        )
    )
    return len(ids) - (ready or 0)


def questionnaire_choices() -> list[tuple[str, str, str]]:
    """(key, zh title, en title) of each questionnaire, titled by its latest version."""
    rows = db.session.execute(
        select(
            QuestionnaireVersion.key, QuestionnaireVersion.title_zh, QuestionnaireVersion.title_en
        ).order_by(QuestionnaireVersion.key, QuestionnaireVersion.id.desc())
    )
    seen: dict[str, tuple[str, str, str]] = {}
    for key, zh, en in rows:
        seen.setdefault(key, (key, zh, en))
    return list(seen.values())


def enterprise_history(ent: Enterprise) -> list[Assessment]:
    """Every submission of the enterprise, newest first, with its questionnaire loaded."""
    return list(
        db.session.scalars(
            select(Assessment)
            .join(Assessment.questionnaire)
            .options(contains_eager(Assessment.questionnaire))
            .where(Assessment.enterprise_id == ent.id, Assessment.status.in_(SUBMITTED_STATUSES))
            .order_by(Assessment.submitted_at.desc(), Assessment.id.desc())
        )
    )


def cqo_history(ent: Enterprise) -> list[CQORegistration]:
    """The enterprise's CQO filings other than drafts, newest first."""
    return list(
        db.session.scalars(
            select(CQORegistration)
            .where(
                CQORegistration.enterprise_id == ent.id,
                CQORegistration.status != CQOStatus.DRAFT,
            )
            .order_by(CQORegistration.id.desc())
        )
    )


def reviewer_name(assessment: Assessment) -> str | None:
    if assessment.reviewed_by_id is None:
        return None
    return db.session.scalar(select(User.name).where(User.id == assessment.reviewed_by_id))


# --- enterprises ---------------------------------------------------------------------------


@dataclass
class EnterpriseFilter:
    city: str = ""
    industry: str = ""
    size: str = ""
    cqo: str = ""  # "yes": has an approved CQO; "no": has none
    q: str = ""
    after: int | None = None
    notes: list[str] = field(default_factory=list, compare=False)

    URL_FIELDS = ("city", "industry", "size", "cqo", "q")

    @classmethod
    def from_args(cls, args: MultiDict, user: User | None = None) -> EnterpriseFilter:
        flt = cls()
        base = SubmissionFilter.from_args(
            MultiDict({k: args.get(k, "") for k in ("city", "industry", "q")}), user
        )
        flt.city, flt.industry, flt.q = base.city, base.industry, base.q
        flt.notes.extend(base.notes)
        size = (args.get("size") or "").strip()
        if size:
            if size in {s.value for s in SizeClass}:
                flt.size = size
            else:
                flt.notes.append(_l("Unknown size ignored."))
        cqo = (args.get("cqo") or "").strip()
        if cqo:
            if cqo in ("yes", "no"):
                flt.cqo = cqo
            else:
                flt.notes.append(_l("Unknown CQO choice ignored."))
        after = (args.get("after") or "").strip()
        flt.after = int(after) if after.isdigit() and len(after) < 19 else None
        return flt

    def args(self, **changes: Any) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in (*self.URL_FIELDS, "after")}
        data.update(changes)
        return {k: v for k, v in data.items() if v not in ("", None)}


@dataclass
class EnterpriseRow:
    enterprise: Enterprise
    cqo_name: str | None
    submissions: int
    last_submitted_at: datetime | None


def _has_approved_cqo() -> ColumnElement[bool]:
    return exists().where(
        CQORegistration.enterprise_id == Enterprise.id,
        CQORegistration.status == CQOStatus.APPROVED,
    )


def list_enterprises(user: User, flt: EnterpriseFilter) -> Page:
    """One page of enterprises in the jurisdiction, by name, with CQO and submission figures."""
    cqo_name = (
        select(CQORegistration.name)
        .where(
            CQORegistration.enterprise_id == Enterprise.id,
            CQORegistration.status == CQOStatus.APPROVED,
        )
        .order_by(CQORegistration.id.desc())
        .limit(1)
        .correlate(Enterprise)
        .scalar_subquery()
    )
    sub_count = (
        select(func.count(Assessment.id))
        .where(Assessment.enterprise_id == Enterprise.id, Assessment.status.in_(SUBMITTED_STATUSES))
        .correlate(Enterprise)
        .scalar_subquery()
    )
    last_at = (
        select(func.max(Assessment.submitted_at))
        .where(Assessment.enterprise_id == Enterprise.id, Assessment.status.in_(SUBMITTED_STATUSES))
        .correlate(Enterprise)
        .scalar_subquery()
    )
    stmt = scoped(select(Enterprise, cqo_name, sub_count, last_at), user)
    if flt.city:
        stmt = stmt.where(Enterprise.city_code == flt.city)
    if flt.industry:
        stmt = stmt.where(Enterprise.industry_section == flt.industry)
    if flt.size:
        stmt = stmt.where(Enterprise.size_class == flt.size)
    if flt.cqo == "yes":
        stmt = stmt.where(_has_approved_cqo())
    elif flt.cqo == "no":
        stmt = stmt.where(~_has_approved_cqo())
    if flt.q:
        stmt = stmt.where(_search(flt.q))
    page = Page()
    if flt.after:
        cursor = db.session.execute(
            scoped(select(Enterprise.name, Enterprise.id).where(Enterprise.id == flt.after), user)
        ).first()
        if cursor is None:
            page.restarted = True
        else:
            stmt = stmt.where(keyset_after(Enterprise.name, Enterprise.id, *cursor, False))
    rows = db.session.execute(
        stmt.order_by(Enterprise.name.asc(), Enterprise.id.asc()).limit(PAGE_SIZE + 1)
    ).all()
    page.items = [EnterpriseRow(*row) for row in rows[:PAGE_SIZE]]
    if len(rows) > PAGE_SIZE:
        page.next_after = rows[PAGE_SIZE - 1][0].id
    return page
