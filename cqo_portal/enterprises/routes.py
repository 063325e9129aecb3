"""Enterprise registration and profile."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cqo_portal import authz
from cqo_portal.enterprises import services
from cqo_portal.enterprises.forms import EnterpriseForm
from cqo_portal.models import Enterprise
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
