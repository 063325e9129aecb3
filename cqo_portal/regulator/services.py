"""Queries of the regulator's workspace, always scoped to the regulator's jurisdiction.

The submission list, its count, the CSV/XLSX exports and the ZIP of reports all run the one
`cqo_portal.query.SubmissionFilter` that `SubmissionSearch` reads from the URL, so they agree
with each other and with the data API. Lists page with keysets on (sort key, id), never OFFSET.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, load_only
from werkzeug.datastructures import MultiDict

from cqo_portal.authz import scope_to_jurisdiction, visible_city_codes
from cqo_portal.core.scoring import GBT_TOTAL_READINGS, MATURITY_LEVELS
from cqo_portal.cqo.services import current_cqo_select, has_current_cqo
from cqo_portal.extensions import db
from cqo_portal.models import (
    SUBMITTED_STATUSES,
    Assessment,
    CQORegistration,
    Enterprise,
    QuestionnaireVersion,
    Report,
    ReportStatus,
    User,
)
from cqo_portal.models.enterprises import SizeClass
from cqo_portal.query import (
    DEFAULT_SORT,
    Keyset,
    Page,
    SubmissionFilter,
    enterprise_search,
    keyset_page,
    ordered_submissions,
    submission_page,
    submissions_select,
    url_id,
)
from cqo_portal.reference import cities, industries

PAGE_SIZE = 50
# The orders the regulator's list offers (cqo_portal.query.SUBMISSION_SORTS has the API's too).
LIST_SORTS = ("-submitted", "submitted", "-score", "score", "name", "-name")


def level_choices() -> list[tuple[str, Any]]:
    """(code, Text label) of every overall level the scoring can store on an assessment."""
    return [(lvl.code, lvl.label) for _lo, lvl in (*MATURITY_LEVELS, *GBT_TOTAL_READINGS)]


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


# --- reading the URL -----------------------------------------------------------------------------


class _Args:
    """The URL's arguments, each stripped. A value the regulator may not use is dropped with a
    note saying so, and never widens what is listed."""

    def __init__(self, args: MultiDict, user: User | None) -> None:
        self.args = args
        self.user = user
        self.notes: list[str] = []

    def text(self, name: str) -> str:
        return (self.args.get(name) or "").strip()

    def choice(self, name: str, allowed: Any, note: Any) -> str:
        value = self.text(name)
        if value and value not in allowed:
            self.notes.append(note)
            return ""
        return value

    def city(self) -> str:
        city = self.choice("city", cities(), _l("Unknown city ignored."))
        allowed = None if self.user is None else visible_city_codes(self.user)
        if city and allowed is not None and city not in allowed:
            self.notes.append(_l("That city is outside your jurisdiction; filter ignored."))
            return ""
        return city

    def industry(self) -> str:
        industry = self.text("industry").upper()
        if industry and industry not in industries():
            self.notes.append(_l("Unknown industry ignored."))
            return ""
        return industry

    def q(self) -> str:
        return self.text("q")[:100]

    def score(self, name: str) -> float | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not 0 <= value <= 100:  # NaN too
            self.notes.append(_l("Score limits are percentages from 0 to 100; ignored."))
            return None
        return value

    def day(self, name: str) -> date | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.notes.append(_l("Dates are written as YYYY-MM-DD; ignored."))
            return None

    def after(self) -> int | None:
        return url_id(self.text("after"))


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


@dataclass
class SubmissionSearch:
    """The submission list as the regulator's URL asks for it: the filter (days in UTC, the end
    day included), the id the page starts after, and a note for each value ignored."""

    filter: SubmissionFilter = field(default_factory=SubmissionFilter)
    after: int | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: MultiDict, user: User | None = None) -> SubmissionSearch:
        a = _Args(args, user)
        city, industry = a.city(), a.industry()
        questionnaire = a.choice(
            "questionnaire",
            {k for k, _zh, _en in questionnaire_choices()},
            _l("Unknown questionnaire ignored."),
        )
        status = a.choice(
            "status", {s.value for s in SUBMITTED_STATUSES}, _l("Unknown status ignored.")
        )
        level = a.choice(
            "level", {code for code, _label in level_choices()}, _l("Unknown level ignored.")
        )
        score_min, score_max = a.score("score_min"), a.score("score_max")
        if score_min is not None and score_max is not None and score_min > score_max:
            a.notes.append(_l("The lowest score is above the highest; score range ignored."))
            score_min = score_max = None
        day_from, day_to = a.day("date_from"), a.day("date_to")
        if day_from and day_to and day_from > day_to:
            a.notes.append(_l("The start date is after the end date; date range ignored."))
            day_from = day_to = None
        q = a.q()
        sort = a.choice("sort", LIST_SORTS, _l("Unknown sort order ignored.")) or DEFAULT_SORT
        flt = SubmissionFilter(
            city=city,
            industry=industry,
            questionnaire=questionnaire,
            status=status,
            level=level,
            score_min=score_min,
            score_max=score_max,
            submitted_from=_day_start(day_from) if day_from else None,
            submitted_before=_day_start(day_to + timedelta(days=1)) if day_to else None,
            q=q,
            unsupported_claims=args.get("unsupported_claims") == "1",
            sort=sort,
        )
        return cls(filter=flt, after=a.after(), notes=a.notes)

    @property
    def date_from(self) -> date | None:
        start = self.filter.submitted_from
        return start.date() if start else None

    @property
    def date_to(self) -> date | None:
        end = self.filter.submitted_before
        return (end - timedelta(days=1)).date() if end else None

    def args(self, **changes: Any) -> dict[str, Any]:
        """The search as URL arguments (defaults left out), with `changes` applied."""
        f = self.filter
        data: dict[str, Any] = {
            "city": f.city,
            "industry": f.industry,
            "questionnaire": f.questionnaire,
            "status": f.status,
            "level": f.level,
            "score_min": None if f.score_min is None else f"{f.score_min:g}",
            "score_max": None if f.score_max is None else f"{f.score_max:g}",
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "q": f.q,
            "unsupported_claims": "1" if f.unsupported_claims else None,
            "sort": None if f.sort == DEFAULT_SORT else f.sort,
            "after": self.after,
        }
        data.update(changes)
        return {k: v for k, v in data.items() if v not in ("", None)}

    @property
    def active(self) -> bool:
        """Whether anything narrows the list (the order does not)."""
        return replace(self.filter, sort=DEFAULT_SORT) != SubmissionFilter()


# --- submissions ---------------------------------------------------------------------------------


def list_submissions(user: User, search: SubmissionSearch) -> Page[Assessment]:
    """One page of matching submissions in the chosen order, with the enterprise loaded."""
    stmt = submissions_select(user, search.filter, with_enterprise=True).options(
        # The list shows the enterprise's name, code, city and industry and a few columns of
        # the submission; the stored result (large JSON) stays unloaded.
        contains_eager(Assessment.enterprise).load_only(
            Enterprise.id,
            Enterprise.name,
            Enterprise.uscc,
            Enterprise.city_code,
            Enterprise.industry_section,
        ),
        load_only(
            Assessment.id,
            Assessment.enterprise_id,
            Assessment.questionnaire_key,
            Assessment.cycle_year,
            Assessment.status,
            Assessment.submitted_at,
            Assessment.total_points,
            Assessment.percent,
        ),
    )
    return submission_page(user, search.filter, stmt, PAGE_SIZE, search.after, scalars=True)


def count_submissions(user: User, flt: SubmissionFilter) -> int:
    """How many submissions the filter matches within the user's jurisdiction."""
    return db.session.scalar(submissions_select(user, flt, func.count(Assessment.id))) or 0


def selected_ids(user: User, flt: SubmissionFilter, ids: list[int] | None, limit: int) -> list[int]:
    """Ids of the submissions to bundle, in the list's order: the ticked ones (only those within
    reach; the other filters do not apply to them) or every one matching the filter."""
    if ids is not None:
        flt = SubmissionFilter(ids=tuple(ids), sort=flt.sort)
    return list(db.session.scalars(ordered_submissions(user, flt, Assessment.id).limit(limit)))


def reports_to_render(ids: list[int], lang: str) -> int:
    """How many of these submissions have no ready PDF in `lang` yet (each takes seconds to render)."""
    ready = db.session.scalar(
        select(func.count(Report.id)).where(
            Report.assessment_id.in_(ids), Report.lang == lang, Report.status == ReportStatus.READY
        )
    )
    return len(ids) - (ready or 0)


def enterprise_submissions(user: User, ent: Enterprise) -> list[Assessment]:
    """Every submission of the enterprise, newest first, with its questionnaire loaded."""
    stmt = ordered_submissions(user, SubmissionFilter(enterprise_id=ent.id))
    stmt = stmt.join(Assessment.questionnaire).options(contains_eager(Assessment.questionnaire))
    return list(db.session.scalars(stmt))


def reviewer_name(assessment: Assessment) -> str | None:
    if assessment.reviewed_by_id is None:
        return None
    return db.session.scalar(select(User.name).where(User.id == assessment.reviewed_by_id))


# --- enterprises ---------------------------------------------------------------------------------


@dataclass
class EnterpriseFilter:
    city: str = ""
    industry: str = ""
    size: str = ""
    cqo: str = ""  # "yes": has a current CQO; "no": has none
    q: str = ""
    after: int | None = None
    notes: list[str] = field(default_factory=list, compare=False)

    URL_FIELDS = ("city", "industry", "size", "cqo", "q")

    @classmethod
    def from_args(cls, args: MultiDict, user: User | None = None) -> EnterpriseFilter:
        a = _Args(args, user)
        return cls(
            city=a.city(),
            industry=a.industry(),
            size=a.choice("size", {s.value for s in SizeClass}, _l("Unknown size ignored.")),
            cqo=a.choice("cqo", ("yes", "no"), _l("Unknown CQO choice ignored.")),
            q=a.q(),
            after=a.after(),
            notes=a.notes,
        )

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


def list_enterprises(user: User, flt: EnterpriseFilter) -> Page[EnterpriseRow]:
    """One page of enterprises in the jurisdiction, by name, with their current CQO's name and
    their submission figures."""
    cqo_name = (
        current_cqo_select(Enterprise.id)
        .with_only_columns(CQORegistration.name)
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
    stmt = scope_to_jurisdiction(select(Enterprise, cqo_name, sub_count, last_at), user)
    if flt.city:
        stmt = stmt.where(Enterprise.city_code == flt.city)
    if flt.industry:
        stmt = stmt.where(Enterprise.industry_section == flt.industry)
    if flt.size:
        stmt = stmt.where(Enterprise.size_class == flt.size)
    if flt.cqo == "yes":
        stmt = stmt.where(has_current_cqo())
    elif flt.cqo == "no":
        stmt = stmt.where(~has_current_cqo())
    if flt.q:
        stmt = stmt.where(enterprise_search(flt.q))
    page = keyset_page(
        stmt,
        Keyset(Enterprise.id, Enterprise.name),
        PAGE_SIZE,
        flt.after,
        cursor_from=scope_to_jurisdiction(select(Enterprise.id), user),
        row_id=lambda row: row[0].id,
    )
    return page.map(lambda row: EnterpriseRow(*row))
