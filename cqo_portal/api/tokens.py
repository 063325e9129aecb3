"""Per-regulator API tokens: issue (the secret is shown once), revoke, and authenticate a request.

Only the SHA-256 of a secret is stored; a secret is looked up by its hash through the unique index
(the comparison never depends on how much of the secret is right). Each function flushes and
audits; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cqo_portal import audit, authz
from cqo_portal.extensions import db
from cqo_portal.models import ApiToken, Role, User
from cqo_portal.models.base import utcnow

SECRET_PREFIX = "cqo_"  # noqa: S105  (a public marker, not a secret)
PREFIX_LENGTH = 12  # shown in lists so a bureau can tell its tokens apart
TOUCH_INTERVAL = timedelta(minutes=1)
MAX_SECRET_LENGTH = 200


class TokenError(ValueError):
    """A token cannot be issued as asked (field, message) — shown next to the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def eligible_users() -> list[User]:
    """Active regulators with a jurisdiction: the only accounts a token may act for."""
    rows = db.session.scalars(
        select(User)
        .where(User.role == Role.REGULATOR, User.active.is_(True))
        .order_by(User.jurisdiction_code, User.email)
    )
    return [u for u in rows if authz.can(u, "regulator.workspace")]


def list_tokens() -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .options(selectinload(ApiToken.user))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )


def issue_token(user: User, name: str, issued_by: User) -> tuple[ApiToken, str]:
    """Create a token acting for regulator `user`; returns it with its secret (never stored)."""
    name = name.strip()
    if not name:
        raise TokenError("name", str(_l("Give the token a name.")))
    if not authz.can(user, "regulator.workspace"):
        raise TokenError("user_id", str(_l("Tokens can only be issued to active regulators.")))
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name[:100],
        token_hash=hash_secret(secret),
        prefix=secret[:PREFIX_LENGTH],
        created_by_id=issued_by.id,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.issue",
        token,
        after={"user_id": user.id, "name": token.name, "prefix": token.prefix},
        actor_id=issued_by.id,
    )
    return token, secret


def revoke_token(token: ApiToken, revoked_by: User) -> bool:
    """Revoke a token (idempotent); returns whether it was active before."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record(
        "api_token.revoke",
        token,
        before={"revoked_at": None},
        after={"revoked_at": token.revoked_at.isoformat(), "prefix": token.prefix},
        actor_id=revoked_by.id,
    )
    return True


def authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret whose owner may still use the regulator workspace."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    digest = hash_secret(secret)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if token.revoked_at is not None or not authz.can(token.user, "regulator.workspace"):
        return None
    return token


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def touch(token: ApiToken, now: datetime | None = None) -> bool:
    """Record use at most once a minute (returns whether it wrote), so reads stay cheap."""
    now = now or utcnow()
    if token.last_used_at is not None and now - _aware(token.last_used_at) < TOUCH_INTERVAL:
        return False
    token.last_used_at = now
    db.session.flush()
    return True
