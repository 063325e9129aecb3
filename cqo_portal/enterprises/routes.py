"""Enterprise registration and profile."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from cqo_portal import authz
from cqo_portal.enterprises import services
from cqo_portal.enterprises.forms import EnterpriseForm, InviteForm, JoinForm
from cqo_portal.models import Enterprise, EnterpriseInvitation, User
from cqo_portal.web import commit, get_or_404

bp = Blueprint("enterprises", __name__, url_prefix="/enterprise")


@bp.route("/register", methods=["GET", "POST"])
@login_required
def register():
    if current_user.is_officer and current_user.enterprise_id:
        return redirect(url_for("enterprises.view", enterprise_id=current_user.enterprise_id))
    authz.require("enterprise.register")
    form = EnterpriseForm()
    if form.validate_on_submit():
        try:
            ent = services.register_enterprise(current_user, form.data)
        except services.EnterpriseExists as e:
            form.uscc.errors.append(e.message)
        else:
            commit()
            flash(_("The enterprise is registered."), "success")
            return redirect(url_for("enterprises.view", enterprise_id=ent.id))
    return render_template("enterprises/register.html", form=form)


@bp.route("/<enterprise_id>")
@login_required
def view(enterprise_id: str):
    ent = get_or_404(Enterprise, enterprise_id)
    authz.require("enterprise.view", ent)
    return render_template("enterprises/view.html", ent=ent)


@bp.route("/<enterprise_id>/edit", methods=["GET", "POST"])
@login_required
def edit(enterprise_id: str):
    ent = get_or_404(Enterprise, enterprise_id)
    authz.require("enterprise.edit", ent)
    form = EnterpriseForm(obj=ent)
    if form.validate_on_submit():
        if services.normalise_uscc(form.uscc.data) != ent.uscc:
            form.uscc.errors.append(_("The credit code cannot be changed; contact the bureau."))
        else:
            services.update_enterprise(ent, form.data)
            commit()
            flash(_("Saved."), "success")
            return redirect(url_for("enterprises.view", enterprise_id=ent.id))
    return render_template("enterprises/edit.html", form=form, ent=ent)


@bp.route("/<enterprise_id>/members", methods=["GET", "POST"])
@login_required
def members(enterprise_id: str):
    """The enterprise's officers and open invitations; a POST creates an invitation link."""
    ent = get_or_404(Enterprise, enterprise_id)
    authz.require("enterprise.invite", ent)
    form = InviteForm()
    link = None
    if form.validate_on_submit():
        try:
            _invitation, token = services.invite_member(ent, current_user, form.email.data)
        except services.InvitationError as e:
            form.email.errors.append(e.message)
        else:
            commit()
            # Shown once, on this response only: the portal keeps just the token's hash.
            link = url_for("enterprises.join", token=token, _external=True)
            form = InviteForm(formdata=None)
    return render_template(
        "enterprises/members.html",
        ent=ent,
        form=form,
        link=link,
        members=services.members(ent),
        invitations=services.open_invitations(ent),
        days=services.INVITATION_DAYS,
    )


@bp.route("/<enterprise_id>/invitations/<invitation_id>/withdraw", methods=["POST"])
@login_required
def withdraw_invitation(enterprise_id: str, invitation_id: str):
    ent = get_or_404(Enterprise, enterprise_id)
    authz.require("enterprise.invite", ent)
    invitation = get_or_404(EnterpriseInvitation, invitation_id)
    if invitation.enterprise_id != ent.id:
        abort(404)
    try:
        services.withdraw_invitation(invitation)
    except services.InvitationError as e:
        flash(e.message, "warning")
    else:
        commit()
        flash(_("The invitation is withdrawn; its link no longer works."), "info")
    return redirect(url_for("enterprises.members", enterprise_id=ent.id))


@bp.route("/<enterprise_id>/members/<user_id>/remove", methods=["POST"])
@login_required
def remove_member(enterprise_id: str, user_id: str):
    """Take a colleague out of the enterprise; the members page says what happened."""
    ent = get_or_404(Enterprise, enterprise_id)
    authz.require("enterprise.invite", ent)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    member = get_or_404(User, user_id)
    if member.enterprise_id != ent.id:
        abort(404)
    try:
        services.remove_member(ent, current_user, member)
    except services.InvitationError as e:
        flash(e.message, "warning")
    else:
        commit()
        flash(
            _(
                "%(name)s is no longer an officer of the enterprise. What they filed stays; "
                "invite them again to give them access back.",
                name=member.name,
            ),
            "info",
        )
    return redirect(url_for("enterprises.members", enterprise_id=ent.id))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    """Open an invitation link: log in with the invited account, then confirm to join."""
    invitation = services.find_invitation(token)
    if not current_user.is_authenticated:
        return render_template(
            "enterprises/join.html",
            invitation=invitation,
            problem=services.invitation_problem(invitation, None),
            form=None,
        )
    problem = services.invitation_problem(invitation, current_user)
    form = JoinForm()
    if problem is None and form.validate_on_submit():
        try:
            ent = services.accept_invitation(invitation, current_user)
        except services.InvitationError as e:
            problem = e.message
        else:
            commit()
            flash(_("Welcome! You are now an officer of %(name)s.", name=ent.name), "success")
            return redirect(url_for("main.dashboard"))
    # A refused acceptance is a conflict; opening a link that cannot be used just explains why.
    status = 409 if problem and request.method == "POST" else 200
    return render_template(
        "enterprises/join.html", invitation=invitation, problem=problem, form=form
    ), status
