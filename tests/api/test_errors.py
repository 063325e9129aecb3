"""The API answers JSON for every error, never the portal's HTML pages."""

from __future__ import annotations

from cqo_portal.extensions import limiter
from tests.api.helpers import bearer, token_for


def test_unknown_paths_and_methods_answer_json(client, actors):
    h = bearer(token_for(actors, actors.regulator()))
    resp = client.get("/api/v1/no-such-thing", headers=h)
    assert resp.status_code == 404 and resp.is_json
    resp = client.post("/api/v1/submissions", headers=h)
    assert resp.status_code == 405 and resp.is_json and "GET" in resp.headers["Allow"]
    resp = client.delete("/api/v1/enterprises/1", headers=h)
    assert resp.status_code == 405 and resp.get_json()["error"]["code"] == "method_not_allowed"
    resp = client.get("/api/v1/enterprises/abc", headers=h)
    assert resp.status_code == 404 and resp.is_json


def test_the_portal_keeps_its_html_error_pages(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404 and resp.mimetype == "text/html"


def test_too_many_requests_is_429_json(app, actors):
    """A second app with rate limiting on (the test app has it off), on the same database."""
    from cqo_portal import create_app

    h = bearer(token_for(actors, actors.regulator()))
    limited = create_app(
        {
            **{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "TESTING")},
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "API_RATE_LIMIT": "2 per minute",
            "LOG_FORMAT": "plain",
        }
    )
    try:
        with limited.app_context():
            client = limited.test_client()
            codes = [client.get("/api/v1/statistics", headers=h).status_code for _ in range(3)]
            last = client.get("/api/v1/statistics", headers=h)
    finally:
        limiter.enabled = False  # the extension object is shared with the test app
    assert codes == [200, 200, 429]
    assert last.is_json and last.get_json()["error"]["code"] == "too_many_requests"
