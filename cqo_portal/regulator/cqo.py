"""The regulator's CQO registrations: the list in the jurisdiction, one registration, the decision."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cqo_portal import authz, notices
from cqo_portal.cqo import person, services
from cqo_portal.cqo.forms import DecisionForm
from cqo_portal.cqo.routes import conflict, person_context
from cqo_portal.models import CQORegistration, CQOStatus
from cqo_portal.regulator import bp
from cqo_portal.web import commit, get_or_404, local_today


@bp.route("/cqo")
@login_required
@authz.role_required("regulator.workspace")
def cqo_registrations():
    flt = services.RegistrationFilter.from_args(request.args)
    page = services.list_registrations(current_user, flt)
    return render_template(
        "regulator/cqo_registrations.html",
        page=page,
        flt=flt,
        statuses=services.FILED,
        city_choices=authz.visible_city_codes(current_user),
    )


def _load(registration_id: str) -> CQORegistration:
    reg = get_or_404(CQORegistration, registration_id)
    authz.require("cqo.view", reg)
    authz.require("regulator.workspace")
    return reg


def _render(reg: CQORegistration, form: DecisionForm, status: int = 200):
    return (
        render_template(
            "regulator/cqo_registration.html",
            reg=reg,
            ent=reg.enterprise,
            form=form,
            can_decide=reg.status == CQOStatus.SUBMITTED
            and authz.can(current_user, "cqo.decide", reg),
            holders=services.cqo_filings(reg.enterprise, services.HELD),
            timeline=services.timeline(reg),
            **person_context(reg),
        ),
        status,
    )


@bp.route("/cqo/<registration_id>")
@login_required
def cqo_registration(registration_id: str):
    reg = _load(registration_id)
    return _render(reg, DecisionForm())


@bp.route("/cqo/<registration_id>/decide", methods=["POST"])
@login_required
def decide_cqo_registration(registration_id: str):
    reg = _load(registration_id)
    authz.require("cqo.decide", reg)
    form = DecisionForm()
    if not form.validate_on_submit() or not (form.approve.data or form.send_back.data):
        return _render(reg, form)
    try:
        if form.approve.data:
            services.approve_registration(reg, current_user)
            message = _("Approved: %(name)s is now the enterprise's CQO.", name=reg.name)
        else:
            services.return_registration(reg, current_user, form.reason.data)
            message = _("Returned to the enterprise with your reason.")
    except services.CQOTransitionError as e:
        return conflict(e.message)
    commit()
    notices.mail_queued()
    flash(message, "success")
    return redirect(url_for("regulator.cqo_registration", registration_id=reg.id))


@bp.route("/cqo/lapses")
@login_required
@authz.role_required("regulator.workspace")
def cqo_lapses():
    """Current CQOs of the jurisdiction whose training hours or a certificate have lapsed."""
    min_hours = current_app.config["CQO_MIN_TRAINING_HOURS"]
    return render_template(
        "regulator/cqo_lapses.html",
        rows=person.lapsed_cqos(current_user, min_hours, local_today()),
        min_hours=min_hours,
    )
