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
    if current_user.is_admin:
        return render_template("main/admin_dashboard.html", counts=services.admin_overview())
    ent = current_user.enterprise
    if ent is None:
        return redirect(url_for("enterprises.register"))
    overview = services.officer_overview(ent)
    return render_template(
        "main/officer_dashboard.html", ent=ent, o=overview, assessments=overview.assessments
    )


@bp.route("/healthz")
def healthz():
    """Liveness and readiness: the database answers, and Redis when one is configured."""
    checks: dict[str, str] = {}
    ok = True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as e:  # report, don't raise: this is the health check
        db.session.rollback()
        checks["database"] = f"error: {type(e).__name__}"
        ok = False
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
