"""The bureau's round table as CSV and XLSX: one row per application, what the round page lists."""

from __future__ import annotations

import csv
import io
import tempfile
from typing import IO, Any

from flask_babel import gettext as _

from cqo_portal.award import services
from cqo_portal.models import AwardApplication
from cqo_portal.reference import region_label
from cqo_portal.web import spreadsheet_text


def stage_labels() -> dict[str, str]:
    return {
        "draft": _("Not handed in"),
        "applied": _("Applied"),
        "in_review": _("In review"),
        "scored": _("Scored"),
    }


def headers() -> list[str]:
    return [
        _("Application"),
        _("Enterprise"),
        _("Unified social credit code"),
        _("City"),
        _("Stage"),
        _("Late"),
        _("Self-score"),
        _("Consensus score"),
        _("Examiners"),
    ]


def rows(apps: list[AwardApplication], lang: str) -> list[list[Any]]:
    labels = stage_labels()
    return [
        [
            app.id,
            spreadsheet_text(app.enterprise.name),
            app.enterprise.uscc,
            region_label(app.city_code, lang),
            labels[services.stage_of(app)],
            _("Yes") if services.is_late(app) else _("No"),
            app.assessment.total_points if app.assessment else None,
            app.consensus_points,
            len(app.assignments),
        ]
        for app in apps
    ]


def csv_text(apps: list[AwardApplication], lang: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers())
    for row in rows(apps, lang):
        writer.writerow(["" if v is None else v for v in row])
    return "\ufeff" + buffer.getvalue()


def xlsx_file(apps: list[AwardApplication], lang: str) -> IO[bytes]:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Applications"))
    ws.append(headers())
    for row in rows(apps, lang):
        ws.append(row)
    out = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the response that streams it)
    wb.save(out)
    out.seek(0)
    return out
