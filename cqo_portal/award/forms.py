"""Forms of rounds, applications, conflict declarations, assignments and examiners' scores."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from cqo_portal import reference
from cqo_portal.award.services import PostedConsensus, PostedScore
from cqo_portal.models import RoundKind
from cqo_portal.web import page_lang

TEXT_MAX = 4000


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


class RoundForm(FlaskForm):
    kind = RadioField(
        _l("Kind of round"),
        choices=[
            (RoundKind.AWARD.value, _l("Provincial quality award round")),
            (RoundKind.CQO_SELF.value, _l("Annual CQO self-assessment round")),
        ],
        default=RoundKind.AWARD.value,
        validators=[DataRequired(_l("Choose the kind of round."))],
    )
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter the title.")), Length(max=200)]
    )
    questionnaire_version_id = SelectField(
        _l("Questionnaire version"),
        coerce=_int_or_none,
        validators=[DataRequired(_l("Choose the questionnaire version."))],
    )
    opens_on = DateField(_l("Opens on"), validators=[DataRequired(_l("Enter a date."))])
    closes_on = DateField(_l("Closes on"), validators=[DataRequired(_l("Enter a date."))])
    city_codes = SelectMultipleField(
        _l("Eligible cities"),
        validators=[Optional()],
        description=_l("None chosen: every city may take part."),
    )
    industry_sections = SelectMultipleField(
        _l("Eligible kinds of organisation (industry sections)"),
        validators=[Optional()],
        description=_l("None chosen: every industry may take part."),
    )
    checklist = TextAreaField(
        _l("Eligibility checklist"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        description=_l("One statement per line; each applicant confirms every one."),
    )
    examiners_see_self_score = BooleanField(_l("Examiners see the applicant's self-score"))
    submit = SubmitField(_l("Open the round"))

    def __init__(self, *args, questionnaires=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        lang = page_lang()
        self.questionnaire_version_id.choices = [("", _l("— choose —"))] + [
            (qv.id, f"{qv.title(lang)} {qv.version}") for qv in questionnaires
        ]
        self.city_codes.choices = [
            (c.code, c.label(lang)) for c in reference.regions().values() if c.code != "440000"
        ]
        self.industry_sections.choices = [
            (c.code, f"{c.code} {c.label(lang)}") for c in reference.industries().values()
        ]

    def checklist_lines(self) -> list[str]:
        return [line.strip() for line in (self.checklist.data or "").splitlines() if line.strip()]


def _profile_field(label) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=TEXT_MAX)])


class ApplicationForm(FlaskForm):
    eligibility = SelectMultipleField(_l("Eligibility declaration"), coerce=int)
    activities = _profile_field(_l("What the organisation does"))
    products = _profile_field(_l("Main products and services"))
    customers = _profile_field(_l("Customers and markets"))
    competitors = _profile_field(_l("Competitors and competitive position"))
    key_figures = _profile_field(_l("Key figures (staff, revenue, sites)"))
    challenges = _profile_field(_l("Strategic challenges and advantages"))
    assessment_id = SelectField(_l("Self-assessment entered"), coerce=_int_or_none)
    save = SubmitField(_l("Save the draft"))
    hand_in = SubmitField(_l("Hand in the application"))

    def __init__(self, *args, checklist=(), submissions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.eligibility.choices = list(enumerate(checklist))
        self.assessment_id.choices = [("", _l("— choose —"))] + [
            (a.id, f"#{a.id} · {a.total_points:g} / {a.max_points:g}") for a in submissions
        ]

    def profile(self) -> dict[str, str]:
        return {
            k: getattr(self, k).data or ""
            for k in (
                "activities",
                "products",
                "customers",
                "competitors",
                "key_figures",
                "challenges",
            )
        }


class ConflictForm(FlaskForm):
    conflicted = RadioField(
        _l("Do you have a conflict of interest with this applicant?"),
        choices=[("no", _l("No conflict of interest")), ("yes", _l("Yes, I have a conflict"))],
        validators=[DataRequired(_l("Choose one."))],
    )
    note = StringField(_l("Note (relation, if any)"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Declare"))


class AssignForm(FlaskForm):
    examiners = SelectMultipleField(_l("Examiners"), coerce=int)
    lead = SelectField(_l("Lead examiner"), coerce=_int_or_none)
    submit = SubmitField(_l("Assign the examiners"))

    def __init__(self, *args, choices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.examiners.choices = [(c.user.id, c.user.name) for c in choices]
        self.lead.choices = [("", _l("— choose —"))] + [
            (c.user.id, c.user.name) for c in choices if c.assignable
        ]


class ScoreSheetForm(FlaskForm):
    """The CSRF token and buttons; the items' fields are named band-<id>, percent-<id>, …"""

    save = SubmitField(_l("Save"))
    hand_in = SubmitField(_l("Hand in my scores"))


class ConsensusForm(FlaskForm):
    submit = SubmitField(_l("Record the consensus"))


def posted_scores(data: Mapping[str, str], item_ids: list[str]) -> list[PostedScore]:
    return [
        PostedScore(
            item_id=i,
            band=_int_or_none(data.get(f"band-{i}")),
            percent=_int_or_none(data.get(f"percent-{i}")),
            strengths=(data.get(f"strengths-{i}") or "")[:TEXT_MAX],
            ofis=(data.get(f"ofis-{i}") or "")[:TEXT_MAX],
        )
        for i in item_ids
    ]


def posted_consensus(data: Mapping[str, str], item_ids: list[str]) -> list[PostedConsensus]:
    return [
        PostedConsensus(
            item_id=i,
            band=_int_or_none(data.get(f"band-{i}")),
            percent=_int_or_none(data.get(f"percent-{i}")),
            comment=(data.get(f"comment-{i}") or "")[:TEXT_MAX],
        )
        for i in item_ids
    ]
