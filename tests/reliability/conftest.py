"""Fixtures for reliability tests: dedicated databases the tests may break, and extra apps."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_DB_URL
from tests.security.conftest import make_app  # noqa: F401  (re-exported fixture)


def _psycopg(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


@pytest.fixture
def scratch_postgres():
    """A fresh PostgreSQL database next to the test database, dropped afterwards.

    Only with CQO_TEST_DATABASE_URL set: the shared test database is never broken on purpose.
    """
    if not TEST_DB_URL:
        pytest.skip("PostgreSQL pass only (set CQO_TEST_DATABASE_URL)")
    base = sa.engine.make_url(_psycopg(TEST_DB_URL))
    name = f"cqo_scratch_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


REDIS_URL = os.environ.get("CQO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    from redis import Redis

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as e:  # no server: say so rather than fail
        pytest.skip(f"no Redis at {REDIS_URL}: {e}")
    return REDIS_URL
