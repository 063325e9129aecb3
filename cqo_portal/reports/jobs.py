"""Background rendering with RQ when CQO_REDIS_URL is set; otherwise reports render on download.

After a submission commits, ``after_submit`` creates the PENDING report rows (one per language)
and queues one RQ job per row. A download of a report that is not READY asks
``render_in_background``: while a worker has the job, the user sees a "being prepared" page;
when Redis is unreachable (or not configured) the download renders in the request instead, so a
Redis outage never blocks a report. Job ids are derived from the report id, so a lost or failed
job is queued again instead of piling up duplicates. The job itself is
``cqo_portal.tasks.render_report_job``: the worker's entry point sits above every domain because
a worker started without an app builds one with the factory.
"""

from __future__ import annotations

import logging

from flask import Flask
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

from cqo_portal.extensions import db
from cqo_portal.models import Assessment, Report, ReportStatus
from cqo_portal.reports.services import LANGS, ensure_report_row, render_report

log = logging.getLogger("cqo_portal.jobs")

#: Renders someone is waiting for: the submitter's own language, a download asked for.
QUEUE = "reports"
#: The other languages of a submission, rendered when no one is waiting (workers take QUEUE first).
LATER_QUEUE = "reports-later"
QUEUES = (QUEUE, LATER_QUEUE)
JOB_TIMEOUT = 300
# States in which a worker will still produce the report: the user should wait, not re-render.
WAITING_STATES = ("queued", "started", "deferred", "scheduled")


def job_id(report_id: int) -> str:
    return f"cqo-report-{report_id}"


def connection(app: Flask):
    """A Redis client with short timeouts: a dead Redis must cost a request milliseconds."""
    return Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=0.5, socket_timeout=2)


def queue(app: Flask, conn=None, name: str = QUEUE):
    return Queue(name, connection=conn if conn is not None else connection(app))


def enqueue_render(app: Flask, report_id: int, conn=None, *, later: bool = False) -> str:
    """Make sure a worker will render this report; returns the job's state. Raises on Redis errors.

    ``later`` queues it behind every render someone waits for. A report asked for while its job
    still waits in the later queue moves to the front queue.
    """
    conn = conn if conn is not None else connection(app)
    jid = job_id(report_id)
    try:
        job: Job | None = Job.fetch(jid, connection=conn)
        state = str(job.get_status(refresh=False).value)
    except NoSuchJobError:
        job, state = None, None
    if job is not None and state in WAITING_STATES:
        if later or state != "queued" or job.origin != LATER_QUEUE:
            return state
        queue(app, conn, LATER_QUEUE).remove(jid)
    queue(app, conn, LATER_QUEUE if later else QUEUE).enqueue(
        "cqo_portal.tasks.render_report_job",
        report_id,
        job_id=jid,
        job_timeout=JOB_TIMEOUT,
        result_ttl=3600,
        failure_ttl=86400,
    )
    return "queued"


def after_submit(app: Flask, assessment_id: int, lang: str) -> None:
    """Queue the report renders of a freshly committed submission (no-op without Redis): the
    submitter's language ``lang`` first, the others behind every render someone waits for."""
    if not app.config.get("REDIS_URL"):
        return
    assessment = db.session.get(Assessment, assessment_id)
    order = sorted(LANGS, key=lambda code: code != lang)
    ids = [ensure_report_row(assessment, code).id for code in order]
    db.session.commit()  # the worker must see the rows
    try:
        conn = connection(app)
        for n, rid in enumerate(ids):
            enqueue_render(app, rid, conn, later=n > 0)
    except Exception:  # Redis down: the download renders in the request instead
        log.exception("could not queue report renders; they will render on download")


def render_in_background(app: Flask, report) -> str | None:
    """For a report that is not READY: the job state when a worker has it (wait), else None.

    None means "render it in this request": no Redis configured, or Redis unreachable. The
    report row must be committed before this is called (the worker reads it).
    """
    if not app.config.get("REDIS_URL"):
        return None
    try:
        return enqueue_render(app, report.id)
    except Exception as e:  # redis.RedisError, OSError …: fall back to rendering in the request
        log.warning("Redis unreachable (%s); rendering report %s in the request", e, report.id)
        return None


def render_in_context(report_id: int) -> str:
    """Render and commit one report row; marks it FAILED (and re-raises) when rendering fails."""
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
