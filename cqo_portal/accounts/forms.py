"""Account forms; every label and message is translatable."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me logged in on this computer"))
    submit = SubmitField(_l("Log in"))


class RegisterForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=100)],
    )
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Choose a password."))],
        description=_l("At least 10 characters, with letters and digits."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
    )
    submit = SubmitField(_l("Create account"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a password."))],
        description=_l("At least 10 characters, with letters and digits."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("new_password", _l("The two passwords differ.")),
        ],
    )
    submit = SubmitField(_l("Change password"))
