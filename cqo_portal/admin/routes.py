"""Administration: accounts and roles (questionnaire publishing and audit pages build on this)."""

from __future__ import annotations

from flask import render_template
from flask_login import login_required
from sqlalchemy import select

from cqo_portal import authz
from cqo_portal.admin import bp
from cqo_portal.extensions import db
from cqo_portal.models import QuestionnaireVersion, User


@bp.route("/users")
@login_required
@authz.role_required("admin")
def users():
    rows = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/questionnaires")
@login_required
@authz.role_required("admin")
def questionnaires():
    rows = db.session.scalars(
        select(QuestionnaireVersion).order_by(QuestionnaireVersion.key, QuestionnaireVersion.id)
    ).all()
    return render_template("admin/questionnaires.html", versions=rows)
