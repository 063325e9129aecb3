"""The demo data show the evidence features: files, a questioned answer, an unsupported claim."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from cqo_portal.assessments import evidence
from cqo_portal.demo import seed_demo
from cqo_portal.models import Assessment, EvidenceFile, User


def test_the_showcase_submission_has_files_a_question_and_an_unsupported_claim(app, db_session):
    counts = seed_demo(enterprises=8, seed=2026)
    assert counts["evidence_files"] == 2
    officer = db_session.scalar(select(User).where(User.email == "officer@demo.cqo.gd.cn"))
    rows = list(db_session.scalars(select(EvidenceFile)))
    assert len(rows) == 2
    assessment = db_session.get(Assessment, rows[0].assessment_id)
    assert assessment.enterprise_id == officer.enterprise_id
    for row in rows:
        assert (Path(app.config["UPLOAD_FOLDER"]) / row.stored_path).is_file()
    assert len(evidence.open_questions(evidence.reviews_of(assessment))) == 1
    assert assessment.unsupported_claims >= 1
