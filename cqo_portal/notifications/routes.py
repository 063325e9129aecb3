"""The officer's notification centre and the navigation bar's count of what needs attention."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, url_for
from flask_login import current_user, login_required

from cqo_portal.notices import message
from cqo_portal.notifications import services
from cqo_portal.web import commit, local_today

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _inject():
    def attention_count() -> int:
        user = current_user
        if not (user.is_authenticated and user.is_officer and user.enterprise_id):
            return 0
        if "attention_count" not in g:  # once per request, however many places show it
            g.attention_count = services.badge_count(user.enterprise_id, local_today())
        return g.attention_count

    return {"attention_count": attention_count, "notice_text": message}


def _enterprise_id() -> int:
    if not current_user.is_officer:
        abort(403)
    if current_user.enterprise_id is None:
        abort(404)
    return current_user.enterprise_id


@bp.route("/")
@login_required
def index():
    enterprise_id = _enterprise_id()
    return render_template(
        "notifications/index.html",
        items=services.due_items(enterprise_id, local_today()),
        notices=services.notices(current_user.enterprise),
    )


@bp.route("/read", methods=["POST"])
@login_required
def mark_read():
    _enterprise_id()
    services.mark_read(current_user.enterprise)
    commit()
    return redirect(url_for("notifications.index"))
