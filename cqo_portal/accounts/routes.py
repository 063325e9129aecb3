"""Accounts: register, log in, log out, change password, the account's logins, the language."""

from __future__ import annotations

import hashlib
import logging
import math
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import RateLimitExceeded, RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from cqo_portal.accounts import services
from cqo_portal.accounts.forms import ChangePasswordForm, LoginForm, RegisterForm
from cqo_portal.extensions import limiter
from cqo_portal.models import Role
from cqo_portal.web import LANGUAGES, commit, safe_next

bp = Blueprint("accounts", __name__)
log = logging.getLogger("cqo_portal")

# --- sign-in throttling ----------------------------------------------------------------------
# Officers of one company, or a bureau's staff, share one NAT address, so the address alone
# says little about who is guessing. Failed sign-ins are counted per account (from any address)
# and per account + address; a successful one never counts and clears its own account + address
# count. Every attempt, whatever its outcome, counts towards a per-address ceiling set far above
# what one office produces. The counters live in Flask-Limiter's storage (Redis when configured).


def _address_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_FAILURE_LIMIT"]


def _account_address_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_ADDRESS_FAILURE_LIMIT"]


def _account_id() -> str:
    """The account the form names, normalised like a stored e-mail and hashed (bounded keys,
    no e-mail addresses in the limiter's storage). Whether such an account exists plays no part."""
    email = services.normalise_email(request.form.get("email", ""))
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def _account_key() -> str:
    return "login-account:" + _account_id()


def _account_address_key() -> str:
    return f"login-account-address:{_account_id()}:{get_remote_address()}"


def _sign_in_failed(_response) -> bool:
    """Flask-Limiter's deduct_when: only a wrong e-mail or password counts."""
    return bool(g.get("sign_in_failed"))


def _refused(kind: str):
    """Flask-Limiter's on_breach: remember which counter refused and until when."""

    def on_breach(limit: RequestLimit) -> None:
        g.sign_in_refused = (kind, limit.window.reset_time)

    return on_breach


@bp.errorhandler(RateLimitExceeded)
def _too_many_sign_ins(_e: RateLimitExceeded):
    """The login form again (the e-mail kept), saying why and in how many minutes to retry."""
    kind, reset_at = g.pop("sign_in_refused", ("address", None))
    seconds = (reset_at - time.time()) if reset_at else 60
    minutes = max(1, math.ceil(seconds / 60))
    if kind == "address":
        message = ngettext(
            "Too many sign-in attempts from this network. Try again in %(num)d minute.",
            "Too many sign-in attempts from this network. Try again in %(num)d minutes.",
            minutes,
        )
    else:
        message = ngettext(
            "Too many failed sign-ins for this account. Try again in %(num)d minute.",
            "Too many failed sign-ins for this account. Try again in %(num)d minutes.",
            minutes,
        )
    log.warning("sign-in refused (%s limit) from %s", kind, request.remote_addr)
    return render_template("accounts/login.html", form=LoginForm(), refused=message), 429


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


def _forget_own_failures() -> None:
    """A successful sign-in clears the failures of this account from this address (the
    account-wide count stays: it may hold someone else's guesses from elsewhere)."""
    key = _account_address_key()
    for current in limiter.current_limits:
        if key in current.request_args:
            limiter.limiter.clear(current.limit, *current.request_args)


def _start_login(user) -> None:
    services.start_login(user, ip=request.remote_addr, user_agent=request.headers.get("User-Agent"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], on_breach=_refused("address"))
@limiter.limit(
    _account_limit,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_sign_in_failed,
    on_breach=_refused("account"),
)
@limiter.limit(
    _account_address_limit,
    key_func=_account_address_key,
    methods=["POST"],
    deduct_when=_sign_in_failed,
    on_breach=_refused("account"),
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    g.sign_in_failed = False
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            g.sign_in_failed = True
            log.info(
                "failed sign-in for account %s from %s", _account_id()[:12], request.remote_addr
            )
            form.password.errors.append(_("The e-mail or password is not right."))
        else:
            _forget_own_failures()
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
