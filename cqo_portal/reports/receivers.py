"""How the reports domain follows submissions: it listens to cqo_portal.signals.

The assessments domain only sends the signals; ``connect`` (called by create_app when it
registers the blueprints) hooks these receivers to them.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from cqo_portal import signals
from cqo_portal.models import Assessment
from cqo_portal.reports import jobs, services


def reissue_after_resubmission(assessment: Assessment, **_: Any) -> None:
    """A resubmission changed the scores its stored reports show: issue them again, in the
    submitting transaction."""
    services.reissue_reports(assessment)


def queue_renders_after_submission(assessment: Assessment, *, lang: str, **_: Any) -> None:
    """Once a submission is committed, hand its reports to the background worker (if any),
    the submitter's language first."""
    jobs.after_submit(current_app, assessment.id, lang)


def connect() -> None:
    """Connect the receivers (idempotent: blinker keeps one connection per receiver)."""
    signals.assessment_resubmitted.connect(reissue_after_resubmission)
    signals.assessment_submitted.connect(queue_renders_after_submission)
