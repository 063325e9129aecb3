"""Enterprise operations (flush, audit; the view commits)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from cqo_portal import audit, rollups
from cqo_portal.accounts.services import find_user_by_email, normalise_email
from cqo_portal.enterprises.forms import normalise_uscc
from cqo_portal.extensions import db
from cqo_portal.models import Enterprise, EnterpriseInvitation, Role, User
from cqo_portal.models.base import utcnow

PROFILE_FIELDS = (
    "name",
    "name_en",
    "city_code",
    "industry_section",
    "industry_division",
    "size_class",
    "address",
    "main_products",
    "contact_name",
    "contact_phone",
    "contact_email",
)


class EnterpriseExists(ValueError):
    """The credit code is already registered; the message says how to join."""

    def __init__(self, enterprise: Enterprise) -> None:
        super().__init__(enterprise.uscc)
        self.enterprise = enterprise
        self.message = str(
            _l(
                "This enterprise is already registered on the portal. Ask one of its officers "
                "to invite you from the enterprise page; you cannot join without an invitation."
            )
        )


def find_by_uscc(code: str) -> Enterprise | None:
    return db.session.scalar(select(Enterprise).where(Enterprise.uscc == normalise_uscc(code)))


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: (data.get(k) or None) for k in PROFILE_FIELDS}
    out["name"] = (data.get("name") or "").strip()
    out["size_class"] = data.get("size_class") or "small"
    if out["industry_section"] != "C":
        out["industry_division"] = None
    return out


def register_enterprise(officer: User, data: dict[str, Any]) -> Enterprise:
    """Create the enterprise and make the officer its first member."""
    code = normalise_uscc(data["uscc"])
    existing = find_by_uscc(code)
    if existing is not None:
        raise EnterpriseExists(existing)
    ent = Enterprise(uscc=code, **_clean(data))
    try:
        with db.session.begin_nested():  # a concurrent registration of the same code wins
            db.session.add(ent)
            db.session.flush()
    except IntegrityError:
        raise EnterpriseExists(find_by_uscc(code) or ent) from None
    rollups.refresh(db.session, [(ent.city_code, ent.id)])
    officer.enterprise_id = ent.id
    audit.record("enterprise.register", ent, after=_snapshot(ent), city_code=ent.city_code)
    return ent


def update_enterprise(ent: Enterprise, data: dict[str, Any]) -> None:
    before = _snapshot(ent)
    for key, value in _clean(data).items():
        setattr(ent, key, value)
    after = _snapshot(ent)
    if (before["city_code"], before["industry_section"]) != (ent.city_code, ent.industry_section):
        rollups.move_enterprise(db.session, ent, before["city_code"])
    if before != after:
        audit.record("enterprise.update", ent, before=before, after=after, city_code=ent.city_code)


def _snapshot(ent: Enterprise) -> dict[str, Any]:
    return {"uscc": ent.uscc, **{k: getattr(ent, k) for k in PROFILE_FIELDS}}


# ---- invitations: an officer invites an e-mail; the account with that e-mail joins by the link ----

INVITATION_DAYS = 7


class InvitationError(ValueError):
    """An invitation cannot be created or used; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_member(ent: Enterprise, inviter: User, email: str) -> tuple[EnterpriseInvitation, str]:
    """Create a one-time invitation; returns it and the token (only its hash is stored).

    Earlier open invitations to the same address are withdrawn, so only the newest link works.
    """
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing is not None and existing.enterprise_id == ent.id:
        raise InvitationError(str(_l("This account is already a member of the enterprise.")))
    now = utcnow()
    for old in _open_invitations(ent, email):
        old.expires_at = now
    token = secrets.token_urlsafe(32)
    invitation = EnterpriseInvitation(
        enterprise_id=ent.id,
        email=email,
        token_hash=_token_hash(token),
        invited_by_id=inviter.id,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "enterprise.invite",
        invitation,
        after={
            "enterprise_id": ent.id,
            "email": email,
            "expires_at": invitation.expires_at.isoformat(),
        },
        city_code=ent.city_code,
    )
    return invitation, token


def _open_invitations(ent: Enterprise, email: str | None = None) -> list[EnterpriseInvitation]:
    stmt = select(EnterpriseInvitation).where(
        EnterpriseInvitation.enterprise_id == ent.id,
        EnterpriseInvitation.accepted_at.is_(None),
        EnterpriseInvitation.expires_at > utcnow(),
    )
    if email is not None:
        stmt = stmt.where(EnterpriseInvitation.email == email)
    return list(db.session.scalars(stmt.order_by(EnterpriseInvitation.id.desc())))


def open_invitations(ent: Enterprise) -> list[EnterpriseInvitation]:
    """Invitations not yet used and not expired, newest first."""
    return _open_invitations(ent)


def members(ent: Enterprise) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.enterprise_id == ent.id).order_by(User.created_at, User.id)
        )
    )


def remove_member(ent: Enterprise, actor: User, member: User) -> None:
    """Take an officer out of the enterprise (they keep their account and can be invited again).

    What the enterprise filed stays with it. An officer cannot remove themselves: another
    officer does it, so an enterprise is never left without anyone able to act for it.
    """
    if member.enterprise_id != ent.id:
        raise InvitationError(str(_l("This person is not an officer of the enterprise.")))
    if member.id == actor.id:
        raise InvitationError(
            str(_l("You cannot remove yourself; another officer of the enterprise can."))
        )
    member.enterprise_id = None
    audit.record(
        "enterprise.member_remove",
        ent,
        before={"user_id": member.id, "email": member.email, "name": member.name},
        city_code=ent.city_code,
        actor_id=actor.id,
    )


def withdraw_invitation(invitation: EnterpriseInvitation) -> None:
    """Make an open invitation unusable at once (it expires now)."""
    if invitation.accepted_at is not None:
        raise InvitationError(str(_l("This invitation has already been used.")))
    invitation.expires_at = utcnow()
    audit.record(
        "enterprise.invite_withdraw",
        invitation,
        after={"email": invitation.email},
        city_code=invitation.enterprise.city_code,
    )


def find_invitation(token: str) -> EnterpriseInvitation | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(EnterpriseInvitation).where(EnterpriseInvitation.token_hash == _token_hash(token))
    )


def invitation_problem(invitation: EnterpriseInvitation | None, user: User | None) -> str | None:
    """Why this user (None: whoever logs in) cannot accept this invitation now, or None."""
    if invitation is None:
        return str(_l("This invitation link is not valid. Ask the officer for a new one."))
    if invitation.accepted_at is not None:
        return str(_l("This invitation has already been used; each link works once."))
    if _aware(invitation.expires_at) <= utcnow():
        return str(
            _l("This invitation has expired or was withdrawn. Ask the officer for a new one.")
        )
    if user is None:
        return None
    if normalise_email(user.email) != invitation.email:
        return str(
            _l(
                "This invitation is for %(email)s. Log in with that account to accept it.",
                email=invitation.email,
            )
        )
    if user.role != Role.OFFICER:
        return str(_l("Only enterprise officer accounts can join an enterprise."))
    if user.enterprise_id is not None:
        return str(_l("Your account already belongs to an enterprise."))
    return None


def accept_invitation(invitation: EnterpriseInvitation | None, user: User) -> Enterprise:
    """Join the enterprise; the invitation is used up atomically (a second use is refused)."""
    problem = invitation_problem(invitation, user)
    if problem:
        raise InvitationError(problem)
    assert invitation is not None
    now = utcnow()
    used = db.session.execute(
        update(EnterpriseInvitation)
        .where(
            EnterpriseInvitation.id == invitation.id,
            EnterpriseInvitation.accepted_at.is_(None),
            EnterpriseInvitation.expires_at > now,
        )
        .values(accepted_at=now, accepted_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise InvitationError(
            str(_l("This invitation has already been used; each link works once."))
        )
    db.session.refresh(invitation)
    user.enterprise_id = invitation.enterprise_id
    ent = invitation.enterprise
    audit.record(
        "enterprise.join",
        ent,
        after={"user_id": user.id, "email": user.email, "invitation_id": invitation.id},
        city_code=ent.city_code,
    )
    return ent


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are stored in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
