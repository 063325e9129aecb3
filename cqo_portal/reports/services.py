"""Reports are rendered once per submission and language, stored, and served from storage."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from cqo_portal import audit
from cqo_portal.assessments.presenters import ResultView, result_view
from cqo_portal.extensions import db
from cqo_portal.models import Assessment, Report, ReportStatus, SupersededReportNumber
from cqo_portal.models.base import utcnow

LANGS = ("zh", "en")


CHECK_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L to misread


def report_number(assessment: Assessment, lang: str) -> str:
    """GD-CQO-2026-000123-ZH-7KQ2P9: readable, plus a random check code so that numbers cannot
    be enumerated on the public /verify page to read other enterprises' scores."""
    prefix = current_app.config["REPORT_NUMBER_PREFIX"]
    year = (assessment.submitted_at or utcnow()).year
    check = "".join(secrets.choice(CHECK_ALPHABET) for _ in range(6))
    return f"{prefix}-{year}-{assessment.id:06d}-{lang.upper()}-{check}"


_REISSUE = re.compile(r"-R(\d+)$")


def reissue_reports(assessment: Assessment) -> None:
    """After a returned submission is resubmitted, its reports no longer match its scores:
    give each a new number and render it again (flushes, in the caller's transaction).

    The old number goes into ``superseded_report_numbers``, so /verify can say the report it
    names was superseded; the audit trail records the reissue too, but /verify never reads it.
    """
    for report in list(assessment.reports):
        if report.status == ReportStatus.PENDING and report.pdf is None:
            continue
        match = _REISSUE.search(report.number)
        n = int(match.group(1)) + 1 if match else 2
        old = {"number": report.number, "sha256": report.sha256}
        report.number = f"{report_number(assessment, report.lang)}-R{n}"
        db.session.add(
            SupersededReportNumber(
                number=old["number"], report_id=report.id, replaced_by=report.number
            )
        )
        report.status = ReportStatus.PENDING
        report.pdf = None
        report.sha256 = None
        report.size = None
        report.generated_at = None
        report.error = None
        audit.record(
            "report.reissue",
            report,
            before=old,
            after={"number": report.number},
            city_code=assessment.enterprise.city_code,
        )
    db.session.flush()


def get_report(assessment: Assessment, lang: str) -> Report | None:
    return db.session.scalar(
        select(Report).where(Report.assessment_id == assessment.id, Report.lang == lang)
    )


def ensure_report_row(assessment: Assessment, lang: str) -> Report:
    """The report row of one submission and language, created PENDING when missing.

    Two first downloads at once both find no row; the loser's insert hits the unique constraint
    inside a savepoint and it takes the winner's row instead.
    """
    report = get_report(assessment, lang)
    if report is not None:
        return report
    try:
        with db.session.begin_nested():
            report = Report(
                assessment_id=assessment.id,
                lang=lang,
                number=report_number(assessment, lang),
                status=ReportStatus.PENDING,
            )
            db.session.add(report)
    except IntegrityError:
        report = get_report(assessment, lang)
        if report is None:
            raise
    db.session.expire(assessment, ["reports"])
    return report


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What the PDF prints: the submission's result view plus the report's own identity."""

    result: ResultView
    report_number: str
    generated_at: str
    verify_url: str


def report_context(assessment: Assessment, report: Report) -> ReportContext:
    """The context of one report row, in the report's language (needs an app context)."""
    with force_locale(report.lang):
        generated_at = format_datetime(utcnow(), "yyyy-MM-dd HH:mm")
    return ReportContext(
        result=result_view(assessment, report.lang),
        report_number=report.number,
        generated_at=generated_at,
        verify_url="/verify",
    )


def render_report(report: Report) -> Report:
    """Render the PDF for a report row and store it with its SHA-256 (flushes, caller commits).

    The row is only written while it is not READY: when a concurrent render (a second first
    download, or the worker) stored its PDF first, that one stays the issued report and this
    render is discarded, so every PDF handed out matches the stored digest.
    """
    from cqo_portal.reports.pdf import render_report_pdf

    t0 = time.perf_counter()
    ctx = report_context(report.assessment, report)
    pdf = render_report_pdf(ctx)
    stored = db.session.execute(
        update(Report)
        .where(Report.id == report.id, Report.status != ReportStatus.READY)
        .values(
            pdf=pdf,
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            status=ReportStatus.READY,
            generated_at=utcnow(),
            render_ms=int((time.perf_counter() - t0) * 1000),
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(report)
    if stored.rowcount == 0:
        return report  # someone else's render was stored first: serve that one
    audit.record(
        "report.generate",
        report,
        after={"number": report.number, "sha256": report.sha256},
        city_code=report.assessment.enterprise.city_code,
        actor_id=None,
    )
    db.session.flush()
    return report


def ready_report(assessment: Assessment, lang: str) -> Report:
    """The stored report, rendering it now when it is missing (no worker configured)."""
    report = ensure_report_row(assessment, lang)
    if report.status != ReportStatus.READY:
        render_report(report)
    return report


def stored_pdf(report: Report) -> bytes:
    """The stored PDF bytes (the column is deferred so listing reports never loads them)."""
    return report.pdf or b""


def download_states(assessment: Assessment) -> dict[str, Any]:
    """Per language: is the PDF ready and where to get it (result pages and their status poll).

    ``waiting`` is true while a background worker is expected to render a missing report (only
    when Redis is configured); without a worker the download renders in the request instead.
    """
    by_lang = {r.lang: r for r in assessment.reports}
    reports = {}
    for lang in LANGS:
        report = by_lang.get(lang)
        reports[lang] = {
            "status": report.status.value if report is not None else "missing",
            "number": report.number if report is not None else None,
            "url": url_for("reports.download", assessment_id=assessment.id, lang=lang),
        }
    ready = all(r["status"] == ReportStatus.READY.value for r in reports.values())
    return {
        "ready": ready,
        "waiting": not ready and bool(current_app.config.get("REDIS_URL")),
        "status_url": url_for("reports.status", assessment_id=assessment.id),
        "reports": reports,
    }


_DASHES = re.compile(r"[\u2010-\u2015\u2212\uff0d_]")
_SPACES = re.compile(r"\s+")


def normalise_number(number: str) -> str:
    """What people type or paste: lower case, spaces, full-width or typographic dashes."""
    text = unicodedata.normalize("NFKC", number or "")
    return _DASHES.sub("-", _SPACES.sub("", text)).upper()


def find_by_number(number: str) -> Report | None:
    return db.session.scalar(select(Report).where(Report.number == normalise_number(number)))


def superseded_by(number: str) -> Report | None:
    """The current report of a number that was issued and later superseded, if any (one
    lookup on the superseded numbers' primary key, joined to the report)."""
    return db.session.scalar(
        select(Report)
        .join(SupersededReportNumber, SupersededReportNumber.report_id == Report.id)
        .where(SupersededReportNumber.number == normalise_number(number))
    )


def verify(number: str, data: bytes | None) -> dict[str, Any]:
    """The public check: is ``number`` an issued report, and is ``data`` (if given) that file?

    A current number is found on ``reports.number``, a superseded one on
    ``superseded_report_numbers.number``: one indexed lookup each, never the audit trail.
    """
    report = find_by_number(number)
    if report is None:
        newer = superseded_by(number)
        if newer is not None:
            return {
                "ok": False,
                "message": _(
                    "This number was issued, but the submission was later returned and "
                    "resubmitted; the report under it is no longer valid. The current report "
                    "is %(n)s.",
                    n=newer.number,
                ),
            }
    if report is None or report.status != ReportStatus.READY:
        return {"ok": False, "message": _("No report with this number was issued.")}
    a = report.assessment
    outcome = {
        "ok": True,
        "number": report.number,
        "enterprise": a.enterprise.name,
        "uscc": a.enterprise.uscc,
        "percent": a.percent,
        "total_points": a.total_points,
        "max_points": a.max_points,
        "submitted_at": a.submitted_at,
        "generated_at": report.generated_at,
        "file_checked": data is not None,
        "file_matches": data is not None and hashlib.sha256(data).hexdigest() == report.sha256,
        "sha256": report.sha256,
    }
    if data is not None and not outcome["file_matches"]:
        outcome["ok"] = False
        outcome["message"] = _(
            "The number is genuine, but this file differs from the report issued "
            "under it: it has been altered."
        )
    return outcome
