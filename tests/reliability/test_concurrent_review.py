"""Two regulators decide on the same submission at the same moment (PostgreSQL, real connections).

The first decision wins; the second waits for it, then is told the submission is no longer
awaiting review; the dashboard's running totals match a recomputation afterwards.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.reliability.test_kill_mid_submit import _prepare


def test_the_second_of_two_simultaneous_reviews_is_refused(make_app, scratch_postgres):
    from cqo_portal import rollups
    from cqo_portal.accounts.services import create_user
    from cqo_portal.assessments.review import ReviewError, review_submission
    from cqo_portal.assessments.services import submit_assessment
    from cqo_portal.extensions import db
    from cqo_portal.models import Assessment, AssessmentStatus, Role, User

    app = make_app(SQLALCHEMY_DATABASE_URI=scratch_postgres, REDIS_URL=None)
    aid, officer_login = _prepare(app)
    with app.app_context(), app.test_request_context():
        officer = db.session.get(User, int(officer_login.split(":")[0]))
        submit_assessment(db.session.get(Assessment, aid), officer)
        reviewer = create_user(
            email="rev@example.cn",
            name="审核员",
            role=Role.REGULATOR,
            password="a-long-password-2026",
            jurisdiction_code="440100",
        )
        db.session.commit()
        reviewer_id = reviewer.id
        db.session.remove()

    first_flushed = threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        with app.app_context(), app.test_request_context():
            a = db.session.get(Assessment, aid)
            review_submission(a, db.session.get(User, reviewer_id), "accept", "")
            first_flushed.set()
            time.sleep(0.5)  # the second reviewer arrives while this one holds the row
            db.session.commit()
            db.session.remove()

    def second() -> None:
        first_flushed.wait(10)
        with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
            a = db.session.get(Assessment, aid)
            started = time.monotonic()
            try:
                review_submission(a, db.session.get(User, reviewer_id), "return", "请补充")
                db.session.commit()
                outcome["second"] = "accepted its decision"
            except ReviewError as e:
                db.session.rollback()
                outcome["second"] = str(e)
            outcome["waited"] = time.monotonic() - started
            db.session.remove()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert "Only a submission awaiting review" in str(outcome["second"])
    assert outcome["waited"] == pytest.approx(0.5, abs=0.45)
    with app.app_context():
        assert db.session.get(Assessment, aid).status == AssessmentStatus.ACCEPTED
        assert rollups.discrepancies(db.session.connection()) == []
        db.session.remove()
