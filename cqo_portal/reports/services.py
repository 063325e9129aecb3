"""Reports are rendered once per submission and language, stored, and served from storage."""

from __future__ import annotations

import hashlib
import time

from flask import current_app
from flask_babel import force_locale, format_datetime
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


def find_by_number(number: str) -> Report | None:
    return db.session.scalar(select(Report).where(Report.number == number.strip().upper()))
