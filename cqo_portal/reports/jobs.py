"""Background rendering with RQ when CQO_REDIS_URL is set; otherwise reports render on first download."""

from __future__ import annotations

import logging

from flask import Flask

log = logging.getLogger("cqo_portal.jobs")

QUEUE = "reports"


def queue(app: Flask):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(app.config["REDIS_URL"]))


def after_submit(app: Flask, assessment_id: int) -> None:
    """Queue the report renders of a freshly committed submission (no-op without Redis)."""
    if not app.config.get("REDIS_URL"):
        return
    from cqo_portal.extensions import db
    from cqo_portal.models import Assessment
    from cqo_portal.reports.services import LANGS, ensure_report_row

    assessment = db.session.get(Assessment, assessment_id)
    ids = [ensure_report_row(assessment, lang).id for lang in LANGS]
    db.session.commit()
    try:
        q = queue(app)
        for rid in ids:
            q.enqueue("cqo_portal.reports.jobs.render_job", rid, job_timeout=300)
    except Exception:  # Redis down: the download renders in the request instead
        log.exception("could not queue report renders; they will render on download")


def render_job(report_id: int) -> str:
    """RQ job: render one stored report row (runs in `flask --app wsgi rq-worker`)."""
    from wsgi import app as wsgi_app  # the worker process builds the app once

    with wsgi_app.app_context():
        return render_in_context(report_id)


def render_in_context(report_id: int) -> str:
    from cqo_portal.extensions import db
    from cqo_portal.models import Report, ReportStatus
    from cqo_portal.reports.services import render_report

    report = db.session.get(Report, report_id)
    if report is None:
        return "missing"
    if report.status == ReportStatus.READY:
        return "ready"
    try:
        render_report(report)
        db.session.commit()
    except Exception as e:
        db.session.rollback()
        report = db.session.get(Report, report_id)
        report.status = ReportStatus.FAILED
        report.error = str(e)[:1000]
        db.session.commit()
        raise
    return "ready"
