"""The action form (create and edit) and the status form (a status change or a note alone)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from cqo_portal.assessments.presenters import action_status_label
from cqo_portal.models import ActionStatus


def status_labels() -> dict[str, str]:
    """The statuses' words in the current language, in board order."""
    return {s.value: action_status_label(s.value) for s in ActionStatus}


class DayField(DateField):
    """A date typed as YYYY-MM-DD; an unreadable one is refused with a message naming the format."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as e:
            raise ValueError(str(_l("Give the due date as YYYY-MM-DD."))) from e


class ActionForm(FlaskForm):
    title = StringField(
        _l("Improvement action"),
        validators=[
            DataRequired(_l("Say what will be done.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    owner_name = StringField(
        _l("Owner"),
        validators=[
            DataRequired(_l("Name the person or department accountable.")),
            Length(max=100, message=_l("At most %(max)d characters.")),
        ],
    )
    due_on = DayField(
        _l("Due date"),
        validators=[InputRequired(_l("Give the due date as YYYY-MM-DD."))],
        description=_l(
            "The action is overdue from the day after this date until it is done or dropped."
        ),
    )
    expected_effect = TextAreaField(
        _l("Expected effect"),
        validators=[Optional(), Length(max=2000, message=_l("At most %(max)d characters."))],
    )
    save = SubmitField(_l("Save the action"))


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[])
    note = TextAreaField(
        _l("Progress note"),
        validators=[
            DataRequired(_l("Write what was done or why the status changes.")),
            Length(max=2000, message=_l("At most %(max)d characters.")),
        ],
    )
    record = SubmitField(_l("Record"))
