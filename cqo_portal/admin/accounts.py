"""Administration of accounts: the list, regulator accounts and jurisdictions, (de)activation, resets."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cqo_portal import authz
from cqo_portal.accounts.services import AccountError
from cqo_portal.admin import account_services as services
from cqo_portal.admin import bp
from cqo_portal.admin.account_forms import (
    ConfirmForm,
    ExaminerForm,
    JurisdictionForm,
    RegulatorForm,
)
from cqo_portal.models import User
from cqo_portal.web import commit, get_or_404


@bp.route("/users")
@login_required
@authz.role_required("admin")
def users():
    role = request.args.get("role", "")
    return render_template(
        "admin/users.html", users=services.list_accounts(role), role=role, form=ConfirmForm()
    )


@bp.route("/users/new-regulator", methods=["GET", "POST"])
@login_required
@authz.role_required("admin")
def new_regulator():
    form = RegulatorForm()
    if form.validate_on_submit():
        try:
            user, password = services.create_regulator(
                name=form.name.data,
                email=form.email.data,
                jurisdiction_code=form.jurisdiction_code.data,
                phone=form.phone.data,
            )
        except AccountError as e:
            getattr(form, e.field, form.email).errors.append(e.message)
        else:
            commit()
            return render_template("admin/users_password.html", user=user, password=password)
    return render_template("admin/users_new.html", form=form)


@bp.route("/users/new-examiner", methods=["GET", "POST"])
@login_required
@authz.role_required("admin")
def new_examiner():
    form = ExaminerForm()
    if form.validate_on_submit():
        try:
            user, password = services.create_examiner(
                name=form.name.data, email=form.email.data, phone=form.phone.data
            )
        except AccountError as e:
            getattr(form, e.field, form.email).errors.append(e.message)
        else:
            commit()
            return render_template("admin/users_password.html", user=user, password=password)
    return render_template("admin/users_new_examiner.html", form=form)


def _account_page(user: User, jurisdiction_form: JurisdictionForm | None = None, status: int = 200):
    if jurisdiction_form is None:
        jurisdiction_form = JurisdictionForm(jurisdiction_code=user.jurisdiction_code)
    return (
        render_template(
            "admin/users_account.html",
            user=user,
            jurisdiction_form=jurisdiction_form,
            form=ConfirmForm(),
        ),
        status,
    )


@bp.route("/users/<user_id>")
@login_required
@authz.role_required("admin")
def account(user_id: str):
    return _account_page(get_or_404(User, user_id))


@bp.route("/users/<user_id>/jurisdiction", methods=["POST"])
@login_required
@authz.role_required("admin")
def change_jurisdiction(user_id: str):
    user = get_or_404(User, user_id)
    form = JurisdictionForm()
    if form.validate_on_submit():
        try:
            services.change_jurisdiction(user, form.jurisdiction_code.data)
        except AccountError as e:
            form.jurisdiction_code.errors.append(e.message)
        else:
            commit()
            flash(_("The jurisdiction is changed."), "success")
            return redirect(url_for("admin.account", user_id=user.id))
    return _account_page(user, form)


@bp.route("/users/<user_id>/active", methods=["POST"])
@login_required
@authz.role_required("admin")
def set_active(user_id: str):
    user = get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            services.set_active(user, active, current_user)
        except AccountError as e:
            flash(e.message, "warning")
        else:
            commit()
            flash(
                _("The account is active again.")
                if active
                else _("The account is deactivated; it can no longer log in."),
                "success",
            )
    return redirect(url_for("admin.account", user_id=user.id))


@bp.route("/users/<user_id>/reset-password", methods=["POST"])
@login_required
@authz.role_required("admin")
def reset_password(user_id: str):
    user = get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.account", user_id=user.id))
    password = services.reset_password(user)
    commit()
    return render_template("admin/users_password.html", user=user, password=password, reset=True)
