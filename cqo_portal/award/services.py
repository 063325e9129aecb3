"""Round, application, examiner and consensus operations.

Each public write is one unit of work: it flushes and writes its audit event; the view commits.
Examiners' scores are their own until they hand them in; the lead examiner sees everyone's only
after all assigned examiners have handed theirs in; the enterprise sees nothing of it before the
bureau releases the round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from cqo_portal import audit
from cqo_portal.assessments.services import questionnaire_of, result_of
from cqo_portal.authz import assignment_of, scope_to_jurisdiction
from cqo_portal.core.questionnaire import BANDS, Item, band_index
from cqo_portal.core.scoring import round1
from cqo_portal.core.text import Text
from cqo_portal.extensions import db
from cqo_portal.models import (
    SUBMITTED_STATUSES,
    ApplicationStatus,
    Assessment,
    AwardApplication,
    AwardRound,
    ConflictDeclaration,
    ConsensusScore,
    Enterprise,
    ExaminerAssignment,
    ExaminerScore,
    QuestionnaireVersion,
    Role,
    RoundKind,
    User,
)
from cqo_portal.models.base import utcnow
from cqo_portal.web import local_today

#: The organisational profile's parts (组织概述), in the order the report prints them.
PROFILE_FIELDS = ("activities", "products", "customers", "competitors", "key_figures", "challenges")
MIN_EXAMINERS, MAX_EXAMINERS = 2, 5


class AwardError(ValueError):
    """A refused change, with the form field it concerns and a message for the user."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = str(message)


def today() -> date:
    """The local day in the province (rounds open and close on local days)."""
    return local_today()


# --- rounds -----------------------------------------------------------------------------------


def open_round(
    *,
    admin: User,
    kind: RoundKind,
    title: str,
    questionnaire: QuestionnaireVersion,
    opens_on: date,
    closes_on: date,
    city_codes: list[str],
    industry_sections: list[str],
    checklist: list[str],
    examiners_see_self_score: bool,
) -> AwardRound:
    """Open a round; an award round needs a GB/T 19580 questionnaire (its items are scored)."""
    if closes_on < opens_on:
        raise AwardError("closes_on", _l("The round must close on or after the day it opens."))
    if kind == RoundKind.AWARD and questionnaire.scoring_method != "gbt19580":
        raise AwardError(
            "questionnaire_version_id",
            _l("An award round needs a GB/T 19580 questionnaire: examiners score its items."),
        )
    if kind == RoundKind.AWARD and not checklist:
        raise AwardError("checklist", _l("Enter at least one eligibility statement."))
    rnd = AwardRound(
        kind=kind,
        title=title.strip(),
        questionnaire=questionnaire,
        opens_on=opens_on,
        closes_on=closes_on,
        city_codes=sorted(set(city_codes)),
        industry_sections=sorted(set(industry_sections)),
        checklist=[c.strip() for c in checklist if c.strip()],
        examiners_see_self_score=examiners_see_self_score,
        created_by_id=admin.id,
    )
    db.session.add(rnd)
    db.session.flush()
    audit.record(
        "award.round.open",
        rnd,
        after={
            "kind": kind.value,
            "title": rnd.title,
            "questionnaire": f"{questionnaire.key}@{questionnaire.version}",
            "opens_on": opens_on.isoformat(),
            "closes_on": closes_on.isoformat(),
            "cities": rnd.city_codes,
            "industries": rnd.industry_sections,
        },
        actor_id=admin.id,
    )
    return rnd


def all_rounds() -> list[AwardRound]:
    return list(db.session.scalars(select(AwardRound).order_by(AwardRound.opens_on.desc())))


def rounds_open_to(enterprise: Enterprise, day: date | None = None) -> list[AwardRound]:
    """Rounds the enterprise may take part in that are open today, nearest deadline first."""
    day = day or today()
    rounds = db.session.scalars(
        select(AwardRound)
        .where(AwardRound.opens_on <= day, AwardRound.closes_on >= day)
        .order_by(AwardRound.closes_on, AwardRound.id)
    )
    return [r for r in rounds if r.admits(enterprise)]


def applications_of(enterprise: Enterprise) -> list[AwardApplication]:
    """The enterprise's handed-in applications, newest round first (its feedback lives there)."""
    return list(
        db.session.scalars(
            select(AwardApplication)
            .where(
                AwardApplication.enterprise_id == enterprise.id,
                AwardApplication.status == ApplicationStatus.SUBMITTED,
            )
            .order_by(AwardApplication.round_id.desc())
        )
    )


def application_of(rnd: AwardRound, enterprise: Enterprise) -> AwardApplication | None:
    return db.session.scalar(
        select(AwardApplication).where(
            AwardApplication.round_id == rnd.id, AwardApplication.enterprise_id == enterprise.id
        )
    )


def release_round(rnd: AwardRound, user: User) -> None:
    """Release the round's results: from now on applicants download their feedback reports."""
    rnd.released_at = utcnow()
    scored = sum(1 for a in rnd.applications if a.consensus_points is not None)
    audit.record(
        "award.round.release",
        rnd,
        before={"released": False},
        after={"released": True, "scored_applications": scored},
        actor_id=user.id,
    )


# --- applications -----------------------------------------------------------------------------


def eligible_submissions(rnd: AwardRound, enterprise: Enterprise) -> list[Assessment]:
    """The enterprise's handed-in submissions of the round's questionnaire version."""
    return list(
        db.session.scalars(
            select(Assessment)
            .where(
                Assessment.enterprise_id == enterprise.id,
                Assessment.questionnaire_version_id == rnd.questionnaire_version_id,
                Assessment.status.in_(SUBMITTED_STATUSES),
            )
            .order_by(Assessment.submitted_at.desc())
        )
    )


def save_application(
    rnd: AwardRound,
    enterprise: Enterprise,
    user: User,
    *,
    eligibility: list[int],
    profile: dict[str, str],
    assessment_id: int | None,
) -> AwardApplication:
    """Create or update the enterprise's draft application (not yet handed in). A round takes
    applications from its first day; after it closes they are still taken, and counted late."""
    if today() < rnd.opens_on:
        raise AwardError("submit", _l("The round opens on %(day)s.", day=rnd.opens_on.isoformat()))
    app = application_of(rnd, enterprise)
    if app is not None and app.status != ApplicationStatus.DRAFT:
        raise AwardError("submit", _l("This application has been handed in and cannot change."))
    if assessment_id is not None and assessment_id not in {
        a.id for a in eligible_submissions(rnd, enterprise)
    }:
        raise AwardError(
            "assessment_id", _l("Choose one of your submissions of this questionnaire.")
        )
    created = app is None
    if app is None:
        app = AwardApplication(
            round=rnd,
            enterprise=enterprise,
            city_code=enterprise.city_code,
            created_by_id=user.id,
        )
        db.session.add(app)
    app.eligibility = sorted({i for i in eligibility if 0 <= i < len(rnd.checklist)})
    app.profile = {k: (profile.get(k) or "").strip() for k in PROFILE_FIELDS}
    app.assessment_id = assessment_id
    db.session.flush()
    audit.record(
        "award.application.start" if created else "award.application.save",
        app,
        after={"round": rnd.id, "assessment": assessment_id, "eligibility": app.eligibility},
        city_code=enterprise.city_code,
        actor_id=user.id,
    )
    return app


def check_complete(
    rnd: AwardRound, eligibility: list[int], profile: dict[str, str], assessment_id: int | None
) -> None:
    """Refuse an application to hand in: a submission, every statement confirmed, a full profile."""
    if assessment_id is None:
        raise AwardError("assessment_id", _l("Choose the self-assessment you enter with."))
    if rnd.is_award:
        if set(eligibility) != set(range(len(rnd.checklist))):
            raise AwardError(
                "eligibility", _l("Confirm every eligibility statement before handing in.")
            )
        missing = [k for k in PROFILE_FIELDS if not (profile.get(k) or "").strip()]
        if missing:
            raise AwardError(missing[0], _l("Complete every part of the organisational profile."))


def submit_application(app: AwardApplication, user: User) -> None:
    """Hand the application in: every statement confirmed, the profile and a submission present."""
    rnd = app.round
    check_complete(rnd, app.eligibility, app.profile, app.assessment_id)
    app.status = ApplicationStatus.SUBMITTED
    app.submitted_at = utcnow()
    assessment = db.session.get(Assessment, app.assessment_id)
    assessment.round_id = rnd.id
    db.session.flush()
    audit.record(
        "award.application.submit",
        app,
        before={"status": "draft"},
        after={"status": "submitted", "late": is_late(app)},
        city_code=app.city_code,
        actor_id=user.id,
    )


def is_late(app: AwardApplication, day: date | None = None) -> bool:
    """Handed in after the round closed, or still a draft once it has closed."""
    close = app.round.closes_on
    if app.submitted_at is not None:
        return app.submitted_at.astimezone(get_timezone()).date() > close
    return (day or today()) > close


# --- examiners --------------------------------------------------------------------------------


def examiners() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.EXAMINER, User.active).order_by(User.name)
        )
    )


def declaration_of(app: AwardApplication, examiner: User) -> ConflictDeclaration | None:
    return next((c for c in app.conflicts if c.examiner_id == examiner.id), None)


def declare_conflict(
    app: AwardApplication, examiner: User, *, conflicted: bool, note: str
) -> ConflictDeclaration:
    """Record (or change) the examiner's declaration; a conflicted examiner is never assigned."""
    if conflicted and assignment_of(examiner, app) is not None:
        raise AwardError(
            "conflicted",
            _l("You are already assigned: tell the bureau, which will reassign the application."),
        )
    found = declaration_of(app, examiner)
    before = None if found is None else {"conflicted": found.conflicted}
    if found is None:
        found = ConflictDeclaration(application=app, examiner_id=examiner.id)
        db.session.add(found)
    found.conflicted = conflicted
    found.note = note.strip() or None
    found.declared_at = utcnow()
    db.session.flush()
    audit.record(
        "award.conflict.declare",
        app,
        before=before,
        after={"examiner": examiner.id, "conflicted": conflicted},
        city_code=app.city_code,
        actor_id=examiner.id,
    )
    return found


@dataclass(frozen=True)
class ExaminerChoice:
    """An examiner as the assignment form offers them: may they be assigned, and why not."""

    user: User
    declared: bool
    conflicted: bool
    assigned: bool
    is_lead: bool

    @property
    def assignable(self) -> bool:
        return self.declared and not self.conflicted


def examiner_choices(app: AwardApplication) -> list[ExaminerChoice]:
    out = []
    for user in examiners():
        dec = declaration_of(app, user)
        assignment = assignment_of(user, app)
        out.append(
            ExaminerChoice(
                user=user,
                declared=dec is not None,
                conflicted=bool(dec and dec.conflicted),
                assigned=assignment is not None,
                is_lead=bool(assignment and assignment.is_lead),
            )
        )
    return out


def assign_examiners(
    app: AwardApplication, examiner_ids: list[int], lead_id: int | None, by: User
) -> None:
    """Assign 2–5 examiners who declared no conflict, one of them the lead.

    An examiner who has handed in scores stays assigned; others may be replaced.
    """
    ids = list(dict.fromkeys(examiner_ids))
    if not MIN_EXAMINERS <= len(ids) <= MAX_EXAMINERS:
        raise AwardError("examiners", _l("Assign between 2 and 5 examiners."))
    if lead_id not in ids:
        raise AwardError("lead", _l("Choose the lead examiner among the assigned examiners."))
    choices = {c.user.id: c for c in examiner_choices(app)}
    for i in ids:
        choice = choices.get(i)
        if choice is None:
            raise AwardError("examiners", _l("Choose examiners from the list."))
        if choice.conflicted:
            raise AwardError(
                "examiners",
                _l(
                    "%(name)s declared a conflict of interest and cannot be assigned.",
                    name=choice.user.name,
                ),
            )
        if not choice.declared:
            raise AwardError(
                "examiners",
                _l(
                    "%(name)s has not declared conflicts of interest for this application yet.",
                    name=choice.user.name,
                ),
            )
    kept = [a for a in app.assignments if a.submitted_at is not None]
    if any(a.examiner_id not in ids for a in kept):
        raise AwardError("examiners", _l("An examiner who handed in scores stays assigned."))
    before = sorted(a.examiner_id for a in app.assignments)
    current = {a.examiner_id: a for a in app.assignments}
    for a in list(app.assignments):
        if a.examiner_id not in ids:
            app.assignments.remove(a)
    for i in ids:
        a = current.get(i)
        if a is None:
            a = ExaminerAssignment(examiner_id=i, assigned_by_id=by.id)
            app.assignments.append(a)
        a.is_lead = i == lead_id
    db.session.flush()
    audit.record(
        "award.assign",
        app,
        before={"examiners": before},
        after={"examiners": sorted(ids), "lead": lead_id},
        city_code=app.city_code,
        actor_id=by.id,
    )


def assignments_of(examiner: User) -> list[ExaminerAssignment]:
    return list(
        db.session.scalars(
            select(ExaminerAssignment)
            .where(ExaminerAssignment.examiner_id == examiner.id)
            .order_by(ExaminerAssignment.id.desc())
        )
    )


def applications_to_declare() -> list[AwardApplication]:
    """Handed-in applications of award rounds not yet released (examiners declare on them)."""
    return list(
        db.session.scalars(
            select(AwardApplication)
            .join(AwardRound)
            .where(
                AwardApplication.status == ApplicationStatus.SUBMITTED,
                AwardRound.kind == RoundKind.AWARD,
                AwardRound.released_at.is_(None),
            )
            .order_by(AwardApplication.id)
        )
    )


# --- items and scores -------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRef:
    section_id: str
    section_title: Text
    item: Item


def items_of(rnd: AwardRound) -> list[ItemRef]:
    """The round questionnaire's items in order (what examiners score)."""
    q = questionnaire_of(rnd.questionnaire)
    return [ItemRef(s.id, s.title, i) for s in q.sections for i in s.items]


def check_band(band: int | None, percent: int | None) -> str | None:
    """Why a band and value are not a score, or None: the value must lie inside the band."""
    if band is None or not 1 <= band <= len(BANDS):
        return str(_l("Choose a band from 1 to 6."))
    lo, hi = BANDS[band - 1]
    if percent is None or band_index(percent) != band - 1:
        return str(
            _l("Enter a value from %(lo)s to %(hi)s for band %(band)s.", lo=lo, hi=hi, band=band)
        )
    return None


@dataclass(frozen=True)
class PostedScore:
    item_id: str
    band: int | None
    percent: int | None
    strengths: str
    ofis: str


def save_scores(
    assignment: ExaminerAssignment, posted: list[PostedScore], *, hand_in: bool
) -> dict[str, str]:
    """Save the examiner's item scores; with ``hand_in``, every item must be scored and they
    become final. Returns errors by item id (nothing is saved when there are any)."""
    if assignment.submitted_at is not None:
        raise AwardError("submit", _l("Your scores have been handed in and cannot change."))
    if assignment.application.round.released_at is not None:
        raise AwardError("submit", _l("The round's results are released: scores cannot change."))
    errors: dict[str, str] = {}
    for p in posted:
        if p.band is None and p.percent is None and not hand_in:
            continue
        problem = check_band(p.band, p.percent)
        if problem:
            errors[p.item_id] = problem
    if errors:
        return errors
    existing = {s.item_id: s for s in assignment.scores}
    for p in posted:
        if p.band is None:
            continue
        row = existing.get(p.item_id)
        if row is None:
            row = ExaminerScore(item_id=p.item_id, band=p.band, percent=p.percent)
            assignment.scores.append(row)
        row.band, row.percent = p.band, p.percent
        row.strengths = p.strengths.strip() or None
        row.ofis = p.ofis.strip() or None
    if hand_in:
        assignment.submitted_at = utcnow()
    db.session.flush()
    app = assignment.application
    audit.record(
        "award.score.submit" if hand_in else "award.score.save",
        app,
        after={"examiner": assignment.examiner_id, "items": len(assignment.scores)},
        city_code=app.city_code,
        actor_id=assignment.examiner_id,
    )
    return {}


def everyone_handed_in(app: AwardApplication) -> bool:
    return bool(app.assignments) and all(a.submitted_at is not None for a in app.assignments)


@dataclass(frozen=True)
class SelfScore:
    points: float
    max_points: float
    percent: float


def self_scores(app: AwardApplication) -> dict[str, SelfScore]:
    """The applicant's self-score per item, from the stored result of its submission."""
    result = result_of(app.assessment) if app.assessment is not None else None
    if result is None:
        return {}
    return {
        i.item_id: SelfScore(i.points, i.max_points, i.percent)
        for s in result.sections
        for i in s.items
    }


def descriptions(app: AwardApplication) -> dict[str, str]:
    """The applicant's description of each item: the evidence notes of its questions, joined."""
    if app.assessment is None:
        return {}
    q = questionnaire_of(app.assessment.questionnaire)
    notes = {a.question_id: (a.evidence or "").strip() for a in app.assessment.answers}
    out: dict[str, list[str]] = {}
    for question in q.questions:
        if question.item_id and notes.get(question.id):
            out.setdefault(question.item_id, []).append(notes[question.id])
    return {k: "\n".join(v) for k, v in out.items()}


@dataclass(frozen=True)
class BoardItem:
    """One item on the consensus board: every examiner's score side by side."""

    ref: ItemRef
    scores: list[tuple[str, ExaminerScore | None]]  # (examiner name, score)
    self_score: SelfScore | None
    spread: int  # highest minus lowest value, in percent
    flagged: bool  # more than one band apart: discuss before agreeing
    consensus: ConsensusScore | None


def band_spread(scores: list[ExaminerScore]) -> tuple[int, bool]:
    if not scores:
        return 0, False
    values = [s.percent for s in scores]
    bands = [s.band for s in scores]
    return max(values) - min(values), max(bands) - min(bands) > 1


def consensus_board(app: AwardApplication) -> list[BoardItem]:
    consensus = {c.item_id: c for c in app.consensus}
    selfs = self_scores(app) if app.round.examiners_see_self_score else {}
    out = []
    for ref in items_of(app.round):
        row: list[tuple[str, ExaminerScore | None]] = []
        for a in app.assignments:
            score = next((s for s in a.scores if s.item_id == ref.item.id), None)
            row.append((a.examiner.name, score))
        spread, flagged = band_spread([s for _n, s in row if s is not None])
        out.append(
            BoardItem(ref, row, selfs.get(ref.item.id), spread, flagged, consensus.get(ref.item.id))
        )
    return out


def flagged_items(app: AwardApplication) -> list[str]:
    """The items whose examiners' scores are more than one band apart, in questionnaire order."""
    by_item: dict[str, list[ExaminerScore]] = {}
    for a in app.assignments:
        for s in a.scores:
            by_item.setdefault(s.item_id, []).append(s)
    return [r.item.id for r in items_of(app.round) if band_spread(by_item.get(r.item.id, []))[1]]


@dataclass(frozen=True)
class PostedConsensus:
    item_id: str
    band: int | None
    percent: int | None
    comment: str


def record_consensus(
    app: AwardApplication, lead: User, posted: list[PostedConsensus]
) -> dict[str, str]:
    """Record the consensus of every item; its total becomes the application's examiner score.
    Returns errors by item id (nothing is saved when there are any)."""
    if not everyone_handed_in(app):
        raise AwardError("submit", _l("Every assigned examiner must hand in scores first."))
    refs = {r.item.id: r for r in items_of(app.round)}
    errors = {
        p.item_id: problem
        for p in posted
        if p.item_id in refs and (problem := check_band(p.band, p.percent))
    }
    missing = set(refs) - {p.item_id for p in posted}
    for item_id in missing:
        errors[item_id] = str(_l("Choose a band from 1 to 6."))
    if errors:
        return errors
    existing = {c.item_id: c for c in app.consensus}
    for p in posted:
        if p.item_id not in refs:
            continue
        row = existing.get(p.item_id)
        if row is None:
            row = ConsensusScore(item_id=p.item_id, band=p.band, percent=p.percent, points=0)
            app.consensus.append(row)
        row.band, row.percent = p.band, p.percent
        row.points = round1(refs[p.item_id].item.points * p.percent / 100)
        row.comment = p.comment.strip() or None
        row.recorded_by_id = lead.id
    before = app.consensus_points
    app.consensus_points = round1(sum(c.points for c in app.consensus))
    app.consensus_at = utcnow()
    db.session.flush()
    audit.record(
        "award.consensus",
        app,
        before={"consensus_points": before},
        after={"consensus_points": app.consensus_points},
        city_code=app.city_code,
        actor_id=lead.id,
    )
    return {}


# --- the bureau's round page ------------------------------------------------------------------

STAGES = ("draft", "applied", "in_review", "scored")


def stage_of(app: AwardApplication) -> str:
    if app.status == ApplicationStatus.DRAFT:
        return "draft"
    if app.consensus_points is not None:
        return "scored"
    if app.assignments:
        return "in_review"
    return "applied"


@dataclass(frozen=True)
class CityRow:
    city_code: str
    counts: dict[str, int]  # stage -> number, plus "late"


def round_applications(rnd: AwardRound, user: User) -> list[AwardApplication]:
    """The round's applications the user's jurisdiction covers (drafts included: who is late),
    with what the round page shows of each loaded in a few queries, not per row."""
    stmt = (
        select(AwardApplication)
        .where(AwardApplication.round_id == rnd.id)
        .options(
            joinedload(AwardApplication.enterprise),
            joinedload(AwardApplication.assessment),
            selectinload(AwardApplication.assignments).selectinload(ExaminerAssignment.scores),
            selectinload(AwardApplication.assignments).joinedload(ExaminerAssignment.examiner),
        )
    )
    stmt = scope_to_jurisdiction(stmt, user, AwardApplication.city_code)
    return list(db.session.scalars(stmt.order_by(AwardApplication.city_code, AwardApplication.id)))


def city_rows(apps: list[AwardApplication]) -> list[CityRow]:
    rows: dict[str, dict[str, int]] = {}
    for app in apps:
        counts = rows.setdefault(app.city_code, dict.fromkeys((*STAGES, "late"), 0))
        counts[stage_of(app)] += 1
        counts["late"] += int(is_late(app))
    return [CityRow(code, counts) for code, counts in sorted(rows.items())]


@dataclass(frozen=True)
class Ranked:
    application: AwardApplication
    self_points: float | None
    flagged_items: list[str]  # items where the examiners were more than one band apart


def ranking(apps: list[AwardApplication]) -> list[Ranked]:
    """Scored applications by consensus score, highest first, with where examiners disagreed."""
    out = []
    for app in apps:
        if app.consensus_points is None:
            continue
        flagged = flagged_items(app)
        out.append(Ranked(app, app.assessment.total_points if app.assessment else None, flagged))
    out.sort(key=lambda r: (-(r.application.consensus_points or 0), r.application.id))
    return out
