"""Quality-safety duties: the scope declaration, the director filing and its review, the
risk-control list and the daily / weekly / monthly records, and the bureau's view of them.

Every write flushes and writes an audit event; the view commits (one transaction per request).
A filing moves submitted → approved | returned (→ submitted again) by conditional UPDATEs, as
CQO registrations do; approving one supersedes the enterprise's previous director filing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, update

from cqo_portal import audit, notices, uploads
from cqo_portal.authz import scope_to_jurisdiction
from cqo_portal.core import safety as calc
from cqo_portal.extensions import db
from cqo_portal.models import (
    DailyRecord,
    Enterprise,
    FilingStatus,
    Hazard,
    MonthlyMinute,
    RiskItem,
    SafetyFiling,
    SafetyOfficer,
    SafetyProduct,
    SafetyScope,
    User,
    WeeklyReport,
)
from cqo_portal.models.base import utcnow
from cqo_portal.web import local_today

DOCUMENT_CATEGORY = "safety-documents"
OPEN_FILING = (FilingStatus.SUBMITTED, FilingStatus.RETURNED)


class SafetyError(Exception):
    """The operation is not possible in the current state (answered with 409 or a form error)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---- scope ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductData:
    category: str
    basis: str
    number: str | None
    valid_until: date | None


def scope_of(ent: Enterprise) -> SafetyScope | None:
    return db.session.scalar(select(SafetyScope).where(SafetyScope.enterprise_id == ent.id))


def declare_scope(
    ent: Enterprise, user: User, in_scope: bool, products: list[ProductData]
) -> SafetyScope:
    """Record (or change) whether the enterprise's products fall under the rules, and which."""
    scope = scope_of(ent)
    before = _scope_snapshot(scope) if scope else None
    if scope is None:
        scope = SafetyScope(enterprise_id=ent.id)
        db.session.add(scope)
    scope.in_scope = in_scope
    scope.declared_by_id = user.id
    scope.declared_at = utcnow()
    scope.products.clear()
    if in_scope:
        for p in products:
            scope.products.append(
                SafetyProduct(
                    category=p.category, basis=p.basis, number=p.number, valid_until=p.valid_until
                )
            )
    db.session.flush()
    audit.record(
        "safety.scope", scope, before=before, after=_scope_snapshot(scope), city_code=ent.city_code
    )
    return scope


def _scope_snapshot(scope: SafetyScope) -> dict[str, Any]:
    return {
        "in_scope": scope.in_scope,
        "products": [
            [p.category, p.basis, p.number, p.valid_until.isoformat() if p.valid_until else None]
            for p in scope.products
        ],
    }


# ---- the director filing --------------------------------------------------------------------


@dataclass(frozen=True)
class OfficerData:
    name: str
    post: str
    duties: str


@dataclass(frozen=True)
class DirectorData:
    director_name: str
    director_post: str
    director_duties: str
    cqo_is_director: bool
    officers: list[OfficerData] = field(default_factory=list)


def current_filing(ent: Enterprise) -> SafetyFiling | None:
    """The approved filing in force (approving another supersedes it)."""
    return db.session.scalar(
        select(SafetyFiling)
        .where(SafetyFiling.enterprise_id == ent.id, SafetyFiling.status == FilingStatus.APPROVED)
        .order_by(SafetyFiling.id.desc())
        .limit(1)
    )


def open_filing(ent: Enterprise) -> SafetyFiling | None:
    """The filing waiting for the bureau or returned by it, if any."""
    return db.session.scalar(
        select(SafetyFiling)
        .where(SafetyFiling.enterprise_id == ent.id, SafetyFiling.status.in_(OPEN_FILING))
        .order_by(SafetyFiling.id.desc())
        .limit(1)
    )


def filings(ent: Enterprise) -> list[SafetyFiling]:
    return list(
        db.session.scalars(
            select(SafetyFiling)
            .where(SafetyFiling.enterprise_id == ent.id)
            .order_by(SafetyFiling.id.desc())
        )
    )


def _filing_snapshot(f: SafetyFiling) -> dict[str, Any]:
    return {
        "status": f.status.value,
        "director_name": f.director_name,
        "director_post": f.director_post,
        "cqo_is_director": f.cqo_is_director,
        "officers": [[o.name, o.post] for o in f.officers],
        "document_path": f.document_path,
    }


def file_director(
    ent: Enterprise, user: User, data: DirectorData, document: uploads.CheckedUpload | None
) -> SafetyFiling:
    """Submit the director and officers to the bureau. A returned filing is corrected and
    resubmitted; while one waits for a decision, another is refused."""
    scope = scope_of(ent)
    if scope is None or not scope.in_scope:
        raise SafetyError(str(_l("Declare the products in scope before filing a director.")))
    filing = open_filing(ent)
    if filing is not None and filing.status == FilingStatus.SUBMITTED:
        raise SafetyError(str(_l("A filing is waiting for the bureau's decision.")))
    if document is None and (filing is None or not filing.document_path):
        raise SafetyError(str(_l("Attach the appointment document (PDF, JPEG or PNG).")))
    before = _filing_snapshot(filing) if filing else None
    if filing is None:
        filing = SafetyFiling(enterprise_id=ent.id, created_by_id=user.id)
        db.session.add(filing)
    filing.status = FilingStatus.SUBMITTED
    filing.submitted_at = utcnow()
    filing.director_name = data.director_name
    filing.director_post = data.director_post
    filing.director_duties = data.director_duties
    filing.cqo_is_director = data.cqo_is_director
    filing.officers.clear()
    for o in data.officers:
        filing.officers.append(SafetyOfficer(name=o.name, post=o.post, duties=o.duties))
    if document is not None:
        filing.document_path = uploads.store(document, DOCUMENT_CATEGORY)
        filing.document_mime = document.mime
        filing.document_filename = document.filename
    db.session.flush()
    audit.record(
        "safety.resubmit" if before else "safety.submit",
        filing,
        before=before,
        after=_filing_snapshot(filing),
        city_code=ent.city_code,
    )
    return filing


def _transition(filing: SafetyFiling, to: FilingStatus, message: Any, **values: Any) -> None:
    db.session.flush()
    result = db.session.execute(
        update(SafetyFiling)
        .where(SafetyFiling.id == filing.id, SafetyFiling.status == FilingStatus.SUBMITTED)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(filing)
    if result.rowcount != 1:
        raise SafetyError(str(message))


def approve_filing(filing: SafetyFiling, regulator: User) -> None:
    """Approve: the filing is the enterprise's director filing in force; the previous one ends."""
    before = _filing_snapshot(filing)
    _transition(
        filing,
        FilingStatus.APPROVED,
        _l("Only a submitted filing can be decided."),
        decided_at=utcnow(),
        decided_by_id=regulator.id,
        return_reason=None,
    )
    for old in db.session.scalars(
        select(SafetyFiling).where(
            SafetyFiling.enterprise_id == filing.enterprise_id,
            SafetyFiling.status == FilingStatus.APPROVED,
            SafetyFiling.id != filing.id,
        )
    ):
        old.status = FilingStatus.SUPERSEDED
    db.session.flush()
    notices.notify(filing.enterprise_id, "safety.approve", "/safety/", name=filing.director_name)
    audit.record(
        "safety.approve",
        filing,
        before=before,
        after=_filing_snapshot(filing),
        city_code=filing.enterprise.city_code,
    )


def return_filing(filing: SafetyFiling, regulator: User, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise SafetyError(str(_l("Say why the filing is returned.")))
    before = _filing_snapshot(filing)
    _transition(
        filing,
        FilingStatus.RETURNED,
        _l("Only a submitted filing can be decided."),
        decided_at=utcnow(),
        decided_by_id=regulator.id,
        return_reason=reason,
    )
    notices.notify(
        filing.enterprise_id, "safety.return", "/safety/", name=filing.director_name, reason=reason
    )
    audit.record(
        "safety.return",
        filing,
        before=before,
        after={**_filing_snapshot(filing), "reason": reason},
        city_code=filing.enterprise.city_code,
    )


# ---- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HazardData:
    description: str
    found_on: date
    closed_on: date | None


def _audit_record(action: str, obj: Any, ent: Enterprise, **after: Any) -> None:
    audit.record(action, obj, after=after, city_code=ent.city_code)


def add_risk(ent: Enterprise, risk: str, control: str, owner: str, review_on: date) -> RiskItem:
    item = RiskItem(
        enterprise_id=ent.id, risk=risk, control=control, owner=owner, review_on=review_on
    )
    db.session.add(item)
    db.session.flush()
    _audit_record("safety.risk", item, ent, risk=risk, owner=owner)
    return item


def _exists(model: Any, *conditions: Any) -> bool:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) > 0


def add_daily(
    ent: Enterprise, day: date, officer_name: str, checked: str, problems: str
) -> DailyRecord:
    if _exists(
        DailyRecord,
        DailyRecord.enterprise_id == ent.id,
        DailyRecord.day == day,
        DailyRecord.officer_name == officer_name,
    ):
        raise SafetyError(str(_l("This officer's record of that day is already on file.")))
    rec = DailyRecord(
        enterprise_id=ent.id, day=day, officer_name=officer_name, checked=checked, problems=problems
    )
    db.session.add(rec)
    db.session.flush()
    _audit_record("safety.daily", rec, ent, day=day.isoformat(), officer=officer_name)
    return rec


def add_weekly(
    ent: Enterprise, day: date, director_name: str, summary: str, hazards: Iterable[HazardData]
) -> WeeklyReport:
    """The weekly screening report of the week containing `day`, with the hazards it found."""
    monday = calc.week_start(day)
    if _exists(
        WeeklyReport, WeeklyReport.enterprise_id == ent.id, WeeklyReport.week_start == monday
    ):
        raise SafetyError(str(_l("The report of that week is already on file.")))
    rep = WeeklyReport(
        enterprise_id=ent.id, week_start=monday, director_name=director_name, summary=summary
    )
    for h in hazards:
        rep.hazards.append(
            Hazard(
                enterprise_id=ent.id,
                description=h.description,
                found_on=h.found_on,
                closed_on=h.closed_on,
            )
        )
    db.session.add(rep)
    db.session.flush()
    _audit_record(
        "safety.weekly", rep, ent, week_start=monday.isoformat(), hazards=len(rep.hazards)
    )
    return rep


def add_minute(
    ent: Enterprise, held_on: date, chair_name: str, heard_report: bool, measures: str
) -> MonthlyMinute:
    """The minutes of the scheduling meeting of the month in which it was held."""
    month = calc.month_start(held_on)
    if _exists(MonthlyMinute, MonthlyMinute.enterprise_id == ent.id, MonthlyMinute.month == month):
        raise SafetyError(str(_l("The minutes of that month are already on file.")))
    minute = MonthlyMinute(
        enterprise_id=ent.id,
        month=month,
        held_on=held_on,
        chair_name=chair_name,
        heard_report=heard_report,
        measures=measures,
    )
    db.session.add(minute)
    db.session.flush()
    _audit_record("safety.monthly", minute, ent, month=month.isoformat())
    return minute


def close_hazard(ent: Enterprise, hazard: Hazard, closed_on: date) -> None:
    if hazard.closed_on is not None:
        raise SafetyError(str(_l("This hazard is already closed.")))
    if closed_on < hazard.found_on:
        raise SafetyError(str(_l("A hazard cannot be closed before it was found.")))
    hazard.closed_on = closed_on
    db.session.flush()
    _audit_record("safety.hazard_close", hazard, ent, closed_on=closed_on.isoformat())


def open_hazards(ent: Enterprise) -> list[Hazard]:
    return list(
        db.session.scalars(
            select(Hazard)
            .where(Hazard.enterprise_id == ent.id, Hazard.closed_on.is_(None))
            .order_by(Hazard.found_on, Hazard.id)
        )
    )


def risks(ent: Enterprise) -> list[RiskItem]:
    return list(
        db.session.scalars(
            select(RiskItem).where(RiskItem.enterprise_id == ent.id).order_by(RiskItem.review_on)
        )
    )


def month_calendar(ent: Enterprise, month: date, today: date) -> calc.MonthCalendar:
    """The month's calendar of the enterprise's records (three indexed queries)."""
    end = calc.next_month(month)
    first_monday = calc.week_start(month)
    daily = set(
        db.session.scalars(
            select(DailyRecord.day)
            .where(
                DailyRecord.enterprise_id == ent.id,
                DailyRecord.day >= month,
                DailyRecord.day < end,
            )
            .distinct()
        )
    )
    weekly = set(
        db.session.scalars(
            select(WeeklyReport.week_start).where(
                WeeklyReport.enterprise_id == ent.id,
                WeeklyReport.week_start >= first_monday,
                WeeklyReport.week_start < end,
            )
        )
    )
    monthly = _exists(
        MonthlyMinute, MonthlyMinute.enterprise_id == ent.id, MonthlyMinute.month == month
    )
    return calc.month_calendar(month, daily, weekly, monthly, today)


# ---- the bureau's view ----------------------------------------------------------------------


@dataclass(frozen=True)
class OversightFilter:
    weeks: int = 4
    days: int = 30
    city: str = ""
    industry: str = ""

    @classmethod
    def from_args(cls, args: Any, default_weeks: int, default_days: int) -> OversightFilter:
        def number(name: str, default: int, top: int) -> int:
            raw = (args.get(name) or "").strip()
            return min(int(raw), top) if raw.isdigit() and int(raw) > 0 else default

        industry = (args.get("industry") or "").strip()
        city = (args.get("city") or "").strip()
        return cls(
            weeks=number("weeks", default_weeks, 52),
            days=number("days", default_days, 3650),
            city=city if city.isdigit() and len(city) == 6 else "",
            industry=industry if len(industry) == 1 and industry.isalpha() else "",
        )

    def args(self) -> dict[str, Any]:
        data = {"weeks": self.weeks, "days": self.days, "city": self.city}
        data["industry"] = self.industry
        return {k: v for k, v in data.items() if v not in ("", None)}


@dataclass(frozen=True)
class OversightRow:
    enterprise_id: int
    name: str
    uscc: str
    city_code: str
    industry: str
    has_director: bool
    missing_weeks: int
    missing_months: int
    long_open_hazards: int

    @property
    def has_gap(self) -> bool:
        return (
            not self.has_director
            or self.missing_weeks > 0
            or self.missing_months > 0
            or self.long_open_hazards > 0
        )


@dataclass(frozen=True)
class Oversight:
    flt: OversightFilter
    today: date
    rows: list[OversightRow]

    def count(self, what: str) -> int:
        tests = {
            "in_scope": lambda r: True,
            "no_director": lambda r: not r.has_director,
            "missing_weekly": lambda r: r.missing_weeks > 0,
            "missing_monthly": lambda r: r.missing_months > 0,
            "long_open": lambda r: r.long_open_hazards > 0,
        }
        return sum(1 for r in self.rows if tests[what](r))

    def by(self, key: str) -> list[tuple[str, int, int, int, int, int]]:
        """(city or industry, in scope, no director, missing weekly, missing monthly, long open)."""
        groups: dict[str, list[OversightRow]] = {}
        for r in self.rows:
            groups.setdefault(r.city_code if key == "city" else r.industry, []).append(r)
        out = []
        for k in sorted(groups):
            rs = groups[k]
            out.append(
                (
                    k,
                    len(rs),
                    sum(not r.has_director for r in rs),
                    sum(r.missing_weeks > 0 for r in rs),
                    sum(r.missing_months > 0 for r in rs),
                    sum(r.long_open_hazards > 0 for r in rs),
                )
            )
        return out


def oversight(user: User, flt: OversightFilter, today: date | None = None) -> Oversight:
    """Every enterprise in scope within the user's jurisdiction, with what it lacks: an
    approved director, weekly reports and monthly minutes of the last `weeks` weeks, and its
    hazards open longer than `days` days. One grouped subquery per figure."""
    today = today or local_today()
    due_weeks = calc.due_weeks(today, flt.weeks)
    due_months = calc.due_months(today, flt.weeks)
    cutoff = calc.long_open_cutoff(today, flt.days)
    weekly = (
        select(WeeklyReport.enterprise_id, func.count().label("n"))
        .where(WeeklyReport.week_start.in_(due_weeks))
        .group_by(WeeklyReport.enterprise_id)
        .subquery()
    )
    monthly = (
        select(MonthlyMinute.enterprise_id, func.count().label("n"))
        .where(MonthlyMinute.month.in_(due_months))
        .group_by(MonthlyMinute.enterprise_id)
        .subquery()
    )
    hazards = (
        select(Hazard.enterprise_id, func.count().label("n"))
        .where(Hazard.closed_on.is_(None), Hazard.found_on < cutoff)
        .group_by(Hazard.enterprise_id)
        .subquery()
    )
    director = (
        select(SafetyFiling.enterprise_id)
        .where(SafetyFiling.status == FilingStatus.APPROVED)
        .distinct()
        .subquery()
    )
    stmt = (
        select(
            Enterprise.id,
            Enterprise.name,
            Enterprise.uscc,
            Enterprise.city_code,
            Enterprise.industry_section,
            director.c.enterprise_id.is_not(None),
            func.coalesce(weekly.c.n, 0),
            func.coalesce(monthly.c.n, 0),
            func.coalesce(hazards.c.n, 0),
        )
        .join(SafetyScope, and_(SafetyScope.enterprise_id == Enterprise.id, SafetyScope.in_scope))
        .outerjoin(director, director.c.enterprise_id == Enterprise.id)
        .outerjoin(weekly, weekly.c.enterprise_id == Enterprise.id)
        .outerjoin(monthly, monthly.c.enterprise_id == Enterprise.id)
        .outerjoin(hazards, hazards.c.enterprise_id == Enterprise.id)
        .order_by(Enterprise.city_code, Enterprise.name, Enterprise.id)
    )
    stmt = scope_to_jurisdiction(stmt, user)
    if flt.city:
        stmt = stmt.where(Enterprise.city_code == flt.city)
    if flt.industry:
        stmt = stmt.where(Enterprise.industry_section == flt.industry)
    rows = [
        OversightRow(
            enterprise_id=eid,
            name=name,
            uscc=uscc,
            city_code=city,
            industry=industry,
            has_director=bool(has_dir),
            missing_weeks=len(due_weeks) - n_weekly,
            missing_months=len(due_months) - n_monthly,
            long_open_hazards=n_hazards,
        )
        for eid, name, uscc, city, industry, has_dir, n_weekly, n_monthly, n_hazards in (
            db.session.execute(stmt)
        )
    ]
    return Oversight(flt=flt, today=today, rows=rows)


def filings_waiting(user: User) -> list[SafetyFiling]:
    """Filings waiting for a decision, in the user's jurisdiction, oldest first."""
    stmt = (
        select(SafetyFiling)
        .join(SafetyFiling.enterprise)
        .where(SafetyFiling.status == FilingStatus.SUBMITTED)
        .order_by(SafetyFiling.submitted_at, SafetyFiling.id)
    )
    return list(db.session.scalars(scope_to_jurisdiction(stmt, user)))
