"""CQO registration operations: the workflow draft → submitted → approved | returned (→ submitted).

Every transition is a conditional UPDATE on the current status, so a forbidden or concurrent
transition raises `CQOTransitionError` instead of proceeding. Operations flush and audit; the
view commits. Approval makes the registration the enterprise's current CQO and supersedes the
previous one (its `effective_to` is set), which keeps the history of who held the post when.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, exists, or_, select, update
from sqlalchemy.orm import contains_eager, selectinload
from werkzeug.datastructures import MultiDict

from cqo_portal import audit, notices, rollups, uploads
from cqo_portal.authz import scope_to_jurisdiction
from cqo_portal.cqo import forms
from cqo_portal.extensions import db
from cqo_portal.models import AuditEvent, CQORegistration, CQOStatus, Enterprise, User
from cqo_portal.models.base import utcnow
from cqo_portal.query import Keyset, Page, enterprise_search, keyset_page, like_pattern, url_id

EDITABLE = frozenset({CQOStatus.DRAFT, CQOStatus.RETURNED})
OPEN = frozenset({CQOStatus.DRAFT, CQOStatus.SUBMITTED, CQOStatus.RETURNED})
# Filed with the bureau: every status but a draft's (drafts are the enterprise's own business).
FILED = (CQOStatus.SUBMITTED, CQOStatus.APPROVED, CQOStatus.RETURNED, CQOStatus.SUPERSEDED)
# The registrations whose CQO holds or has held the post.
HELD = (CQOStatus.APPROVED, CQOStatus.SUPERSEDED)
LETTER_CATEGORY = "cqo-letters"
FIELDS = (
    "name",
    "position",
    "department",
    "appointed_on",
    "phone",
    "email",
    "cert_number",
    "cert_issuer",
    "cert_date",
    "duties_declaration",
)
# The form requires the name and position even for a draft; a submission needs these too.
REQUIRED_TO_SUBMIT = ("name", "position", *forms.REQUIRED_TO_SUBMIT)


class CQOTransitionError(Exception):
    """The registration is not in a state that allows the operation (answered with 409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CQOIncomplete(CQOTransitionError):
    """A submission lacks required fields; `missing` names them."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(str(_l("The registration is incomplete and cannot be submitted yet.")))
        self.missing = missing


def _snapshot(reg: CQORegistration) -> dict[str, Any]:
    data: dict[str, Any] = {"status": reg.status.value}
    for name in FIELDS:
        value = getattr(reg, name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    data["letter_path"] = reg.letter_path
    return data


def _record(action: str, reg: CQORegistration, before: dict | None, **after: Any) -> None:
    audit.record(
        action,
        reg,
        before=before,
        after={**_snapshot(reg), **after},
        city_code=reg.enterprise.city_code,
    )


def open_registration(ent: Enterprise) -> CQORegistration | None:
    """The enterprise's registration in progress (draft, submitted or returned), if any."""
    return db.session.scalar(
        select(CQORegistration)
        .where(CQORegistration.enterprise_id == ent.id, CQORegistration.status.in_(OPEN))
        .order_by(CQORegistration.id.desc())
        .limit(1)
    )


def _current_cqo_conditions(enterprise_id: Any) -> tuple[ColumnElement[bool], ...]:
    return (
        CQORegistration.enterprise_id == enterprise_id,
        CQORegistration.status == CQOStatus.APPROVED,
    )


def current_cqo_select(enterprise_id: Any) -> Select:
    """The enterprise's current CQO: its approved registration, the one in force (approving
    another supersedes it). `enterprise_id` is a value, or `Enterprise.id` for a subquery
    correlated with a statement on enterprises."""
    return (
        select(CQORegistration)
        .where(*_current_cqo_conditions(enterprise_id))
        .order_by(CQORegistration.effective_from.desc(), CQORegistration.id.desc())
        .limit(1)
    )


def current_cqo(ent: Enterprise) -> CQORegistration | None:
    """The enterprise's current CQO (`current_cqo_select`), or None."""
    return db.session.scalar(current_cqo_select(ent.id))


def has_current_cqo() -> ColumnElement[bool]:
    """SQL condition on a statement over enterprises: the enterprise has a current CQO."""
    return exists().where(*_current_cqo_conditions(Enterprise.id))


def cqo_filings(
    ent: Enterprise, statuses: Collection[CQOStatus] | None = FILED
) -> list[CQORegistration]:
    """The enterprise's CQO registrations in `statuses` (by default FILED: all but drafts; None:
    every one), newest first, with the regulator who decided each. `cqo_filings(ent, HELD)` is
    everyone who has held the post."""
    stmt = select(CQORegistration).where(CQORegistration.enterprise_id == ent.id)
    if statuses is not None:
        stmt = stmt.where(CQORegistration.status.in_(tuple(statuses)))
    return list(
        db.session.scalars(
            stmt.options(selectinload(CQORegistration.decided_by)).order_by(
                CQORegistration.id.desc()
            )
        )
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action: str
    actor: str | None
    text: str | None


def timeline(reg: CQORegistration) -> list[TimelineEntry]:
    """The registration's transitions from the audit trail, oldest first, with reasons and notes."""
    rows = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == "CQORegistration", AuditEvent.object_id == reg.id)
        .order_by(AuditEvent.id)
    )
    entries = []
    for event, actor in rows:
        after = event.after or {}
        text = after.get("reason") or after.get("note")
        entries.append(TimelineEntry(event.at, event.action, actor, text))
    return entries


def _store_letter(reg: CQORegistration, letter: uploads.CheckedUpload) -> None:
    reg.letter_path = uploads.store(letter, LETTER_CATEGORY)
    reg.letter_mime = letter.mime
    reg.letter_filename = letter.filename
    reg.letter_size = letter.size


def create_registration(
    ent: Enterprise,
    officer: User,
    data: dict[str, Any],
    letter: uploads.CheckedUpload | None = None,
) -> CQORegistration:
    """Start a draft; refused while another registration of the enterprise is in progress."""
    if open_registration(ent) is not None:
        raise CQOTransitionError(
            str(
                _l(
                    "A CQO registration is already in progress; continue that one instead of "
                    "starting another."
                )
            )
        )
    reg = CQORegistration(
        enterprise=ent,
        status=CQOStatus.DRAFT,
        created_by_id=officer.id,
        **{k: data.get(k) for k in FIELDS},
    )
    if letter is not None:
        _store_letter(reg, letter)
    db.session.add(reg)
    db.session.flush()
    _record("cqo.create", reg, None)
    return reg


def update_registration(
    reg: CQORegistration, data: dict[str, Any], letter: uploads.CheckedUpload | None = None
) -> None:
    """Change a draft or a returned registration; anything else is refused."""
    if reg.status not in EDITABLE:
        raise CQOTransitionError(str(_l("Only a draft or a returned registration can be changed.")))
    before = _snapshot(reg)
    for key in FIELDS:
        setattr(reg, key, data.get(key))
    if letter is not None:
        _store_letter(reg, letter)
    if _snapshot(reg) != before:
        db.session.flush()
        _record("cqo.update", reg, before)


def missing_for_submission(reg: CQORegistration) -> list[str]:
    missing = [name for name in REQUIRED_TO_SUBMIT if not getattr(reg, name)]
    if not reg.letter_path:
        missing.append("letter")
    return missing


def _transition(
    reg: CQORegistration,
    allowed_from: frozenset[CQOStatus] | set[CQOStatus],
    to: CQOStatus,
    message: str,
    **values: Any,
) -> None:
    """Move reg to `to` only if its status (in the database, now) is one of `allowed_from`."""
    db.session.flush()
    result = db.session.execute(
        update(CQORegistration)
        .where(CQORegistration.id == reg.id, CQORegistration.status.in_(allowed_from))
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(reg)
        raise CQOTransitionError(message)
    rollups.refresh_enterprises(db.session, [reg.enterprise_id])
    db.session.refresh(reg)


def submit_registration(reg: CQORegistration, note: str | None = None) -> None:
    """Submit (or resubmit after a return) a complete registration to the bureau."""
    if reg.status not in EDITABLE:
        raise CQOTransitionError(str(_l("This registration has already been submitted.")))
    missing = missing_for_submission(reg)
    if missing:
        raise CQOIncomplete(missing)
    before = _snapshot(reg)
    resubmit = reg.status == CQOStatus.RETURNED
    _transition(
        reg,
        EDITABLE,
        CQOStatus.SUBMITTED,
        str(_l("This registration has already been submitted.")),
        submitted_at=utcnow(),
    )
    _record("cqo.resubmit" if resubmit else "cqo.submit", reg, before, note=note or None)


def approve_registration(reg: CQORegistration, regulator: User) -> list[CQORegistration]:
    """Approve: the registration becomes the current CQO; the previous one is superseded."""
    now = utcnow()
    before = _snapshot(reg)
    _transition(
        reg,
        {CQOStatus.SUBMITTED},
        CQOStatus.APPROVED,
        str(_l("Only a submitted registration can be approved.")),
        decided_at=now,
        decided_by_id=regulator.id,
        effective_from=now,
        return_reason=None,
    )
    _record("cqo.approve", reg, before)
    notices.notify(reg.enterprise_id, "cqo.approve", f"/cqo/{reg.id}", name=reg.name)
    previous = list(
        db.session.scalars(
            select(CQORegistration).where(
                CQORegistration.enterprise_id == reg.enterprise_id,
                CQORegistration.status == CQOStatus.APPROVED,
                CQORegistration.id != reg.id,
            )
        )
    )
    for old in previous:
        old_before = _snapshot(old)
        _transition(
            old,
            {CQOStatus.APPROVED},
            CQOStatus.SUPERSEDED,
            str(_l("The previous CQO changed meanwhile; reload and try again.")),
            effective_to=now,
        )
        _record("cqo.supersede", old, old_before, superseded_by=reg.id)
    return previous


def return_registration(reg: CQORegistration, regulator: User, reason: str) -> None:
    """Send a submitted registration back to the enterprise with the reason it must address."""
    reason = (reason or "").strip()
    if not reason:
        raise CQOTransitionError(str(_l("Say why the registration is returned.")))
    before = _snapshot(reg)
    _transition(
        reg,
        {CQOStatus.SUBMITTED},
        CQOStatus.RETURNED,
        str(_l("Only a submitted registration can be returned.")),
        decided_at=utcnow(),
        decided_by_id=regulator.id,
        return_reason=reason,
    )
    _record("cqo.return", reg, before, reason=reason)
    notices.notify(reg.enterprise_id, "cqo.return", f"/cqo/{reg.id}", name=reg.name, reason=reason)


def delete_draft(reg: CQORegistration) -> str | None:
    """Discard a draft (never submitted, by definition); returns the letter path to remove after commit."""
    if reg.status != CQOStatus.DRAFT:
        raise CQOTransitionError(str(_l("Only a draft that was never submitted can be discarded.")))
    letter = reg.letter_path
    audit.record("cqo.discard", reg, before=_snapshot(reg), city_code=reg.enterprise.city_code)
    db.session.delete(reg)
    db.session.flush()
    return letter


# ---- the regulator's list -------------------------------------------------------------------

PAGE_SIZE = 50


@dataclass
class RegistrationFilter:
    status: str = CQOStatus.SUBMITTED.value
    city: str = ""
    q: str = ""
    after: int | None = None

    @classmethod
    def from_args(cls, args: MultiDict) -> RegistrationFilter:
        status = args.get("status", CQOStatus.SUBMITTED.value)
        return cls(
            status=status if status in {s.value for s in FILED} or status == "all" else "",
            city=args.get("city", "")[:6],
            q=args.get("q", "").strip()[:100],
            after=url_id(args.get("after", "")),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if v not in ("", None)}
        data.update(changes)
        return {k: v for k, v in data.items() if v not in ("", None)}


def list_registrations(user: User, flt: RegistrationFilter) -> Page[CQORegistration]:
    """Filed registrations (never drafts) of enterprises in the user's jurisdiction, newest first;
    the search finds the enterprise (name, credit code) or the CQO's name."""
    stmt = (
        select(CQORegistration)
        .join(CQORegistration.enterprise)
        .options(contains_eager(CQORegistration.enterprise))
        .where(CQORegistration.status.in_(FILED))
    )
    stmt = scope_to_jurisdiction(stmt, user)
    if flt.status and flt.status != "all":
        stmt = stmt.where(CQORegistration.status == CQOStatus(flt.status))
    if flt.city:
        stmt = stmt.where(Enterprise.city_code == flt.city)
    if flt.q:
        stmt = stmt.where(
            or_(
                enterprise_search(flt.q),
                CQORegistration.name.ilike(like_pattern(flt.q), escape="\\"),
            )
        )
    keyset = Keyset(CQORegistration.id, descending=True)
    return keyset_page(stmt, keyset, PAGE_SIZE, flt.after, scalars=True)
