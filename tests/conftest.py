"""Test fixtures: one migrated database per run, one rolled-back transaction per test.

The database is SQLite in a temporary folder, or the PostgreSQL named by CQO_TEST_DATABASE_URL.
The schema comes from the Alembic migrations (not create_all), so the migrations are tested too.
App code may commit: each test's session joins an outer transaction with SAVEPOINTs.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask_sqlalchemy.session import Session as FlaskSession

TEST_DB_URL = os.environ.get("CQO_TEST_DATABASE_URL", "").strip()


def pytest_report_header(config):
    if TEST_DB_URL:
        return f"database: PostgreSQL pass ({re.sub(r'//[^@]*@', '//***@', TEST_DB_URL)})"
    return "database: SQLite pass (set CQO_TEST_DATABASE_URL for the PostgreSQL pass)"


class BoundSession(FlaskSession):
    """Flask-SQLAlchemy's session ignores `bind=`; honour it so tests can join a transaction."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _reset_postgres(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DB_URL:
        url = TEST_DB_URL
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["CQO_INSTANCE_PATH"] = str(instance)
    from cqo_portal import create_app
    from cqo_portal.accounts import services as account_services

    # Fast hashing in tests only; production keeps argon2id's recommended parameters.
    account_services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    account_services._DUMMY_HASH = account_services._hasher.hash("x")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": None,
            "UPLOAD_FOLDER": str(instance / "uploads"),
            "LOG_FORMAT": "plain",
        }
    )

    # The test keeps an app context open, which Flask reuses for each request; forget what
    # the previous request cached in `g` (the logged-in user, the locale), as production would.
    def fresh_request_state():
        from flask import g
        from flask_babel import refresh

        g.pop("_login_user", None)
        refresh()

    app.before_request_funcs.setdefault(None, []).insert(0, fresh_request_state)
    with app.app_context():
        from flask_migrate import upgrade

        from cqo_portal.extensions import db

        upgrade()
        from cqo_portal.demo import ensure_questionnaires

        ensure_questionnaires()
        db.session.commit()
        db.session.remove()
    return app


@contextlib.contextmanager
def rolled_back_session(app, problems: list[str] | None = None):
    """The app's session joined to an outer transaction that is rolled back at the end, even
    when app code commits. ``problems`` receives what the statistics check finds first."""
    from cqo_portal.extensions import db

    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "bind": connection,
                "class_": BoundSession,
                "join_transaction_mode": "create_savepoint",
            }
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            if problems is not None:
                problems.extend(_statistics_problems(connection))
            outer.rollback()
            connection.close()


@pytest.fixture
def db_session(app):
    """A session whose work is rolled back after the test, even when app code commits."""
    problems: list[str] = []
    with rolled_back_session(app, problems) as session:
        yield session
    if problems:
        pytest.fail(
            "the statistics tables are out of step with the data this test wrote "
            "(a write path does not call cqo_portal.rollups.refresh for what it changed):\n  "
            + "\n  ".join(problems[:10])
        )


def _statistics_problems(connection) -> list[str]:
    """Where the statistics' cells and slices (cqo_portal.rollups) disagree with a recomputation
    from the rows, after a test's writes."""
    import sqlalchemy as sa

    from cqo_portal import rollups

    if not connection.in_transaction():
        return []
    try:
        with connection.begin_nested():
            return rollups.discrepancies(connection)
    except sa.exc.InternalError:  # PostgreSQL: the test left its transaction aborted
        return []


@pytest.fixture
def client(app, db_session):
    return app.test_client()


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


@pytest.fixture
def actors(db_session):
    from tests.factories import Actors

    return Actors(db_session)


REPO = Path(__file__).resolve().parent.parent
