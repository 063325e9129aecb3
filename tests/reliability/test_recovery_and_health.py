"""The portal survives a database restart (pool_pre_ping), and /healthz tells the truth
about the database and Redis."""

from __future__ import annotations

import sqlalchemy as sa


def _migrated_app(make_app, url: str, **overrides):
    from flask_migrate import upgrade

    app = make_app(SQLALCHEMY_DATABASE_URI=url, **overrides)
    with app.app_context():
        upgrade()
    return app


def _terminate_backends(url: str) -> int:
    """What a PostgreSQL restart does to the app: every connection of the database is cut."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            return len(
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).all()
            )
    finally:
        engine.dispose()


def _get(app, path: str):
    with app.app_context():
        return app.test_client().get(path)


def test_requests_succeed_after_the_database_cut_every_connection(make_app, scratch_postgres):
    app = _migrated_app(make_app, scratch_postgres)
    assert _get(app, "/healthz").status_code == 200
    assert _get(app, "/verify?number=GD-CQO-2026-000001-ZH").status_code == 200  # a real query
    assert _terminate_backends(scratch_postgres) >= 1  # the app's pooled connection is gone
    resp = _get(app, "/verify?number=GD-CQO-2026-000001-ZH")
    assert resp.status_code == 200
    assert _get(app, "/healthz").get_json()["checks"]["database"] == "ok"


def test_without_pre_ping_the_same_cut_would_fail_a_request(make_app, scratch_postgres):
    """The control: it is pool_pre_ping that saves the request above, not luck."""
    app = _migrated_app(
        make_app, scratch_postgres, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False}
    )
    assert _get(app, "/healthz").status_code == 200
    _terminate_backends(scratch_postgres)
    assert _get(app, "/healthz").status_code == 503
    assert _get(app, "/healthz").status_code == 200  # the pool threw the dead connection away


def test_production_settings_ping_pooled_connections(tmp_path):
    from cqo_portal.config import settings_from_env

    assert settings_from_env(tmp_path)["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_healthz_reports_database_and_redis(make_app, redis_url):
    app = make_app(REDIS_URL=redis_url)
    resp = _get(app, "/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "schema": "ok", "redis": "ok"},
    }


def test_healthz_is_503_when_redis_is_unreachable(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    resp = _get(app, "/healthz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error")


def test_healthz_is_503_when_the_database_is_unreachable(make_app):
    app = make_app(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    )
    resp = _get(app, "/healthz")
    assert resp.status_code == 503
    assert resp.get_json()["checks"]["database"].startswith("error")


def test_healthz_without_redis_configured_checks_the_database_only(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json()["checks"] == {"database": "ok", "schema": "ok"}


def test_healthz_is_503_when_the_schema_is_behind_the_code(client, monkeypatch):
    """A forgotten `flask db upgrade` shows here, not as errors on the first page that reads a
    new table."""
    from cqo_portal.main import routes

    directory = client.application.extensions["migrate"].directory
    monkeypatch.setitem(routes._heads, directory, "9999")
    resp = client.get("/healthz")
    assert resp.status_code == 503
    schema = resp.get_json()["checks"]["schema"]
    assert schema.startswith("behind:") and "9999" in schema and "flask db upgrade" in schema
