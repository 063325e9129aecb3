"""A colleague deletes a draft while this browser saves into it (PostgreSQL, real connections).

The deletion commits first; the save that loaded the draft before it is refused by the database
as a stale write, which the portal answers with 409 and a reason (see app_setup), not a 500.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from tests.reliability.test_kill_mid_submit import _prepare


def test_a_save_racing_a_deletion_is_a_stale_write(make_app, scratch_postgres):
    from cqo_portal import rollups
    from cqo_portal.assessments import services
    from cqo_portal.extensions import db
    from cqo_portal.models import Assessment, User

    app = make_app(SQLALCHEMY_DATABASE_URI=scratch_postgres, REDIS_URL=None)
    aid, officer_login = _prepare(app)
    uid = int(officer_login.split(":")[0])
    with app.app_context(), app.test_request_context():
        # This browser has the draft loaded (its page and revision) ...
        mine = db.session.get(Assessment, aid)
        q = services.questionnaire_of(mine.questionnaire)
        question = q.sections[0].questions[0]
        revision = mine.revision
        # ... when a colleague, on another connection, deletes it and commits.
        with app.app_context(), app.test_request_context():
            other = db.session.get(Assessment, aid)
            services.discard_draft(other, db.session.get(User, uid))
            db.session.commit()
            db.session.remove()
        posted = {
            question.id: services.PostedAnswer(value="0", na=False, na_reason="", evidence="改了")
        }
        with pytest.raises((StaleDataError, ObjectDeletedError)):
            services.save_answers(mine, posted, db.session.get(User, uid), base_revision=revision)
        db.session.rollback()
        assert db.session.get(Assessment, aid) is None
        assert rollups.discrepancies(db.session.connection()) == []
        db.session.remove()
