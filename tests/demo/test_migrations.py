"""Migrations upgrade a database that already holds data: 0002 fills the statistics tables and
the assessments' city copies from what is there, 0004 the superseded report numbers from the
audit trail's reissue events (on SQLite, and on PostgreSQL in its pass)."""

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


def test_upgrade_fills_the_superseded_numbers_from_the_reissue_events(scratch_url, tmp_path):
    from datetime import UTC, datetime

    from flask_migrate import downgrade, upgrade

    from cqo_portal import create_app
    from cqo_portal.demo import ensure_questionnaires
    from cqo_portal.extensions import db
    from cqo_portal.models import AuditEvent, SupersededReportNumber
    from cqo_portal.reports import services
    from tests.factories import Actors
    from tests.reports.test_verify_numbers import reissue_twice

    os.environ.setdefault("CQO_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url, "UPLOAD_FOLDER": str(tmp_path)}
    )
    with app.app_context():
        upgrade()
        ensure_questionnaires()
        # Reports in two languages, each reissued twice by the portal's own code path.
        numbers, reports, _ = reissue_twice(app, Actors(db.session), langs=("zh", "en"))
        report_ids = [r.id for r in reports]
        # What the trail may also hold: a reissue of a report deleted since, one without an
        # old number, and a second event naming an old number already seen.
        events = AuditEvent.__table__
        db.session.execute(
            events.insert(),
            [
                {
                    "at": datetime.now(UTC),
                    "action": "report.reissue",
                    "object_type": "Report",
                    "object_id": max(report_ids) + 1000,
                    "before": {"number": "GD-CQO-GONE"},
                    "after": {"number": "GD-CQO-GONE-R2"},
                },
                {
                    "at": datetime.now(UTC),
                    "action": "report.reissue",
                    "object_type": "Report",
                    "object_id": report_ids[0],
                    "before": None,
                    "after": {"number": "X"},
                },
                {
                    "at": datetime.now(UTC),
                    "action": "report.reissue",
                    "object_type": "Report",
                    "object_id": report_ids[1],
                    "before": {"number": numbers[0][0]},
                    "after": {"number": "GD-CQO-LATER"},
                },
            ],
        )
        db.session.commit()

        def stored():
            table = SupersededReportNumber.__table__
            return {
                row.number: (row.report_id, row.replaced_by, row.superseded_at)
                for row in db.session.execute(sa.select(table))
            }

        written = stored()
        expected = {
            seen[i]: (report_id, seen[i + 1])
            for seen, report_id in zip(numbers, report_ids, strict=True)
            for i in range(2)
        }
        assert {n: v[:2] for n, v in written.items()} == expected
        reissued_at = {
            event.before["number"]: event.at
            for event in db.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.action == "report.reissue")
                .order_by(AuditEvent.id.desc())
            )
            if event.before
        }
        db.session.commit()
        db.session.remove()

        # Back to the schema before the table existed (the trail keeps its events), then
        # forward again: the upgrade fills the table from the events.
        downgrade(revision="0003")
        db.session.remove()
        assert "superseded_report_numbers" not in sa.inspect(db.engine).get_table_names()
        upgrade()
        refilled = stored()
        assert {n: v[:2] for n, v in refilled.items()} == expected
        assert {n: v[2] for n, v in refilled.items()} == {n: reissued_at[n] for n in expected}
        with app.test_request_context():
            for seen, report_id in zip(numbers, report_ids, strict=True):
                for old in seen[:2]:
                    current = services.superseded_by(old)
                    assert current is not None and current.id == report_id
                    assert current.number == seen[2]
            assert services.superseded_by("GD-CQO-GONE") is None
        db.session.remove()
        db.engine.dispose()


def test_upgrade_counts_the_claims_without_evidence_of_existing_submissions(scratch_url, tmp_path):
    """Migration 0006 counts, for submissions made before it, the high answers that carry no
    evidence note, as the portal counts them at submit (no file can be attached yet)."""
    from flask_migrate import downgrade, upgrade

    from cqo_portal import create_app
    from cqo_portal.assessments import services
    from cqo_portal.demo import seed_demo
    from cqo_portal.extensions import db
    from cqo_portal.models import Assessment

    os.environ.setdefault("CQO_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url, "UPLOAD_FOLDER": str(tmp_path)}
    )
    with app.app_context():
        upgrade()
        seed_demo(enterprises=12, seed=11)
        db.session.commit()
        submitted = sa.select(Assessment).where(Assessment.submitted_at.is_not(None))

        def portal_count(a):
            q = services.questionnaire_of(a.questionnaire)
            return len(services.unsupported_claim_ids(a, q, services.answers_of(a, q)))

        expected = {a.id: portal_count(a) for a in db.session.scalars(submitted)}
        assert any(expected.values()) and not all(expected.values())
        # what the seeding stored agrees with the portal's own count
        assert {a.id: a.unsupported_claims for a in db.session.scalars(submitted)} == expected
        db.session.remove()

        # Back before the evidence tables (their files and notes go), then forward again: the
        # upgrade counts each submission's claims as the portal now counts them.
        downgrade(revision="0005")
        db.session.remove()
        upgrade()
        counted = {a.id: a.unsupported_claims for a in db.session.scalars(submitted)}
        assert counted == {a.id: portal_count(a) for a in db.session.scalars(submitted)}
        assert set(counted) == set(expected) and any(counted.values())
        db.session.remove()
        db.engine.dispose()
