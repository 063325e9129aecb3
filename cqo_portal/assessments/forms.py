"""Forms of the filling pages that are more than a CSRF token: the XLSX upload, discarding."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired


class WorkbookUploadForm(FlaskForm):
    file = FileField(
        _l("Filled workbook (.xlsx)"),
        validators=[
            FileRequired(_l("Choose the workbook to upload.")),
            FileAllowed(["xlsx"], _l("Upload the .xlsx workbook downloaded from the portal.")),
        ],
        description=_l(
            "The answers are saved to your open draft of that questionnaire (a new draft is "
            "started when none is open). Blank rows leave saved answers as they are."
        ),
    )
    upload = SubmitField(_l("Upload and save to the draft"))


class DiscardDraftForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, delete this draft and every answer and evidence note in it"),
        validators=[DataRequired(_l("Tick the box to confirm that the draft is to be deleted."))],
    )
    discard = SubmitField(_l("Delete the draft"))
