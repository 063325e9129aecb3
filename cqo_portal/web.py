"""Small helpers shared by the blueprints' views."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, request, url_for
from flask_babel import get_locale
from sqlalchemy.exc import SQLAlchemyError

from cqo_portal.extensions import db

#: The portal's two content languages, in order of preference.
LANGUAGES = ("zh", "en")


def page_lang() -> str:
    """The request's language as the portal's two content languages: "zh" or "en"."""
    return "zh" if str(get_locale() or "zh").startswith("zh") else "en"


def safe_next(target: str | None, default_endpoint: str = "main.dashboard") -> str:
    """Only follow same-site relative redirects (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for(default_endpoint)


def commit() -> None:
    """Commit the request's unit of work; roll back and re-raise on failure."""
    try:
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        raise


def get_or_404(model: type, ident: Any) -> Any:
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"
