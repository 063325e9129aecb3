"""Public home page, the role-aware dashboard, and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from cqo_portal.extensions import db
from cqo_portal.main import services

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    return render_template("main/index.html")


@bp.route("/dashboard")
@login_required
def dashboard():
    if current_user.is_regulator:
        return redirect(url_for("regulator.dashboard"))
    if current_user.is_examiner:
        return redirect(url_for("award.examiner_home"))
    if current_user.is_admin:
        return render_template("main/admin_dashboard.html", counts=services.admin_overview())
    ent = current_user.enterprise
    if ent is None:
        return redirect(url_for("enterprises.register"))
    overview = services.officer_overview(ent)
    return render_template(
        "main/officer_dashboard.html", ent=ent, o=overview, assessments=overview.assessments
    )


_heads: dict[str, str | None] = {}


def _code_head() -> str | None:
    """The newest migration this code ships (read once per process)."""
    directory = current_app.extensions["migrate"].directory
    if directory not in _heads:
        from alembic.script import ScriptDirectory

        _heads[directory] = ScriptDirectory(directory).get_current_head()
    return _heads[directory]


def _schema_state() -> str:
    """Either "ok" or why the database's schema does not match this code (a forgotten upgrade
    would otherwise show as errors on the first page that reads a new table)."""
    try:
        current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as e:
        db.session.rollback()
        return f"error: no migration version ({type(e).__name__}); run `flask db upgrade`"
    head = _code_head()
    if current != head:
        return (
            f"behind: the database is at {current}, this code needs {head}; run `flask db upgrade`"
        )
    return "ok"


@bp.route("/healthz")
def healthz():
    """Liveness and readiness: the database answers with the schema this code needs, and Redis
    answers when one is configured."""
    checks: dict[str, str] = {}
    ok = True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as e:  # report, don't raise: this is the health check
        db.session.rollback()
        checks["database"] = f"error: {type(e).__name__}"
        ok = False
    else:
        checks["schema"] = _schema_state()
        ok = ok and checks["schema"] == "ok"
    url = current_app.config.get("REDIS_URL")
    if url:
        try:
            from redis import Redis

            Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
            checks["redis"] = "ok"
        except Exception as e:
            checks["redis"] = f"error: {type(e).__name__}"
            ok = False
    return jsonify(status="ok" if ok else "error", checks=checks), 200 if ok else 503
