"""Child process for the kill-mid-submit test (run as `python -m tests.reliability.submit_child`).

`submit URL ID MODE` submits the draft through the real view as its officer. MODE "pause" stops
after everything is flushed but before the commit (prints FLUSHED and sleeps until the parent
kills it); MODE "finish" lets the commit happen.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time


def make_app(url: str):
    os.environ["CQO_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="cqo-kill-")
    from argon2 import PasswordHasher

    from cqo_portal import create_app
    from cqo_portal.accounts import services as account_services

    account_services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "kill-test",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": None,
            "LOG_FORMAT": "plain",
        }
    )


def submit(url: str, assessment_id: str, mode: str) -> None:
    app = make_app(url)
    from cqo_portal.assessments import routes
    from cqo_portal.extensions import db
    from cqo_portal.models import Assessment

    real_commit = routes.commit

    def paused_commit() -> None:
        db.session.flush()
        print("FLUSHED", flush=True)
        time.sleep(120)  # the parent SIGKILLs us here
        real_commit()

    if mode == "pause":
        routes.commit = paused_commit
    with app.app_context():
        user_id = db.session.get(Assessment, int(assessment_id)).created_by_id
        from cqo_portal.models import User
        from tests.factories import login_id as new_login

        login_id = new_login(db.session.get(User, user_id))
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = login_id
    resp = client.post(f"/assessments/{assessment_id}/submit")
    print("STATUS", resp.status_code, flush=True)


if __name__ == "__main__":
    command, url, *rest = sys.argv[1:]
    assert command == "submit"
    submit(url, *rest)
