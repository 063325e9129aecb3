"""Administrators manage regulator accounts: create with a jurisdiction, change it, (de)activate, reset."""

from __future__ import annotations

import re

from sqlalchemy import select

from cqo_portal.models import AuditEvent, Role, User
from tests.factories import login, logout


def _one_time_password(page: str) -> str:
    match = re.search(r'id="one-time-password" value="([^"]+)"', page)
    assert match, "the one-time password is shown"
    return match.group(1)


def test_admin_creates_a_regulator_who_must_change_the_password(client, actors, db_session):
    login(client, actors.admin())
    resp = client.post(
        "/admin/users/new-regulator",
        data={"name": "佛山市局", "email": "FS@bureau.gov.cn", "jurisdiction_code": "440600"},
    )
    assert resp.status_code == 200
    password = _one_time_password(resp.get_data(as_text=True))
    user = db_session.scalar(select(User).where(User.email == "fs@bureau.gov.cn"))
    assert user.role == Role.REGULATOR and user.jurisdiction_code == "440600"
    assert user.must_change_password
    logout(client)

    resp = login(client, "fs@bureau.gov.cn", password)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/password")


def test_bad_regulator_input_re_renders(client, actors, db_session):
    taken = actors.regulator("440100")
    login(client, actors.admin())
    resp = client.post(
        "/admin/users/new-regulator",
        data={"name": "某局", "email": taken.email, "jurisdiction_code": "440100"},
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "already exists" in page and "某局" in page
    resp = client.post(
        "/admin/users/new-regulator",
        data={"name": "某局", "email": "a@bureau.gov.cn", "jurisdiction_code": "110000"},
    )
    assert resp.status_code == 200 and "Not a valid choice" in resp.get_data(as_text=True)
    assert db_session.scalar(select(User).where(User.email == "a@bureau.gov.cn")) is None


def test_changing_the_jurisdiction_changes_what_the_regulator_sees(client, actors, db_session):
    from tests.registry.test_jurisdiction import services  # the same service the views use

    ent = actors.enterprise(city="440100", name="广州某某有限公司")
    regulator = actors.regulator("440300")
    login(client, actors.admin())
    resp = client.post(
        f"/admin/users/{regulator.id}/jurisdiction", data={"jurisdiction_code": "440100"}
    )
    assert resp.status_code == 302
    db_session.refresh(regulator)
    assert regulator.jurisdiction_code == "440100"
    event = db_session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "user.jurisdiction", AuditEvent.object_id == regulator.id
        )
    )
    assert event.before == {"jurisdiction": "440300"} and event.after == {"jurisdiction": "440100"}
    logout(client)
    login(client, regulator)
    assert client.get(f"/enterprise/{ent.id}").status_code == 200
    assert services is not None


def test_deactivated_accounts_cannot_log_in_until_reactivated(client, actors, db_session):
    admin = actors.admin()
    regulator = actors.regulator("440100")
    login(client, admin)
    assert (
        client.post(f"/admin/users/{regulator.id}/active", data={"active": "0"}).status_code == 302
    )
    db_session.refresh(regulator)
    assert not regulator.active
    # An admin cannot lock themselves out.
    client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    db_session.refresh(admin)
    assert admin.active
    logout(client)
    resp = login(client, regulator)
    assert resp.status_code == 200  # the login form again
    login(client, admin)
    client.post(f"/admin/users/{regulator.id}/active", data={"active": "1"})
    logout(client)
    assert login(client, regulator).status_code == 302


def test_password_reset_ends_sessions_and_forces_a_change(app, client, actors, db_session):
    from flask import g

    regulator = actors.regulator("440100")
    other = app.test_client()  # the regulator's own browser
    login(other, regulator)
    assert other.get("/regulator/cqo").status_code == 200
    # The test's app context outlives requests; drop Flask-Login's per-context user cache
    # so each browser is judged by its own cookie.
    g.pop("_login_user", None)

    login(client, actors.admin())
    resp = client.post(f"/admin/users/{regulator.id}/reset-password")
    password = _one_time_password(resp.get_data(as_text=True))
    db_session.refresh(regulator)
    assert regulator.must_change_password
    g.pop("_login_user", None)
    assert other.get("/regulator/cqo").status_code == 302  # logged out
    logout(client)
    resp = login(client, regulator.email, password)
    assert resp.headers["Location"].endswith("/account/password")


def test_only_admins_manage_accounts(client, actors):
    regulator = actors.regulator("440000")
    login(client, regulator)
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users/new-regulator", data={}).status_code == 403
    assert client.post(f"/admin/users/{regulator.id}/reset-password").status_code == 403
    assert (
        client.post(
            f"/admin/users/{regulator.id}/jurisdiction", data={"jurisdiction_code": "440000"}
        ).status_code
        == 403
    )


def test_admin_pages_list_and_manage_accounts(client, actors):
    regulator = actors.regulator("440300")
    officer = actors.officer()
    login(client, actors.admin())
    page = client.get("/admin/users?role=regulator").get_data(as_text=True)
    assert regulator.email in page and officer.email not in page
    page = client.get(f"/admin/users/{regulator.id}").get_data(as_text=True)
    assert "Change the jurisdiction" in page and "Deactivate the account" in page
    page = client.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert "Change the jurisdiction" not in page and "Reset the password" in page
    assert client.get("/admin/users/999999").status_code == 404
