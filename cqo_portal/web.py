"""Small helpers shared by the blueprints' views."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import abort, request, url_for
from flask_babel import get_locale, get_timezone
from sqlalchemy.exc import SQLAlchemyError

from cqo_portal.extensions import db

#: The portal's two content languages, in order of preference.
LANGUAGES = ("zh", "en")

#: The media type of the XLSX workbooks the portal sends.
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Row ids are 32-bit integers in every table.
_MAX_ID = 2**31 - 1
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def file_stamp() -> str:
    """The moment in a downloaded file's name: 20261206-1430 (UTC)."""
    from cqo_portal.models.base import utcnow

    return utcnow().strftime("%Y%m%d-%H%M")


def spreadsheet_text(value: str | None) -> str:
    """Text a spreadsheet will not run as a formula, without XML-illegal control characters."""
    if not value:
        return ""
    value = _ILLEGAL_XML.sub("", value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def local_today() -> date:
    """Today in the portal's time zone (Asia/Shanghai unless configured otherwise)."""
    return datetime.now(get_timezone()).date()


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
    if not 0 < ident <= _MAX_ID:  # the database would refuse it: no such row
        abort(404)
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"
