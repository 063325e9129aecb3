"""The PDF report of the next cycle has a section "Actions since the last assessment"."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from cqo_portal.actions import services as action_services
from cqo_portal.core.answers import Answer
from cqo_portal.models import ActionStatus
from cqo_portal.reports.pdf import render_report_pdf
from cqo_portal.reports.services import ensure_report_row, report_context
from tests.actions.helpers import action, maturity_ids, submitted


def _pdf_text(app, assessment, lang: str) -> str:
    with app.test_request_context():
        ctx = report_context(assessment, ensure_report_row(assessment, lang))
        data = render_report_pdf(ctx)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def _second_cycle(actors, db_session):
    ent = actors.enterprise(name_en="Pearl River Gear Co.")
    officer = actors.officer(ent)
    first = submitted(actors, ent, officer, level=1)
    ids = maturity_ids(first)
    done = action(first, ids[0], officer, title="Quarterly supplier audit")
    action(first, ids[1], officer, title="Calibrate the gauges")
    action_services.change_status(done, ActionStatus.DONE, "Audits held", officer)
    db_session.flush()
    return submitted(actors, ent, officer, level=1, overrides={ids[0]: Answer(value=4)})


def test_english_pdf_lists_the_actions_with_their_effect(app, actors, db_session):
    second = _second_cycle(actors, db_session)
    text = _pdf_text(app, second, "en")
    assert "Actions since the last assessment" in text
    assert "Quarterly supplier audit" in text and "Calibrate the gauges" in text
    assert "Improved" in text and "Unchanged" in text


def test_chinese_pdf_lists_the_actions_with_their_effect(app, actors, db_session):
    """Needs the new msgids in the catalogue."""
    second = _second_cycle(actors, db_session)
    text = _pdf_text(app, second, "zh")
    assert "上次评估以来的改进措施" in text.replace(" ", "")
    assert "有改善" in text and "Quarterly supplier audit" in text


def test_a_first_submission_has_no_such_section(app, actors, db_session):
    ent = actors.enterprise()
    officer = actors.officer(ent)
    first = submitted(actors, ent, officer, level=1)
    assert "Actions since the last assessment" not in _pdf_text(app, first, "en")
