"""Reports are rendered once per submission and language, stored, and served from storage."""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from cqo_portal import audit
from cqo_portal.assessments.presenters import result_view
from cqo_portal.extensions import db
from cqo_portal.models import Assessment, Report, ReportStatus
from cqo_portal.models.base import utcnow

LANGS = ("zh", "en")


def report_number(assessment: Assessment, lang: str) -> str:
    prefix = current_app.config["REPORT_NUMBER_PREFIX"]
    year = (assessment.submitted_at or utcnow()).year
    return f"{prefix}-{year}-{assessment.id:06d}-{lang.upper()}"


def get_report(assessment: Assessment, lang: str) -> Report | None:
    return db.session.scalar(
        select(Report).where(Report.assessment_id == assessment.id, Report.lang == lang)
    )


def ensure_report_row(assessment: Assessment, lang: str) -> Report:
    report = get_report(assessment, lang)
    if report is None:
        report = Report(
            assessment=assessment,
            lang=lang,
            number=report_number(assessment, lang),
            status=ReportStatus.PENDING,
        )
        db.session.add(report)
        db.session.flush()
    return report


def report_context(assessment: Assessment, report: Report) -> dict:
    with force_locale(report.lang):
        ctx = result_view(assessment, report.lang)
        ctx["report_number"] = report.number
        ctx["generated_at"] = format_datetime(utcnow(), "yyyy-MM-dd HH:mm")
        ctx["verify_url"] = "/verify"
    return ctx


def render_report(report: Report) -> Report:
    """Render the PDF for a report row and store it with its SHA-256 (flushes, caller commits)."""
    from cqo_portal.reports.pdf import render_report_pdf

    t0 = time.perf_counter()
    ctx = report_context(report.assessment, report)
    pdf = render_report_pdf(ctx)
    report.pdf = pdf
    report.size = len(pdf)
    report.sha256 = hashlib.sha256(pdf).hexdigest()
    report.status = ReportStatus.READY
    report.generated_at = utcnow()
    report.render_ms = int((time.perf_counter() - t0) * 1000)
    report.error = None
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


def verify(number: str, data: bytes | None) -> dict[str, Any]:
    """The public check: is ``number`` an issued report, and is ``data`` (if given) that file?"""
    report = find_by_number(number)
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
