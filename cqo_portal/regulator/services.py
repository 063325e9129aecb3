"""Queries of the regulator's workspace, always scoped to the regulator's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager
from werkzeug.datastructures import MultiDict

from cqo_portal.authz import visible_city_codes
from cqo_portal.extensions import db
from cqo_portal.models import Assessment, AssessmentStatus, Enterprise, QuestionnaireVersion, User

PAGE_SIZE = 50
SUBMITTED = (AssessmentStatus.SUBMITTED, AssessmentStatus.ACCEPTED, AssessmentStatus.RETURNED)


@dataclass
class SubmissionFilter:
    city: str = ""
    industry: str = ""
    questionnaire: str = ""
    status: str = ""
    q: str = ""
    after: int | None = None  # keyset cursor: the last id of the previous page

    @classmethod
    def from_args(cls, args: MultiDict) -> SubmissionFilter:
        after = args.get("after", "")
        return cls(
            city=args.get("city", "")[:6],
            industry=args.get("industry", "")[:1],
            questionnaire=args.get("questionnaire", "")[:50],
            status=args.get("status", "")
            if args.get("status") in {s.value for s in SUBMITTED}
            else "",
            q=args.get("q", "").strip()[:100],
            after=int(after) if after.isdigit() else None,
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if v not in ("", None)}
        data.update(changes)
        return {k: v for k, v in data.items() if v not in ("", None)}


@dataclass
class Page:
    items: list[Assessment] = field(default_factory=list)
    next_after: int | None = None


def scoped(stmt: Select, user: User) -> Select:
    cities = visible_city_codes(user)
    if cities is not None:
        stmt = stmt.where(Enterprise.city_code.in_(cities))
    return stmt


def list_submissions(user: User, flt: SubmissionFilter) -> Page:
    stmt = (
        select(Assessment)
        .join(Assessment.enterprise)
        .options(contains_eager(Assessment.enterprise))
        .where(Assessment.status.in_(SUBMITTED))
    )
    stmt = scoped(stmt, user)
    if flt.city:
        stmt = stmt.where(Enterprise.city_code == flt.city)
    if flt.industry:
        stmt = stmt.where(Enterprise.industry_section == flt.industry)
    if flt.questionnaire:
        stmt = stmt.where(Assessment.questionnaire_key == flt.questionnaire)
    if flt.status:
        stmt = stmt.where(Assessment.status == flt.status)
    if flt.q:
        like = f"%{flt.q}%"
        stmt = stmt.where(or_(Enterprise.name.ilike(like), Enterprise.uscc == flt.q.upper()))
    if flt.after:
        stmt = stmt.where(Assessment.id < flt.after)
    rows = list(db.session.scalars(stmt.order_by(Assessment.id.desc()).limit(PAGE_SIZE + 1)))
    page = Page(items=rows[:PAGE_SIZE])
    if len(rows) > PAGE_SIZE:
        page.next_after = rows[PAGE_SIZE - 1].id
    return page


def questionnaire_choices() -> list[tuple[str, str, str]]:
    rows = db.session.execute(
        select(
            QuestionnaireVersion.key, QuestionnaireVersion.title_zh, QuestionnaireVersion.title_en
        )
        .distinct()
        .order_by(QuestionnaireVersion.key)
    )
    seen: dict[str, tuple[str, str, str]] = {}
    for key, zh, en in rows:
        seen.setdefault(key, (key, zh, en))
    return list(seen.values())


def enterprise_history(ent: Enterprise) -> list[Assessment]:
    return list(
        db.session.scalars(
            select(Assessment)
            .where(Assessment.enterprise_id == ent.id, Assessment.status.in_(SUBMITTED))
            .order_by(Assessment.submitted_at.desc())
        )
    )
