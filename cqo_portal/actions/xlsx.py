"""The action board as an XLSX workbook (openpyxl, write-only), its words in the reader's language."""

from __future__ import annotations

import io
from collections.abc import Iterable

from flask_babel import force_locale
from flask_babel import gettext as _

from cqo_portal.actions.forms import status_labels
from cqo_portal.actions.services import BoardRow
from cqo_portal.web import spreadsheet_text as _text


def board_workbook(rows: Iterable[BoardRow], lang: str) -> bytes:
    from openpyxl import Workbook

    with force_locale(lang):
        labels = status_labels()
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(_("Improvement actions"))
        ws.freeze_panes = "B2"
        ws.append(
            [
                _("Improvement action"),
                _("Question"),
                _("Owner"),
                _("Due date"),
                _("Status"),
                _("Overdue"),
                _("Completed on"),
                _("Expected effect"),
                _("Latest progress note"),
            ]
        )
        for row in rows:
            a = row.action
            latest = a.notes[-1].note if a.notes else ""
            ws.append(
                [
                    _text(a.title),
                    _text(a.question_id),
                    _text(a.owner_name),
                    a.due_on,
                    labels[a.status.value],
                    _("Yes") if row.overdue else "",
                    a.completed_on,
                    _text(a.expected_effect),
                    _text(latest),
                ]
            )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
