"""Data safety: a submit whose worker is SIGKILLed halfway leaves all of it or none of it.

A child process submits a complete draft through the real view. It is paused after the scores,
section scores, status change and audit event are flushed but before the commit, and killed with
SIGKILL there. The database must then hold the untouched draft, and nothing may stay locked: the
same submit, done again right away, stores the whole submission.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[2]


def _prepare(app) -> tuple[int, str]:
    """Migrate the scratch database and create an officer with a fully answered draft."""
    from flask_migrate import upgrade

    from cqo_portal.assessments.services import start_assessment
    from cqo_portal.demo import ensure_questionnaires
    from cqo_portal.extensions import db
    from tests.factories import Actors, login_id
    from tests.security.world import fill

    with app.app_context():
        upgrade()
        ensure_questionnaires()
        actors = Actors(db.session)
        ent = actors.enterprise(city="440100")
        officer = actors.officer(ent)
        draft = start_assessment(ent, actors.questionnaire(), officer)
        fill(draft, officer)
        ids = draft.id, login_id(officer)
        db.session.commit()
        db.session.remove()
    return ids


def _state(url: str, assessment_id: int) -> dict:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT status, percent, total_points, submitted_at, result "
                    "FROM assessments WHERE id = :id"
                ),
                {"id": assessment_id},
            ).one()
            sections = conn.execute(
                sa.text("SELECT count(*) FROM section_scores WHERE assessment_id = :id"),
                {"id": assessment_id},
            ).scalar()
            audits = conn.execute(
                sa.text(
                    "SELECT count(*) FROM audit_events "
                    "WHERE action = 'assessment.submit' AND object_id = :id"
                ),
                {"id": assessment_id},
            ).scalar()
    finally:
        engine.dispose()
    return {
        "status": row.status,
        "percent": row.percent,
        "total_points": row.total_points,
        "submitted_at": row.submitted_at,
        "has_result": row.result is not None,
        "section_scores": sections,
        "audit_events": audits,
    }


UNTOUCHED_DRAFT = {
    "status": "draft",
    "percent": None,
    "total_points": None,
    "submitted_at": None,
    "has_result": False,
    "section_scores": 0,
    "audit_events": 0,
}


def _kill_mid_submit(make_app, url: str) -> None:
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    aid, login_id = _prepare(app)
    assert _state(url, aid) == UNTOUCHED_DRAFT

    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.submit_child", "submit", url, str(aid), "pause"],
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "FLUSHED", (line, proc.stderr.read() if proc.poll() else "")
        # Scores, section scores, status and audit event are flushed in the open transaction.
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert _state(url, aid) == UNTOUCHED_DRAFT

    # Nothing stays locked: the same submit, done now, stores the whole submission.
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = login_id
    with app.app_context():
        resp = client.post(f"/assessments/{aid}/submit")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    state = _state(url, aid)
    assert state["status"] == "submitted"
    assert state["percent"] is not None and state["total_points"] is not None
    assert state["submitted_at"] is not None and state["has_result"]
    assert state["section_scores"] >= 5
    assert state["audit_events"] == 1


def test_sigkill_mid_submit_on_sqlite_leaves_the_draft_whole(make_app, tmp_path):
    _kill_mid_submit(make_app, f"sqlite:///{tmp_path / 'kill.sqlite3'}")


def test_sigkill_mid_submit_on_postgresql_leaves_the_draft_whole(make_app, scratch_postgres):
    _kill_mid_submit(make_app, scratch_postgres)
