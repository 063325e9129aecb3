"""Forms of the quality-safety pages: scope, director filing, the quick entry of records."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from cqo_portal import uploads
from cqo_portal.models import ProductBasis
from cqo_portal.safety.services import DirectorData, HazardData, OfficerData, ProductData

ROWS = 3  # blank rows offered for products, officers and hazards


def basis_labels() -> dict[str, str]:
    return {
        ProductBasis.LICENCE.value: str(_l("Industrial production licence")),
        ProductBasis.CCC.value: str(_l("Compulsory certification (CCC)")),
        ProductBasis.MANDATORY_STANDARD.value: str(_l("Mandatory national standard")),
    }


class DayField(DateField):
    """A day typed as YYYY-MM-DD; an unreadable one is refused naming the format."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as e:
            raise ValueError(str(_l("Give the date as YYYY-MM-DD."))) from e


def _text(label, required_message=None, max_length=200, area=False, **kw):
    validators = [DataRequired(required_message)] if required_message else [Optional()]
    validators.append(Length(max=max_length, message=_l("At most %(max)d characters.")))
    return (TextAreaField if area else StringField)(label, validators=validators, **kw)


class ProductRow(Form):
    category = _text(_l("Product category"))
    basis = SelectField(_l("Basis"), choices=[], validate_choice=False)
    number = _text(_l("Licence or certificate number"), max_length=100)
    valid_until = DayField(_l("Valid until"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.basis.choices = list(basis_labels().items())


class ScopeForm(FlaskForm):
    in_scope = BooleanField(
        _l("Our products fall under the quality-safety rules for producers"),
        description=_l(
            "Products under a production licence, compulsory certification, or a mandatory "
            "national standard on health and the safety of life and property."
        ),
    )
    products = FieldList(FormField(ProductRow), min_entries=ROWS, max_entries=20)
    save = SubmitField(_l("Save the declaration"))

    def validate_products(self, field) -> None:
        for row in self.products:
            if (row.category.data or "").strip() and row.basis.data not in basis_labels():
                raise ValidationError(_l("Choose the basis of every product category."))
        if self.in_scope.data and not self.product_data():
            raise ValidationError(_l("Name at least one product category in scope."))

    def product_data(self) -> list[ProductData]:
        return [
            ProductData(
                category=row.category.data.strip(),
                basis=row.basis.data,
                number=(row.number.data or "").strip() or None,
                valid_until=row.valid_until.data,
            )
            for row in self.products
            if (row.category.data or "").strip()
        ]


class OfficerRow(Form):
    person = _text(_l("Name"), max_length=100)
    post = _text(_l("Post"), max_length=100)
    duties = _text(_l("Written duties"), max_length=2000)


class DirectorForm(FlaskForm):
    director_name = _text(_l("Quality-safety director"), _l("Name the director."), 100)
    director_post = _text(_l("Director's post"), _l("Give the director's post."), 100)
    director_duties = _text(
        _l("Director's written duties"), _l("Write down the director's duties."), 5000, area=True
    )
    cqo_is_director = BooleanField(_l("The chief quality officer is also the director"))
    officers = FieldList(FormField(OfficerRow), min_entries=ROWS, max_entries=20)
    document = FileField(
        _l("Appointment document"), description=_l("PDF, JPEG or PNG; a new file replaces it.")
    )
    submit_filing = SubmitField(_l("Submit to the bureau"))

    def __init__(self, *args, max_upload_bytes: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.max_upload_bytes = max_upload_bytes
        self.checked_document: uploads.CheckedUpload | None = None

    def validate_document(self, field) -> None:
        self.checked_document = uploads.check_form_file(field, self.max_upload_bytes)

    def validate_officers(self, field) -> None:
        for row in self.officers:
            if (row.person.data or "").strip() and not (row.post.data or "").strip():
                raise ValidationError(_l("Give the post of every officer named."))
        if not self.director_data().officers:
            raise ValidationError(_l("Name at least one quality-safety officer."))

    def director_data(self) -> DirectorData:
        return DirectorData(
            director_name=(self.director_name.data or "").strip(),
            director_post=(self.director_post.data or "").strip(),
            director_duties=(self.director_duties.data or "").strip(),
            cqo_is_director=bool(self.cqo_is_director.data),
            officers=[
                OfficerData(
                    row.person.data.strip(),
                    (row.post.data or "").strip(),
                    (row.duties.data or "").strip(),
                )
                for row in self.officers
                if (row.person.data or "").strip()
            ],
        )


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason for returning"), validators=[Length(max=2000)])
    approve = SubmitField(_l("Approve"))
    send_back = SubmitField(_l("Return to the enterprise"))

    def validate_reason(self, field) -> None:
        if self.send_back.data and not (field.data or "").strip():
            raise ValidationError(_l("Say why the filing is returned."))


class RiskForm(FlaskForm):
    risk = _text(_l("Risk"), _l("Describe the risk."), 300)
    control = _text(_l("Control"), _l("Describe how it is controlled."), 2000)
    owner = _text(_l("Owner"), _l("Name who is accountable."), 100)
    review_on = DayField(_l("Review date"), validators=[InputRequired(_l("Give the review date."))])
    add_risk = SubmitField(_l("Add to the list"))


class DailyForm(FlaskForm):
    day = DayField(_l("Day"), validators=[InputRequired(_l("Give the day."))])
    officer_name = _text(_l("Quality-safety officer"), _l("Name the officer."), 100)
    checked = _text(_l("What was checked"), _l("Say what was checked."), 2000, area=True)
    problems = _text(_l("Problems found and how they were handled"), None, 2000, area=True)
    add_daily = SubmitField(_l("Save the daily record"))


class HazardRow(Form):
    hazard = _text(_l("Hazard"), None, 500)
    found_on = DayField(_l("Found on"), validators=[Optional()])
    closed_on = DayField(_l("Closed on"), validators=[Optional()])


class WeeklyForm(FlaskForm):
    day = DayField(
        _l("A day of the week screened"), validators=[InputRequired(_l("Give the day."))]
    )
    director_name = _text(_l("Quality-safety director"), _l("Name the director."), 100)
    summary = _text(
        _l("Screening summary"),
        _l("Summarise the screening."),
        5000,
        area=True,
        description=_l("Risks and hidden hazards found, handled and still open."),
    )
    hazards = FieldList(FormField(HazardRow), min_entries=ROWS, max_entries=50)
    add_weekly = SubmitField(_l("Save the weekly report"))

    def validate_hazards(self, field) -> None:
        for row in self.hazards:
            if not (row.hazard.data or "").strip():
                continue
            if row.found_on.data is None:
                raise ValidationError(_l("Give the day each hazard was found."))
            if row.closed_on.data and row.closed_on.data < row.found_on.data:
                raise ValidationError(_l("A hazard cannot be closed before it was found."))

    def hazard_data(self) -> list[HazardData]:
        return [
            HazardData(row.hazard.data.strip(), row.found_on.data, row.closed_on.data)
            for row in self.hazards
            if (row.hazard.data or "").strip()
        ]


class MonthlyForm(FlaskForm):
    held_on = DayField(_l("Meeting held on"), validators=[InputRequired(_l("Give the day."))])
    chair_name = _text(_l("Main responsible person"), _l("Name who chaired the meeting."), 100)
    heard_report = BooleanField(_l("The main responsible person heard the director's report"))
    measures = _text(
        _l("Measures decided"), _l("Write down the measures decided."), 5000, area=True
    )
    add_monthly = SubmitField(_l("Save the minutes"))

    def validate_heard_report(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("The minutes record the director's report being heard."))


class CloseHazardForm(FlaskForm):
    closed_on = DayField(_l("Closed on"), validators=[InputRequired(_l("Give the day."))])
    close = SubmitField(_l("Close"))


class ImportForm(FlaskForm):
    workbook = FileField(_l("Workbook (XLSX)"))
    upload = SubmitField(_l("Import"))
