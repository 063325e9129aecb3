"""Administration of data-API tokens: list, issue one for a regulator (its secret is shown once),
revoke. Issuing and revoking are audited by cqo_portal.api.tokens."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from cqo_portal import authz
from cqo_portal.admin import bp
from cqo_portal.api import tokens
from cqo_portal.models import ApiToken, User
from cqo_portal.reference import region_label
from cqo_portal.web import commit, get_or_404


class IssueTokenForm(FlaskForm):
    user_id = SelectField(
        _l("Regulator account"),
        coerce=int,
        validate_choice=True,
        description=_l("The token sees exactly what this regulator sees: their jurisdiction."),
    )
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the token a name.")),
            Length(max=100, message=_l("At most 100 characters.")),
        ],
        description=_l("Which system uses it, e.g. the bureau's statistics platform."),
    )
    submit = SubmitField(_l("Issue token"))


class RevokeTokenForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))


def _issue_form() -> IssueTokenForm:
    form = IssueTokenForm()
    lang = str(get_locale() or "zh")
    form.user_id.choices = [
        (u.id, f"{u.name} <{u.email}> — {region_label(u.jurisdiction_code, lang)}")
        for u in tokens.eligible_users()
    ]
    return form


def _list_page(form: IssueTokenForm, status: int = 200):
    return (
        render_template(
            "admin/api_tokens.html",
            tokens=tokens.list_tokens(),
            form=form,
            revoke_form=RevokeTokenForm(),
        ),
        status,
    )


@bp.route("/api-tokens")
@login_required
@authz.role_required("admin")
def api_tokens():
    return _list_page(_issue_form())


@bp.post("/api-tokens")
@login_required
@authz.role_required("admin")
def issue_api_token():
    form = _issue_form()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    user = get_or_404(User, form.user_id.data)
    try:
        token, secret = tokens.issue_token(user, form.name.data, current_user)
    except tokens.TokenError as e:
        getattr(form, e.field).errors = [e.message]
        return _list_page(form, 400)
    commit()
    # The secret is rendered once, never stored, never redirected through a URL.
    resp = make_response(render_template("admin/api_token_issued.html", token=token, secret=secret))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/api-tokens/<token_id>/revoke")
@login_required
@authz.role_required("admin")
def revoke_api_token(token_id: str):
    token = get_or_404(ApiToken, token_id)
    if not RevokeTokenForm().validate_on_submit():
        flash(_("The form has expired; try again."), "warning")
        return redirect(url_for("admin.api_tokens"))
    if tokens.revoke_token(token, current_user):
        commit()
        flash(
            _("Token %(prefix)s… revoked: it no longer opens the API.", prefix=token.prefix),
            "success",
        )
    else:
        flash(_("That token was already revoked."), "info")
    return redirect(url_for("admin.api_tokens"))
