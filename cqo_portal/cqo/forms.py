"""The CQO registration form; a draft needs only the name and position, a submission everything."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, EmailField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from cqo_portal import uploads
from cqo_portal.models.base import utcnow

# Fields a submission needs on top of what a draft needs (the letter is checked separately).
REQUIRED_TO_SUBMIT = {
    "appointed_on": _l("Enter the date of appointment."),
    "phone": _l("Enter the CQO's phone number."),
    "email": _l("Enter the CQO's e-mail address."),
    "cert_number": _l("Enter the certificate number."),
    "cert_issuer": _l("Enter the body that issued the certificate."),
    "cert_date": _l("Enter the date of the certificate."),
    "duties_declaration": _l("Declare the duties the CQO takes on."),
}
LETTER_REQUIRED = _l("Attach the appointment letter (PDF, JPEG or PNG).")


def _not_future(_form: FlaskForm, field: DateField) -> None:
    if field.data and field.data > utcnow().date():
        raise ValidationError(_l("The date cannot be in the future."))


class CQORegistrationForm(FlaskForm):
    name = StringField(
        _l("Name of the CQO"),
        validators=[DataRequired(_l("Enter the CQO's name.")), Length(max=100)],
    )
    position = StringField(
        _l("Position"),
        validators=[DataRequired(_l("Enter the CQO's position.")), Length(max=100)],
        description=_l("E.g. deputy general manager in charge of quality."),
    )
    department = StringField(_l("Department"), validators=[Optional(), Length(max=100)])
    appointed_on = DateField(
        _l("Date of appointment"),
        validators=[Optional(), _not_future],
        description=_l("As on the appointment letter."),
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    email = EmailField(
        _l("E-mail"),
        validators=[
            Optional(),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    cert_number = StringField(
        _l("Qualification or training certificate number"),
        validators=[Optional(), Length(max=100)],
    )
    cert_issuer = StringField(_l("Issued by"), validators=[Optional(), Length(max=200)])
    cert_date = DateField(_l("Date of the certificate"), validators=[Optional(), _not_future])
    duties_declaration = TextAreaField(
        _l("Declaration of the CQO's duties"),
        validators=[Optional(), Length(max=5000)],
        description=_l(
            "The duties the CQO takes on, e.g. organising the quality management system, "
            "quality decisions with a veto on release, and reporting to the bureau."
        ),
    )
    letter = FileField(
        _l("Appointment letter"),
        description=_l("PDF, JPEG or PNG, at most %(mb)s MB. A new file replaces the one on file."),
    )
    save = SubmitField(_l("Save draft"))
    submit_now = SubmitField(_l("Save and submit to the bureau"))

    def __init__(self, *args, max_upload_bytes: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.max_upload_bytes = max_upload_bytes
        self.checked_letter: uploads.CheckedUpload | None = None
        self.letter.description = self.letter.description % {
            "mb": f"{max_upload_bytes / 1024 / 1024:g}"
        }

    @property
    def wants_submit(self) -> bool:
        return bool(self.submit_now.data)

    def validate_letter(self, field: FileField) -> None:
        self.checked_letter = uploads.check_form_file(field, self.max_upload_bytes)

    def check_complete(self, has_letter_on_file: bool) -> bool:
        """Add a field error for everything a submission still lacks; True when complete."""
        complete = True
        for name, message in REQUIRED_TO_SUBMIT.items():
            field = self[name]
            if not field.errors and not (
                field.data.strip() if isinstance(field.data, str) else field.data
            ):
                field.errors = [*field.errors, str(message)]
                complete = False
        if not has_letter_on_file and self.checked_letter is None and not self.letter.errors:
            self.letter.errors = [*self.letter.errors, str(LETTER_REQUIRED)]
            complete = False
        return complete

    def registration_data(self) -> dict:
        """The registration's fields, stripped, with blanks as None."""
        data = {}
        for name in (
            "name",
            "position",
            "department",
            "phone",
            "email",
            "cert_number",
            "cert_issuer",
            "duties_declaration",
        ):
            value = (self[name].data or "").strip()
            data[name] = value or None
        data["appointed_on"] = self.appointed_on.data
        data["cert_date"] = self.cert_date.data
        return data


class SubmitForm(FlaskForm):
    note = TextAreaField(
        _l("Note to the bureau (optional)"),
        validators=[Optional(), Length(max=2000)],
        description=_l("When resubmitting, say what you changed in answer to the bureau."),
    )
    submit = SubmitField(_l("Submit to the bureau"))


class DecisionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for returning"),
        validators=[Length(max=2000)],
        description=_l("The officer sees this and can answer by correcting and resubmitting."),
    )
    approve = SubmitField(_l("Approve"))
    send_back = SubmitField(_l("Return to the enterprise"))

    def validate_reason(self, field: TextAreaField) -> None:
        if self.send_back.data and not (field.data or "").strip():
            raise ValidationError(_l("Say why the registration is returned."))


# ---- the CQO as a person --------------------------------------------------------------------


class ProfileForm(FlaskForm):
    years_in_quality = IntegerField(
        _l("Years in quality work"),
        validators=[
            InputRequired(_l("Give the years as a whole number.")),
            NumberRange(min=0, max=60, message=_l("From 0 to 60 years.")),
        ],
    )
    title_or_degree = StringField(
        _l("Professional title or degree"),
        validators=[DataRequired(_l("Give the title or degree.")), Length(max=100)],
        description=_l("E.g. senior engineer, or a bachelor's degree."),
    )
    save_profile = SubmitField(_l("Save the conditions"))


class TrainingForm(FlaskForm):
    course = StringField(
        _l("Course"), validators=[DataRequired(_l("Name the course.")), Length(max=200)]
    )
    provider = StringField(_l("Provider"), validators=[Optional(), Length(max=200)])
    hours = IntegerField(
        _l("Hours"),
        validators=[
            InputRequired(_l("Give the hours as a whole number.")),
            NumberRange(min=1, max=1000, message=_l("From 1 to 1000 hours.")),
        ],
    )
    completed_on = DateField(
        _l("Completed on"), validators=[InputRequired(_l("Give the day.")), _not_future]
    )
    add_training = SubmitField(_l("Add the training"))


class CertificateForm(FlaskForm):
    cert_name = StringField(
        _l("Certificate"), validators=[DataRequired(_l("Name the certificate.")), Length(max=200)]
    )
    number = StringField(_l("Number"), validators=[Optional(), Length(max=100)])
    issuer = StringField(_l("Issued by"), validators=[Optional(), Length(max=200)])
    expires_on = DateField(_l("Expires on"), validators=[Optional()])
    add_certificate = SubmitField(_l("Add the certificate"))
