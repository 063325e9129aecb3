"""Account operations: hashing, registration, authentication, password changes."""

from __future__ import annotations

import contextlib
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from cqo_portal import audit
from cqo_portal.extensions import db
from cqo_portal.models import Role, User
from cqo_portal.models.base import utcnow

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# A hash that takes the same time to verify, so unknown e-mails cost as much as wrong passwords.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    """A refused account operation; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def normalise_email(email: str) -> str:
    return email.strip().lower()


def password_problem(password: str, email: str = "") -> str | None:
    """Return a bilingual-ready message when the password breaks the rules, else None."""
    if len(password) < 10:
        return str(_l("Use at least 10 characters."))
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return str(_l("Use both letters and digits."))
    if email and password.lower() == normalise_email(email):
        return str(_l("The password must not be your e-mail address."))
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    jurisdiction_code: str | None = None,
    phone: str | None = None,
    must_change_password: bool = False,
) -> User:
    """Create an account (flushes, does not commit); refuses a taken e-mail or a weak password."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError("email", str(_l("An account with this e-mail already exists.")))
    problem = password_problem(password, email)
    if problem:
        raise AccountError("password", problem)
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        role=role,
        jurisdiction_code=jurisdiction_code if role == Role.REGULATOR else None,
        phone=phone or None,
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        user,
        after={"email": email, "role": role.value, "jurisdiction": user.jurisdiction_code},
    )
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this e-mail and password, upgrading an outdated hash."""
    user = find_user_by_email(email)
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def change_password(user: User, new_password: str, *, by_admin: bool = False) -> None:
    """Set a new password and end the user's other sessions."""
    problem = password_problem(new_password, user.email)
    if problem:
        raise AccountError("new_password", problem)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    user.must_change_password = by_admin
    audit.record("user.password_change", user, after={"by_admin": by_admin})
