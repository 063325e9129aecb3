"""Settings read from the environment, with documented defaults (see README "Configuration").

Every setting is a `CQO_*` environment variable so a bureau configures a deployment without
touching code. The secret key is never committed: it comes from `CQO_SECRET_KEY` or is generated
once into `instance/secret_key`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = REPO_ROOT / "instance"


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key(instance_path: Path) -> str:
    """Return CQO_SECRET_KEY, or a random key generated once into the instance folder."""
    env = os.environ.get("CQO_SECRET_KEY")
    if env:
        return env
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def settings_from_env(instance_path: Path) -> dict[str, object]:
    """Build the Flask config mapping from CQO_* variables."""
    db_url = os.environ.get("CQO_DATABASE_URL") or f"sqlite:///{instance_path / 'cqo.sqlite3'}"
    if db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url.removeprefix("postgresql://")
    upload_mb = int(os.environ.get("CQO_MAX_UPLOAD_MB", "5"))
    return {
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SECRET_KEY": load_secret_key(instance_path),
        "REDIS_URL": os.environ.get("CQO_REDIS_URL") or None,
        "UPLOAD_FOLDER": os.environ.get("CQO_UPLOAD_DIR") or str(instance_path / "uploads"),
        "MAX_UPLOAD_BYTES": upload_mb * 1024 * 1024,
        # Whole-request cap a bit above the file cap so an oversized file gets a form error.
        "MAX_CONTENT_LENGTH": (upload_mb + 1) * 1024 * 1024,
        # How many reverse proxies (nginx) stand in front: their X-Forwarded-For/-Proto are then
        # trusted for the client address (rate limits, audit) and HTTPS. 0 = trust no header.
        "PROXY_COUNT": int(os.environ.get("CQO_PROXY_COUNT", "0")),
        "SESSION_COOKIE_SECURE": _bool("CQO_SECURE_COOKIES", False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("CQO_SECURE_COOKIES", False),
        "BABEL_DEFAULT_LOCALE": os.environ.get("CQO_DEFAULT_LOCALE", "zh"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("CQO_TIMEZONE", "Asia/Shanghai"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("CQO_RATELIMIT_STORAGE_URL")
        or os.environ.get("CQO_REDIS_URL")
        or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Sign-in throttling. Failed sign-ins are counted per account (the normalised e-mail,
        # whichever address they come from) and per account + address; successful ones never
        # count. Every attempt counts towards the per-address ceiling, set far above what one
        # office behind a shared NAT address produces.
        "LOGIN_RATE_LIMIT": os.environ.get("CQO_LOGIN_RATE_LIMIT", "300 per 5 minutes"),
        "LOGIN_ACCOUNT_FAILURE_LIMIT": os.environ.get(
            "CQO_LOGIN_ACCOUNT_FAILURE_LIMIT", "10 per 15 minutes"
        ),
        "LOGIN_ACCOUNT_ADDRESS_FAILURE_LIMIT": os.environ.get(
            "CQO_LOGIN_ACCOUNT_ADDRESS_FAILURE_LIMIT", "5 per 5 minutes"
        ),
        "WTF_CSRF_TIME_LIMIT": None,
        "REPORT_NUMBER_PREFIX": os.environ.get("CQO_REPORT_PREFIX", "GD-CQO"),
        "LOG_FORMAT": os.environ.get("CQO_LOG_FORMAT", "json"),
        "API_RATE_LIMIT": os.environ.get("CQO_API_RATE_LIMIT", "600 per minute"),
        # The bureau's quality-safety view by default: records of the last N complete weeks,
        # hazards open longer than N days (each page can ask for other figures).
        "SAFETY_WINDOW_WEEKS": int(os.environ.get("CQO_SAFETY_WINDOW_WEEKS", "4")),
        "SAFETY_HAZARD_DAYS": int(os.environ.get("CQO_SAFETY_HAZARD_DAYS", "30")),
        # Training hours a CQO needs in the last twelve months before the bureau's list shows
        # the training as lapsed (the province's rule; set it to what the bureau requires).
        "CQO_MIN_TRAINING_HOURS": int(os.environ.get("CQO_MIN_TRAINING_HOURS", "16")),
        # Notices are also mailed when an SMTP server is named; by default none, no mail.
        "SMTP_HOST": os.environ.get("CQO_SMTP_HOST") or None,
        "SMTP_PORT": int(os.environ.get("CQO_SMTP_PORT", "25")),
        "SMTP_USER": os.environ.get("CQO_SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("CQO_SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool("CQO_SMTP_STARTTLS", False),
        "SMTP_FROM": os.environ.get("CQO_SMTP_FROM") or None,
    }
