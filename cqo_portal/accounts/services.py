"""Account operations: hashing, registration, authentication, password changes."""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from cqo_portal import audit
from cqo_portal.extensions import db
from cqo_portal.models import Role, User, UserSession
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


# --- logins (one UserSession per browser) --------------------------------------------------------

# Revoked logins are kept this long (who logged out when), live ones as long as a "remember me"
# cookie can last; older rows are deleted when the same account logs in again.
_KEEP_REVOKED = timedelta(days=30)
_KEEP_LOGIN = timedelta(days=400)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login(user: User, *, ip: str | None = None, user_agent: str | None = None) -> None:
    """Record a new login for this browser and give ``user`` its token (call before
    ``login_user``, which stores ``user.get_id()`` in the session and remember cookies)."""
    now = utcnow()
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(
                UserSession.revoked_at < now - _KEEP_REVOKED,
                UserSession.created_at < now - _KEEP_LOGIN,
            ),
        )
    )
    token = secrets.token_urlsafe(24)
    db.session.add(
        UserSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            ip=ip,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    user.login_token = token


def logged_in_user(user_id: int, token: str) -> User | None:
    """The account of a login that has not been logged out (one query per request), with the
    login's token set on it; None when the login is unknown, revoked or another account's."""
    user = db.session.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == user_id,
            UserSession.token_hash == _token_hash(token),
            UserSession.revoked_at.is_(None),
        )
    )
    if user is not None:
        user.login_token = token
    return user


def end_login(user: User) -> None:
    """Log out this browser's login: its session and remember cookies stop working everywhere."""
    if not user.login_token:
        return
    row = db.session.get(UserSession, _token_hash(user.login_token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def live_logins(user: User) -> list[UserSession]:
    """The account's logins that have not been logged out, newest first."""
    cutoff = utcnow() - _KEEP_LOGIN
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.revoked_at.is_(None),
                UserSession.created_at >= cutoff,
            )
            .order_by(UserSession.created_at.desc())
        )
    )


def is_current_login(user: User, login: UserSession) -> bool:
    return bool(user.login_token) and login.token_hash == _token_hash(user.login_token)


def end_other_login(user: User, token_hash: str) -> bool:
    """Log out one of the account's other logins (found by its hash); False if there is none."""
    row = db.session.get(UserSession, token_hash)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


def end_other_logins(user: User) -> int:
    """Log out every login of the account but this browser's; how many were ended."""
    ended = 0
    for row in live_logins(user):
        if not is_current_login(user, row):
            row.revoked_at = utcnow()
            ended += 1
    return ended
