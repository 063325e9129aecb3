"""Exports of the filtered submissions: CSV and XLSX (one row per submission, a column per section
score) and a ZIP of their PDF reports. They hold exactly what the list shows: the same
`cqo_portal.query` statement for the same `SubmissionFilter`, in the list's order.

All run in constant memory: rows stream from one query with `yield_per`, the XLSX is a
write-only workbook spooled to a temporary file, and the ZIP is written PDF by PDF into a spooled
temporary file (spilling to disk past a few MB) and streamed back.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from itertools import groupby
from typing import IO, Any

from flask_babel import get_timezone
from flask_babel import gettext as _
from sqlalchemy import select

from cqo_portal.assessments.services import questionnaire_of
from cqo_portal.extensions import db
from cqo_portal.models import Assessment, Enterprise, QuestionnaireVersion, SectionScore, User
from cqo_portal.query import SubmissionFilter, ordered_submissions
from cqo_portal.reference import industry_label, region_label
from cqo_portal.regulator import services
from cqo_portal.web import spreadsheet_text

BATCH = 1000
SPOOL_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class SectionColumn:
    questionnaire_key: str
    section_id: str
    header: str


def section_columns(flt: SubmissionFilter, lang: str) -> list[SectionColumn]:
    """One column per section of each questionnaire the export can contain (latest versions)."""
    stmt = select(QuestionnaireVersion).order_by(
        QuestionnaireVersion.key, QuestionnaireVersion.id.desc()
    )
    if flt.questionnaire:
        stmt = stmt.where(QuestionnaireVersion.key == flt.questionnaire)
    latest: dict[str, QuestionnaireVersion] = {}
    for qv in db.session.scalars(stmt):
        latest.setdefault(qv.key, qv)
    columns = []
    for key, qv in latest.items():
        prefix = "" if len(latest) == 1 else f"{key} · "
        for sec in questionnaire_of(qv).sections:
            title = sec.title.get(lang)
            columns.append(SectionColumn(key, sec.id, f"{prefix}{title} (%)"))
    return columns


def headers(columns: list[SectionColumn]) -> list[str]:
    return [
        _("Submission id"),
        _("Enterprise"),
        _("Unified social credit code"),
        _("City"),
        _("Industry"),
        _("Size"),
        _("Questionnaire"),
        _("Version"),
        _("Year"),
        _("Status"),
        _("Submitted"),
        _("Total points"),
        _("Maximum points"),
        _("Score (%)"),
        _("Level"),
        _("Reviewed"),
        _("Review comment"),
        *[c.header for c in columns],
    ]


def _when(value: datetime | None, tz: tzinfo) -> str:
    """A stored UTC time in the portal's time zone (SQLite hands back naive UTC values)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def export_rows(user: User, flt: SubmissionFilter, lang: str) -> Iterator[list[Any]]:
    """Rows for the spreadsheet exports, streamed from a single query in the list's order."""
    columns = section_columns(flt, lang)
    position = {(c.questionnaire_key, c.section_id): i for i, c in enumerate(columns)}
    levels = {code: label.get(lang) for code, label in services.level_choices()}
    tz = get_timezone()
    statuses = {"submitted": _("Submitted"), "accepted": _("Accepted"), "returned": _("Returned")}
    sizes = {"large": _("Large"), "medium": _("Medium"), "small": _("Small"), "micro": _("Micro")}
    stmt = (
        ordered_submissions(
            user,
            flt,
            Assessment.id,
            Enterprise.name,
            Enterprise.uscc,
            Enterprise.city_code,
            Enterprise.industry_section,
            Enterprise.size_class,
            Assessment.questionnaire_key,
            QuestionnaireVersion.version,
            Assessment.cycle_year,
            Assessment.status,
            Assessment.submitted_at,
            Assessment.total_points,
            Assessment.max_points,
            Assessment.percent,
            Assessment.level_code,
            Assessment.reviewed_at,
            Assessment.review_comment,
            SectionScore.section_id,
            SectionScore.percent,
            with_enterprise=True,
        )
        .join(Assessment.questionnaire)
        .outerjoin(SectionScore, SectionScore.assessment_id == Assessment.id)
    )
    result = db.session.execute(stmt.execution_options(yield_per=BATCH))
    for _id, group in groupby(result, key=lambda r: r[0]):
        rows = list(group)
        r = rows[0]
        sections: list[Any] = [None] * len(columns)
        for row in rows:
            index = position.get((row[6], row[17]))
            if index is not None:
                sections[index] = row[18]
        status = r[9].value if hasattr(r[9], "value") else r[9]
        yield [
            r[0],
            spreadsheet_text(r[1]),
            r[2],
            region_label(r[3], lang),
            industry_label(r[4], lang),
            sizes.get(r[5], r[5]),
            r[6],
            r[7],
            r[8],
            statuses.get(status, status),
            _when(r[10], tz),
            r[11],
            r[12],
            r[13],
            levels.get(r[14], r[14] or ""),
            _when(r[15], tz),
            spreadsheet_text(r[16]),
            *sections,
        ]


def csv_chunks(user: User, flt: SubmissionFilter, lang: str) -> Iterator[str]:
    """The CSV as text chunks (UTF-8 BOM first, so spreadsheet programs read Chinese right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers(section_columns(flt, lang)))
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for n, row in enumerate(export_rows(user, flt, lang), start=1):
        writer.writerow(["" if v is None else v for v in row])
        if n % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(user: User, flt: SubmissionFilter, lang: str) -> IO[bytes]:
    """The XLSX in a temporary file (rewound), written row by row by a write-only workbook."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Submissions"))
    ws.freeze_panes = "C2"
    ws.append(headers(section_columns(flt, lang)))
    for row in export_rows(user, flt, lang):
        ws.append(row)
    out = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the response that streams it)
    wb.save(out)
    out.seek(0)
    return out


def reports_zip(assessment_ids: list[int], lang: str) -> IO[bytes]:
    """A ZIP of the PDF reports of these submissions (rendering missing ones), rewound.

    Holds one PDF in memory at a time; the caller commits the newly rendered reports.
    """
    import zipfile

    from cqo_portal.reports.services import ready_report

    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  (closed by the response)
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow([_("Report number"), _("Enterprise"), _("Unified social credit code")])
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as zf:
        for assessment_id in assessment_ids:
            assessment = db.session.get(Assessment, assessment_id)
            if assessment is None:
                continue
            report = ready_report(assessment, lang)
            zf.writestr(f"{report.number}.pdf", report.pdf or b"")
            writer.writerow(
                [
                    report.number,
                    spreadsheet_text(assessment.enterprise.name),
                    assessment.enterprise.uscc,
                ]
            )
            db.session.flush()
            # Let go of the PDF bytes and the rendered graph before the next one.
            db.session.expunge(report)
            db.session.expunge(assessment)
        zf.writestr("index.csv", "\ufeff" + manifest.getvalue())
    spool.seek(0)
    return spool
