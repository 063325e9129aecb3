"""Enterprise profile form; the credit code is checked with python-stdnum (GB 32100-2015)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from cqo_portal import reference

SIZE_CHOICES = [
    ("large", _l("Large")),
    ("medium", _l("Medium")),
    ("small", _l("Small")),
    ("micro", _l("Micro")),
]


def normalise_uscc(raw: str) -> str:
    """Upper-case and strip spaces/hyphens, the form the register stores."""
    return uscc.compact(raw or "").upper()


def uscc_problem(raw: str) -> str | None:
    """A precise message for an invalid unified social credit code, else None."""
    code = normalise_uscc(raw)
    try:
        uscc.validate(code)
    except InvalidLength:
        return str(_l("The code must have 18 characters (it has %(n)d).", n=len(code)))
    except InvalidChecksum:
        return str(_l("The check character (the last one) is wrong: the code is invalid."))
    except InvalidFormat:
        return str(_l("The code may only contain digits and the capital letters GB 32100 allows."))
    except InvalidComponent:
        return str(_l("The registration authority or organisation type in the code is invalid."))
    return None


class UsccField(StringField):
    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        if self.data:
            self.data = self.data.strip()


def validate_uscc(_form: FlaskForm, field: UsccField) -> None:
    problem = uscc_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _lang() -> str:
    return str(get_locale() or "zh")


class EnterpriseForm(FlaskForm):
    name = StringField(
        _l("Enterprise name (Chinese)"),
        validators=[DataRequired(_l("Enter the enterprise's registered name.")), Length(max=200)],
    )
    name_en = StringField(_l("English name (optional)"), validators=[Optional(), Length(max=200)])
    uscc = UsccField(
        _l("Unified social credit code"),
        validators=[DataRequired(_l("Enter the 18-character credit code.")), validate_uscc],
        description=_l("18 characters on the business licence, e.g. 91440300MA5FXXXXXX."),
    )
    city_code = SelectField(
        _l("City"), validators=[DataRequired(_l("Choose the city."))], validate_choice=True
    )
    industry_section = SelectField(
        _l("Industry (GB/T 4754-2017 section)"),
        validators=[DataRequired(_l("Choose the industry."))],
    )
    # No Optional(): it would stop the chain before validate_industry_division runs.
    industry_division = SelectField(
        _l("Manufacturing division"),
        description=_l("Only for manufacturing (section C)."),
    )
    size_class = SelectField(_l("Size"), choices=SIZE_CHOICES)
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    main_products = TextAreaField(
        _l("Main products or services"), validators=[Optional(), Length(max=500)]
    )
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=100)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=30)])
    contact_email = EmailField(
        _l("Contact e-mail"),
        validators=[
            Optional(),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
        ],
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        lang = _lang()
        self.city_code.choices = [("", _l("— choose —"))] + [
            (c.code, c.label(lang)) for c in reference.cities().values()
        ]
        self.industry_section.choices = [("", _l("— choose —"))] + [
            (c.code, f"{c.code} {c.label(lang)}") for c in reference.industries().values()
        ]
        self.industry_division.choices = [("", _l("— not manufacturing —"))] + [
            (c.code, f"{c.code} {c.label(lang)}")
            for c in reference.manufacturing_divisions().values()
        ]

    def validate_industry_division(self, field: SelectField) -> None:
        if field.data and self.industry_section.data != "C":
            raise ValidationError(_l("A division applies only to manufacturing (section C)."))
        if self.industry_section.data == "C" and not field.data:
            raise ValidationError(_l("Choose the manufacturing division."))


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mail of the colleague to invite"),
        validators=[
            DataRequired(_l("Enter your colleague's e-mail address.")),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
        description=_l("They log in (or register) with this e-mail address to accept."),
    )
    submit = SubmitField(_l("Create the invitation link"))


class JoinForm(FlaskForm):
    submit = SubmitField(_l("Join the enterprise"))
