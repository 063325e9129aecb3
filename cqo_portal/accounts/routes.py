"""Accounts: register, log in, log out, change password, the account's logins, the language."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from cqo_portal.accounts import services
from cqo_portal.accounts.forms import ChangePasswordForm, LoginForm, RegisterForm
from cqo_portal.extensions import limiter
from cqo_portal.models import Role
from cqo_portal.web import LANGUAGES, commit, safe_next

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_key() -> str:
    return "login:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                role=Role.OFFICER,
                phone=form.phone.data,
            )
        except services.AccountError as e:
            getattr(form, e.field).errors.append(e.message)
        else:
            user.locale = session.get("lang")
            session.clear()
            _start_login(user)
            commit()
            login_user(user)
            flash(_("Welcome! Next, register your enterprise."), "success")
            return redirect(url_for("enterprises.register"))
    return render_template("accounts/register.html", form=form)


def _start_login(user) -> None:
    services.start_login(user, ip=request.remote_addr, user_agent=request.headers.get("User-Agent"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, key_func=_account_key, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The e-mail or password is not right."))
        else:
            lang = session.get("lang")
            session.clear()  # renew the session on login (no fixation)
            if lang:
                session["lang"] = lang
            _start_login(user)
            login_user(user, remember=form.remember.data)
            commit()
            if user.must_change_password:
                flash(_("Please choose a new password."), "warning")
                return redirect(url_for("accounts.change_password"))
            return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    lang = session.get("lang")
    if current_user.is_authenticated:
        services.end_login(current_user)  # the cookie stops working, even where it was copied
        commit()
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if services.authenticate(current_user.email, form.current_password.data) is None:
            form.current_password.errors.append(_("The current password is not right."))
        else:
            try:
                services.change_password(current_user, form.new_password.data)
            except services.AccountError as e:
                form.new_password.errors.append(e.message)
            else:
                # Every login ended with the old session version; this browser gets a new one.
                # Pass the User itself: the current_user proxy stored in g would resolve to
                # itself forever (worker crash).
                user = current_user._get_current_object()
                _start_login(user)
                commit()
                login_user(user)
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("main.dashboard"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/logins")
@login_required
def logins():
    """The browsers this account is logged in on; any of them can be logged out from here."""
    user = current_user._get_current_object()
    rows = [(row, services.is_current_login(user, row)) for row in services.live_logins(user)]
    return render_template("accounts/logins.html", logins=rows, form=FlaskForm())


@bp.route("/account/logins/<token_hash>/end", methods=["POST"])
@login_required
def end_other_login(token_hash: str):
    if not FlaskForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    if len(token_hash) != 64 or not services.end_other_login(user, token_hash):
        abort(404)
    commit()
    flash(_("That browser is logged out."), "info")
    return redirect(url_for("accounts.logins"))


@bp.route("/account/logins/end-others", methods=["POST"])
@login_required
def end_other_logins():
    if not FlaskForm().validate_on_submit():
        abort(400)
    ended = services.end_other_logins(current_user._get_current_object())
    commit()
    flash(_("Logged out on %(n)d other browser(s).", n=ended), "info")
    return redirect(url_for("accounts.logins"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            commit()
    return redirect(safe_next(request.form.get("next"), "main.index"))
