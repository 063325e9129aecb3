"""Signals between domains: a lower domain says what happened, a higher one reacts to it.

The assessments domain sends these; the reports domain connects to them (reports.receivers,
connected when its blueprint is registered). So assessments never imports reports, and an
import-linter layers contract keeps it that way. This module imports nothing of ours.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

assessment_resubmitted = _signals.signal(
    "assessment-resubmitted",
    doc="""A returned submission was handed in again and scored anew.

    Sent by ``submit_assessment`` inside the submitting transaction, sender the ``Assessment``.
    Receivers write in that transaction (flush, never commit): what they change is committed or
    rolled back together with the resubmission.
    """,
)

assessment_submitted = _signals.signal(
    "assessment-submitted",
    doc="""A submission (first or again) has been committed.

    Sent by the submitting view after its commit, sender the ``Assessment``, with ``lang`` the
    submitter's page language ("zh" or "en"). Receivers run in the
    request, after the commit, so background workers they notify see the committed rows.
    """,
)
