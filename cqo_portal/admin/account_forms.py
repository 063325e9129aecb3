"""Forms of the administrator's account management."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from cqo_portal import reference


def jurisdiction_choices() -> list[tuple[str, str]]:
    """The province first, then the 21 cities (GB/T 2260)."""
    lang = str(get_locale() or "zh")
    return [("", _l("— choose —"))] + [
        (code.code, f"{code.code} {code.label(lang)}") for code in reference.regions().values()
    ]


class JurisdictionField(SelectField):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(
            *args,
            validators=[DataRequired(_l("Choose the province or one city."))],
            description=_l("The province (440000) sees every city; a city bureau sees its own."),
            **kwargs,
        )


class _StaffForm(FlaskForm):
    """Who a new regulator or examiner account is: name, login e-mail, phone."""

    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the name.")), Length(max=100)]
    )
    email = EmailField(
        _l("E-mail (login)"),
        validators=[
            DataRequired(_l("Enter the e-mail address.")),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])


class RegulatorForm(_StaffForm):
    jurisdiction_code = JurisdictionField(_l("Jurisdiction"))
    submit = SubmitField(_l("Create the regulator account"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.jurisdiction_code.choices = jurisdiction_choices()


class JurisdictionForm(FlaskForm):
    jurisdiction_code = JurisdictionField(_l("Jurisdiction"))
    submit = SubmitField(_l("Change the jurisdiction"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.jurisdiction_code.choices = jurisdiction_choices()


class ConfirmForm(FlaskForm):
    """A bare POST form (CSRF token only) for one-click actions."""

    submit = SubmitField(_l("Confirm"))


class ExaminerForm(_StaffForm):
    submit = SubmitField(_l("Create the examiner account"))
