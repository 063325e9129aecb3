"""RQ job entry points: what a report worker runs, with the app it needs.

`flask --app wsgi rq-worker` runs each job inside that command's app context (the forked work
horse inherits it). A bare `rq worker` has no app, so the job builds one with ``create_app()``,
configured from the same CQO_* environment, once per process (the way microblog's tasks.py
does). It sits above every domain, next to the factory it calls.
"""

from __future__ import annotations

import functools

from flask import Flask, current_app, has_app_context

from cqo_portal import create_app
from cqo_portal.extensions import db
from cqo_portal.reports.jobs import render_in_context


@functools.cache
def worker_app() -> Flask:
    """The app of a worker process started without one."""
    return create_app()


def render_report_job(report_id: int) -> str:
    """RQ job: render one stored report row (queued by cqo_portal.reports.jobs)."""
    if has_app_context():
        if not current_app.testing:
            # A forked work horse must not reuse the parent's pooled connections.
            db.engine.dispose(close=False)
        return render_in_context(report_id)
    with worker_app().app_context():
        return render_in_context(report_id)
