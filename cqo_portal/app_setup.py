"""The steps of create_app(), one function each (extensions, blueprints, errors, hooks, commands)."""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import time
from typing import Any

from babel import dates as babel_dates
from babel.numbers import NumberPattern, parse_pattern
from flask import Flask, abort, g, render_template, request, session
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError
from werkzeug.exceptions import HTTPException

from cqo_portal.config import REPO_ROOT
from cqo_portal.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
from cqo_portal.web import LANGUAGES, page_lang


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: enforce foreign keys, WAL, and let SQLAlchemy own transactions (real SAVEPOINTs)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for the bureau's log collector."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("method", "path", "status", "ms", "user_id", "ip"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    logger = logging.getLogger("cqo_portal")
    if not logger.handlers:
        handler = logging.StreamHandler()
        if app.config.get("LOG_FORMAT") == "json":
            handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def select_locale() -> str:
    """The user's explicit choice, then their profile, then Accept-Language, then Chinese."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    return request.accept_languages.best_match(LANGUAGES) or "zh"


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(REPO_ROOT / "cqo_portal" / "translations"),
    )
    bootstrap.init_app(app)
    limiter.init_app(app)

    from cqo_portal import models  # noqa: F401  (register the mappers)
    from cqo_portal.models import User

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # "id:session_version:login token" (see User.get_id); ids without a token are refused.
        uid, version, token = ([*user_id.split(":", 2), "", ""])[:3]
        if not uid.isdigit() or not token:
            return None
        from cqo_portal.accounts.services import logged_in_user

        user = logged_in_user(int(uid), token)
        if user is None or str(user.session_version) != version:
            return None
        return user

    login_manager.localize_callback = str  # the message is a lazy string: translated when shown
    login_manager.login_message = _l("Please log in to open this page.")


# Modules whose import registers routes; a blueprint split over several modules lists each.
ROUTE_MODULES = (
    "cqo_portal.main.routes",
    "cqo_portal.accounts.routes",
    "cqo_portal.enterprises.routes",
    "cqo_portal.assessments.routes",
    "cqo_portal.reports.routes",
    "cqo_portal.regulator.routes",
    "cqo_portal.regulator.dashboard",
    "cqo_portal.admin.routes",
    "cqo_portal.admin.questionnaires",
    "cqo_portal.admin.audit",
    "cqo_portal.regulator.audit",
    "cqo_portal.cqo.routes",
    "cqo_portal.regulator.cqo",
    "cqo_portal.admin.accounts",
    "cqo_portal.admin.api_tokens",
    "cqo_portal.api.routes",
    "cqo_portal.actions.routes",
    "cqo_portal.safety.routes",
    "cqo_portal.regulator.safety",
    "cqo_portal.notifications.routes",
    "cqo_portal.award.routes",
)


def register_blueprints(app: Flask) -> None:
    import importlib

    from cqo_portal.admin import bp as admin_bp
    from cqo_portal.regulator import bp as regulator_bp

    blueprints = []
    for name in ROUTE_MODULES:
        module = importlib.import_module(name)
        bp = getattr(module, "bp", None)
        if bp is not None and bp not in blueprints:
            blueprints.append(bp)
    for bp in (regulator_bp, admin_bp):
        if bp not in blueprints:
            blueprints.append(bp)
    for bp in blueprints:
        app.register_blueprint(bp)
    # The reports domain follows submissions through cqo_portal.signals (assessments, below it,
    # never imports it).
    from cqo_portal.reports import receivers

    receivers.connect()


def register_errorhandlers(app: Flask) -> None:
    def render_error(code: int, title: str, message: str):
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(CSRFError)
    def csrf_error(_e: CSRFError):
        return render_error(
            400,
            _("The form has expired"),
            _(
                "The page was open too long or came from elsewhere. Go back, reload it and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        messages = {
            400: (_("Bad request"), _("The request could not be understood.")),
            403: (_("Not allowed"), _("You do not have permission to open this page.")),
            404: (_("Not found"), _("The page or record does not exist, or is not yours to see.")),
            405: (_("Not allowed"), _("This address does not accept that kind of request.")),
            413: (_("Too large"), _("The upload is larger than the portal accepts.")),
            429: (
                _("Too many attempts"),
                _("Too many attempts. Wait a few minutes, then try again."),
            ),
        }
        title, message = messages.get(e.code or 500, (e.name, e.description or ""))
        return render_error(e.code or 500, title, message)

    @app.errorhandler(StaleDataError)
    @app.errorhandler(ObjectDeletedError)
    def changed_meanwhile(_e: Exception):
        # Two people wrote the same record at the same instant (say, a colleague deleted the
        # draft while this page saved into it): the later write is refused, not a server error.
        db.session.rollback()
        logging.getLogger("cqo_portal").warning("concurrent change refused on %s", request.path)
        return render_error(
            409,
            _("Changed meanwhile"),
            _(
                "Someone else changed or deleted this record at the same moment. Nothing was "
                "saved; reload the page to see it as it is now."
            ),
        )

    @app.errorhandler(Exception)
    def server_error(e: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        logging.getLogger("cqo_portal").exception("unhandled error on %s", request.path)
        return render_error(
            500, _("Something went wrong"), _("Nothing was saved. Please try again later.")
        )


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(values: Any) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def register_request_hooks(app: Flask) -> None:
    access = logging.getLogger("cqo_portal.access")
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies:  # behind nginx: the client's address and scheme come from its headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    @app.before_request
    def start_timer() -> None:
        g.t0 = time.perf_counter()

    @app.before_request
    def refuse_nul_bytes() -> None:
        """No person types a NUL byte and PostgreSQL cannot store one: 400, not a 500 later."""
        if _has_nul(request.args) or (request.mimetype in _FORM_TYPES and _has_nul(request.form)):
            abort(400)

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if current_user and getattr(current_user, "is_authenticated", False):
            resp.headers.setdefault("Cache-Control", "private, no-store")
        if not request.path.startswith("/static"):
            ms = round((time.perf_counter() - g.get("t0", time.perf_counter())) * 1000, 1)
            access.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": resp.status_code,
                    "ms": ms,
                    "user_id": getattr(current_user, "id", None),
                    "ip": request.remote_addr,
                },
            )
        return resp


def register_template_helpers(app: Flask) -> None:
    from cqo_portal import charts, reference
    from cqo_portal.core.answers import answer_input, answer_label
    from cqo_portal.core.holistic import allowed_adjustments, factor_name
    from cqo_portal.core.measures import COLUMNS as MEASURE_COLUMNS
    from cqo_portal.core.questionnaire import BANDS

    band_values = [list(range(lo, hi + 1, 5)) for lo, hi in BANDS]
    app.jinja_env.globals.update(
        answer_label=answer_label,
        answer_input=answer_input,
        allowed_adjustments=allowed_adjustments,
        factor_name=factor_name,
        measure_columns=MEASURE_COLUMNS,
        band_values=band_values,
        radar_chart=lambda *a, **k: Markup(charts.radar_chart(*a, **k)),
        bar_chart=lambda *a, **k: Markup(charts.bar_chart(*a, **k)),
        histogram=lambda *a, **k: Markup(charts.histogram(*a, **k)),
        line_chart=lambda *a, **k: Markup(charts.line_chart(*a, **k)),
    )

    @app.context_processor
    def inject() -> dict[str, Any]:
        lang = str(get_locale() or "zh")
        return {
            "lang": page_lang(),
            "region_label": lambda code: reference.region_label(code, lang),
            "industry_label": lambda code: reference.industry_label(code, lang),
            "cities": reference.cities(),
            "industries": reference.industries(),
        }

    @app.template_filter("dt")
    def dt(value, fmt: str = "medium"):
        if value is None:
            return ""
        # Babel directly, with the request's locale and time zone: lists show dozens of dates
        # and flask-babel's wrapper repeats its lookups on every call.
        return babel_dates.format_datetime(value, fmt, tzinfo=get_timezone(), locale=get_locale())

    @app.template_filter("num")
    def num(value, digits: int = 1):
        if value is None:
            return "—"
        return _number_pattern(digits).apply(value, get_locale() or "zh")


@functools.lru_cache(maxsize=8)
def _number_pattern(digits: int) -> NumberPattern:
    """Grouped thousands and `digits` decimals, parsed once (Babel re-parses it on each call)."""
    return parse_pattern("#,##0" + ("." + "0" * digits if digits > 0 else ""))


def register_commands(app: Flask) -> None:
    from cqo_portal.cli import register

    register(app)
