"""An administrator issues a data-API token to a regulator, the bureau's system uses it, the
administrator revokes it, and the API refuses it from then on."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from cqo_portal.models import ApiToken, AuditEvent
from tests.api.helpers import bearer, token_for
from tests.factories import login


def test_admin_issues_token_shown_once_then_revokes_it(client, actors, db_session):
    admin = actors.admin()
    regulator = actors.regulator("440300")
    login(client, admin)

    page = client.get("/admin/api-tokens")
    assert page.status_code == 200 and regulator.email in page.get_data(as_text=True)

    resp = client.post("/admin/api-tokens", data={"user_id": regulator.id, "name": "统计平台"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    secret = re.search(r"cqo_[A-Za-z0-9_-]{40,}", html).group(0)

    token = db_session.scalar(select(ApiToken).where(ApiToken.user_id == regulator.id))
    assert token.token_hash != secret and secret not in token.token_hash
    assert secret.startswith(token.prefix)
    # The list shows only the prefix, never the secret.
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert token.prefix in listing and secret not in listing

    api = client.application.test_client()  # no session cookie: the bureau's system
    assert api.get("/api/v1/enterprises", headers=bearer(secret)).status_code == 200
    db_session.refresh(token)
    assert token.last_used_at is not None

    resp = client.post(f"/admin/api-tokens/{token.id}/revoke")
    assert resp.status_code == 302
    refused = api.get("/api/v1/enterprises", headers=bearer(secret))
    assert refused.status_code == 401 and refused.is_json
    assert refused.get_json()["error"]["code"] == "unauthorized"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")

    actions = db_session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "ApiToken", AuditEvent.object_id == token.id
        )
    ).all()
    assert sorted(actions) == ["api_token.issue", "api_token.revoke"]


def test_issue_form_refuses_missing_name_and_non_regulators(client, actors):
    admin = actors.admin()
    officer = actors.officer()
    regulator = actors.regulator()
    login(client, admin)
    resp = client.post("/admin/api-tokens", data={"user_id": regulator.id, "name": "  "})
    assert resp.status_code == 400 and 'id="name-error"' in resp.get_data(as_text=True)
    resp = client.post("/admin/api-tokens", data={"user_id": officer.id, "name": "x"})
    assert resp.status_code == 400 and 'id="user_id-error"' in resp.get_data(as_text=True)


def test_only_admins_manage_tokens(client, actors):
    login(client, actors.regulator())
    assert client.get("/admin/api-tokens").status_code == 403
    assert client.post("/admin/api-tokens", data={"name": "x"}).status_code == 403


def test_unknown_malformed_and_missing_tokens_are_401_json(client, actors):
    secret = token_for(actors, actors.regulator())
    for headers in (
        {},
        {"Authorization": secret},  # no scheme
        {"Authorization": "Basic " + secret},
        bearer(secret[:-1] + ("A" if secret[-1] != "A" else "B")),
        bearer("x" * 500),
    ):
        resp = client.get("/api/v1/statistics", headers=headers)
        assert resp.status_code == 401 and resp.is_json, headers


def test_a_logged_in_browser_session_does_not_open_the_api(client, actors):
    regulator = actors.regulator()
    login(client, regulator)
    assert client.get("/api/v1/enterprises").status_code == 401


def test_token_of_a_deactivated_regulator_stops_working(client, actors, db_session):
    regulator = actors.regulator("440100")
    secret = token_for(actors, regulator)
    assert client.get("/api/v1/cqos", headers=bearer(secret)).status_code == 200
    regulator.active = False
    db_session.flush()
    assert client.get("/api/v1/cqos", headers=bearer(secret)).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(client, actors, db_session):
    secret = token_for(actors, actors.regulator())
    client.get("/api/v1/statistics", headers=bearer(secret))
    token = db_session.scalar(select(ApiToken).order_by(ApiToken.id.desc()))
    first = token.last_used_at
    client.get("/api/v1/statistics", headers=bearer(secret))
    db_session.refresh(token)
    assert token.last_used_at == first
    token.last_used_at = first - timedelta(minutes=2)
    db_session.flush()
    client.get("/api/v1/statistics", headers=bearer(secret))
    db_session.refresh(token)
    assert token.last_used_at.replace(tzinfo=None) > (first - timedelta(minutes=1)).replace(
        tzinfo=None
    )
