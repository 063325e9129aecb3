"""Migrations upgrade a database that already holds data: 0002 fills the statistics tables and
the assessments' city copies from what is there (on SQLite, and on PostgreSQL in its pass)."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_DB_URL


@pytest.fixture
def scratch_url(tmp_path):
    """An empty database of the pass's kind, separate from the suite's."""
    if not TEST_DB_URL:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    base = TEST_DB_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"{base.rsplit('/', 1)[1]}_migrations"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_upgrade_fills_the_statistics_from_existing_data(scratch_url, tmp_path):
    from flask_migrate import downgrade, upgrade

    from cqo_portal import create_app, rollups
    from cqo_portal.demo import seed_demo
    from cqo_portal.extensions import db

    os.environ.setdefault("CQO_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url, "UPLOAD_FOLDER": str(tmp_path)}
    )
    with app.app_context():
        upgrade()
        seed_demo(enterprises=25, seed=7)
        db.session.commit()
        conn = db.session.connection()
        kept = rollups.stored(conn)
        assert kept[0] and kept[1]
        db.session.commit()

        # Back to the schema before the statistics existed, then forward again with the data.
        downgrade(revision="0001")
        db.session.remove()
        inspector = sa.inspect(db.engine)
        assert "submission_stats" not in inspector.get_table_names()
        assert "city_code" not in {c["name"] for c in inspector.get_columns("assessments")}
        upgrade()
        conn = db.session.connection()
        assert rollups.discrepancies(conn) == []
        refilled = rollups.stored(conn)
        assert refilled[1] == kept[1]
        assert refilled[0].keys() == kept[0].keys()
        for key, values in kept[0].items():
            assert refilled[0][key] == pytest.approx(values)
        db.session.remove()
        db.engine.dispose()
