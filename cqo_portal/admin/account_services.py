"""Account administration: regulator accounts, jurisdictions, deactivation, password resets.

A new or reset password is generated here and shown to the administrator once, to hand over
in person or by the bureau's own channels (there is no mail server); the account must change it
at the next login.
"""

from __future__ import annotations

import secrets
import string

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cqo_portal import audit
from cqo_portal.accounts.services import AccountError, change_password, create_user
from cqo_portal.extensions import db
from cqo_portal.models import Role, User
from cqo_portal.reference import regions

_ALPHABET = string.ascii_letters + string.digits


def temporary_password() -> str:
    """A 14-character password with letters and digits (meets the portal's rules)."""
    while True:
        pw = "".join(secrets.choice(_ALPHABET) for _ in range(14))
        if any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw):
            return pw


def list_accounts(role: str = "") -> list[User]:
    stmt = select(User).order_by(User.role, User.email)
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    return list(db.session.scalars(stmt))


def _check_jurisdiction(code: str) -> None:
    if code not in regions():
        raise AccountError(
            "jurisdiction_code", str(_l("Choose the province (440000) or one of the 21 cities."))
        )


def _create_staff(
    role: Role, *, name: str, email: str, phone: str | None, **extra
) -> tuple[User, str]:
    """A regulator or examiner account with a one-time password it must change at first login."""
    password = temporary_password()
    user = create_user(
        email=email,
        name=name,
        password=password,
        role=role,
        phone=phone,
        must_change_password=True,
        **extra,
    )
    return user, password


def create_regulator(
    *, name: str, email: str, jurisdiction_code: str, phone: str | None = None
) -> tuple[User, str]:
    """Create a regulator with a one-time password; returns the account and that password."""
    _check_jurisdiction(jurisdiction_code)
    return _create_staff(
        Role.REGULATOR, name=name, email=email, phone=phone, jurisdiction_code=jurisdiction_code
    )


def create_examiner(*, name: str, email: str, phone: str | None = None) -> tuple[User, str]:
    """Create an award examiner with a one-time password; returns the account and that password."""
    return _create_staff(Role.EXAMINER, name=name, email=email, phone=phone)


def change_jurisdiction(user: User, code: str) -> None:
    if user.role != Role.REGULATOR:
        raise AccountError("jurisdiction_code", str(_l("Only regulators have a jurisdiction.")))
    _check_jurisdiction(code)
    if code == user.jurisdiction_code:
        return
    before = {"jurisdiction": user.jurisdiction_code}
    user.jurisdiction_code = code
    audit.record("user.jurisdiction", user, before=before, after={"jurisdiction": code})


def set_active(user: User, active: bool, admin: User) -> None:
    """Deactivate (ending the account's sessions) or reactivate; never one's own account."""
    if user.id == admin.id:
        raise AccountError("active", str(_l("You cannot deactivate your own account.")))
    if user.active == active:
        return
    user.active = active
    if not active:
        user.session_version += 1
    audit.record(
        "user.reactivate" if active else "user.deactivate",
        user,
        before={"active": not active},
        after={"active": active},
    )


def reset_password(user: User) -> str:
    """Set a one-time password the account must change at next login; returns it."""
    password = temporary_password()
    change_password(user, password, by_admin=True)
    return password
