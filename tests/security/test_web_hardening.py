"""Web hardening: headers and CSP, cookies, session renewal, CSRF, password rules, and user text
always escaped. Sign-in throttling has its own module, test_login_throttling."""

from __future__ import annotations

import io
import re

import pytest

from cqo_portal.app_setup import CSP
from tests.factories import PASSWORD, login, logout
from tests.security.world import SCRIPT, build_world

# --- headers --------------------------------------------------------------------------------


def test_every_page_carries_the_security_headers_and_a_strict_csp(client, actors):
    officer = actors.officer()
    for path in ("/", "/login", "/verify", "/no-such-page"):
        resp = client.get(path)
        assert resp.headers["Content-Security-Policy"] == CSP
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in resp.headers  # plain HTTP: no HSTS
    login(client, officer)
    resp = client.get("/dashboard")
    assert resp.headers["Cache-Control"] == "private, no-store"  # personal pages are not cached


def test_the_csp_allows_no_inline_script_or_style():
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_hsts_is_sent_over_https(client):
    resp = client.get("/", base_url="https://portal.example.gov.cn")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


# --- cookies and sessions -------------------------------------------------------------------


def _cookie_header(resp, name: str) -> str:
    found = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    assert found, f"no {name} cookie in {resp.headers.getlist('Set-Cookie')}"
    return found[-1]


def test_session_and_remember_cookies_are_httponly_and_samesite(client, actors):
    officer = actors.officer()
    resp = client.post(
        "/login", data={"email": officer.email, "password": PASSWORD, "remember": "y"}
    )
    assert resp.status_code == 302
    for name in ("session", "remember_token"):
        header = _cookie_header(resp, name)
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Secure" not in header  # served over plain HTTP in this test


def test_cookies_are_secure_when_the_bureau_serves_https(make_app, monkeypatch, tmp_path):
    from cqo_portal.config import settings_from_env

    monkeypatch.setenv("CQO_SECURE_COOKIES", "1")
    settings = settings_from_env(tmp_path)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    secure = make_app(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    resp = secure.test_client().post("/lang/en", data={"next": "/"})
    header = _cookie_header(resp, "session")
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


def test_login_renews_the_session(client, actors):
    """Whatever was in the session before login (e.g. planted by someone else) does not survive."""
    officer = actors.officer()
    with client.session_transaction() as sess:
        sess["planted"] = "by-an-attacker"
        sess["lang"] = "en"
    before = client.get_cookie("session").value
    login(client, officer)
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["lang"] == "en"  # the language choice is kept on purpose
        assert sess["_user_id"].startswith(f"{officer.id}:{officer.session_version}:")


def test_changing_the_password_ends_the_other_sessions(app, client, actors):
    officer = actors.officer()
    other_device = app.test_client()
    login(client, officer)
    login(other_device, officer)
    with app.app_context():  # each request in its own app context, as in production
        assert other_device.get("/dashboard").status_code in (200, 302)
    resp = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "brand-new-2026",
            "confirm": "brand-new-2026",
        },
    )
    assert resp.status_code == 302
    with app.app_context():
        assert client.get("/account/password").status_code == 200  # this device stays logged in
    with app.app_context():
        resp = other_device.get("/dashboard")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def _logged_in(app, c) -> bool:
    with app.app_context():  # each request in its own app context, as in production
        resp = c.get("/dashboard")
    return resp.status_code == 200


def test_logging_out_ends_that_login_even_where_its_cookies_were_copied(app, client, actors):
    """Logout revokes the login server-side: a copy of the session cookie, or of the "remember
    me" cookie, stops working; the same account's login in another browser is not touched."""
    officer = actors.officer()
    resp = client.post(
        "/login", data={"email": officer.email, "password": PASSWORD, "remember": "y"}
    )
    assert resp.status_code == 302
    stolen_session = app.test_client()
    stolen_session.set_cookie("session", client.get_cookie("session").value)
    stolen_remember = app.test_client()
    stolen_remember.set_cookie("remember_token", client.get_cookie("remember_token").value)
    other_browser = app.test_client()
    login(other_browser, officer)
    assert _logged_in(app, stolen_session) and _logged_in(app, stolen_remember)

    with app.app_context():
        assert logout(client).status_code == 302
    assert not _logged_in(app, client)
    assert not _logged_in(app, stolen_session)
    assert not _logged_in(app, stolen_remember)
    assert _logged_in(app, other_browser)


def test_a_session_without_a_login_token_is_refused(app, client, actors):
    """Cookies signed before logins were recorded ("id:version") no longer log anyone in."""
    officer = actors.officer()
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{officer.id}:{officer.session_version}"
        sess["_fresh"] = True
    assert not _logged_in(app, client)
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{officer.id}:{officer.session_version}:made-up-token"
    assert not _logged_in(app, client)


def test_a_deactivated_account_is_logged_out_at_once(client, actors, db_session):
    officer = actors.officer()
    login(client, officer)
    officer.active = False
    db_session.flush()
    resp = client.get("/dashboard")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_login_does_not_redirect_to_another_site(client, actors):
    officer = actors.officer()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        resp = client.post(
            f"/login?next={target}", data={"email": officer.email, "password": PASSWORD}
        )
        assert resp.status_code == 302
        assert "evil.example" not in resp.headers["Location"]
        client.post("/logout")


# --- CSRF -----------------------------------------------------------------------------------


def test_state_changing_requests_without_a_csrf_token_are_refused(make_app):
    """With CSRF on (as in production), every POST route without a token answers 400."""
    protected = make_app(WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    exempt = {"reports.verify"}  # a public read-only check (its form has csrf=False)
    checked = []
    for rule in protected.url_map.iter_rules():
        methods = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if not methods or rule.endpoint in exempt or rule.endpoint.startswith("api."):
            continue
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", "1", rule.rule)
        for method in methods:
            resp = client.open(
                url,
                method=method,
                data={"email": "x@example.cn"},
                headers={"Accept-Language": "en"},
            )
            assert resp.status_code == 400, f"{method} {url}: {resp.status_code}"
            assert "The form has expired" in resp.get_data(as_text=True) or resp.mimetype != (
                "text/html"
            )
            checked.append(url)
    assert len(checked) >= 8


def test_verify_accepts_an_uploaded_pdf_with_csrf_on(make_app):
    """Recipients post a PDF to /verify without a session; the exempt check must not say expired."""
    protected = make_app(WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    resp = client.post(
        "/verify",
        data={"number": "GD-CQO-2026-000001-ZH-XXXXXX", "file": (io.BytesIO(b"%PDF-1.7"), "r.pdf")},
        headers={"Accept-Language": "en"},
        content_type="multipart/form-data",
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200, page[:300]
    assert "The form has expired" not in page and "No report with this number" in page


def test_a_post_with_the_csrf_token_goes_through(make_app):
    protected = make_app(WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert token
    resp = client.post("/lang/en", data={"csrf_token": token.group(1), "next": "/"})
    assert resp.status_code == 302


# --- passwords ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "at least 10 characters"),
        ("onlyletters-here", "letters and digits"),
        ("1234567890123", "letters and digits"),
        ("newbie2026@example.cn", "must not be your e-mail"),
    ],
)
def test_weak_passwords_are_refused_with_a_field_message(client, db_session, password, message):
    from sqlalchemy import select

    from cqo_portal.models import User

    resp = client.post(
        "/register",
        data={
            "name": "新人",
            "email": "newbie2026@example.cn",
            "password": password,
            "confirm": password,
        },
        headers={"Accept-Language": "en"},
    )
    assert resp.status_code == 200
    assert message in resp.get_data(as_text=True).lower() or message in resp.get_data(as_text=True)
    assert db_session.scalar(select(User).where(User.email == "newbie2026@example.cn")) is None


def test_passwords_are_stored_as_argon2id_hashes(actors):
    user = actors.officer()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


# --- escaping -------------------------------------------------------------------------------


def test_user_text_with_script_is_shown_escaped(app, client, actors, db_session):
    """Enterprise, officer and CQO names hold <script>: every page shows them as text."""
    world = build_world(actors)
    db_session.flush()
    escaped = "&lt;script&gt;alert("
    pages = {
        world.A.users["member"]: [
            f"/enterprise/{world.A.enterprise}",
            "/dashboard",
            f"/assessments/{world.A.submitted}/result",
            f"/assessments/{world.A.draft}/section/1",
        ],
        world.A.users["city_in"]: [
            "/regulator/submissions",
            f"/regulator/submissions/{world.A.submitted}",
            "/regulator/audit",
        ],
        world.A.users["admin"]: ["/admin/users", "/admin/audit"],
    }
    shown = 0
    for user_id, paths in pages.items():
        c = app.test_client()
        with c.session_transaction() as sess:
            sess["_user_id"] = world.users[user_id]
        for path in paths:
            with app.app_context():  # a fresh request context each time, as in production
                resp = c.get(path)
            assert resp.status_code == 200, path
            page = resp.get_data(as_text=True)
            assert SCRIPT not in page, f"unescaped user text on {path}"
            shown += escaped in page
    assert shown >= 4  # the hostile names really were on the pages
    resp = client.get("/verify", query_string={"number": SCRIPT})
    assert SCRIPT not in resp.get_data(as_text=True)


# --- behind nginx ---------------------------------------------------------------------------


def test_forwarded_headers_are_ignored_unless_a_proxy_is_configured(make_app):
    """Without CQO_PROXY_COUNT a client cannot dodge the per-address limit with X-Forwarded-For."""
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    codes = [
        client.post(
            "/login",
            data={"email": f"u{i}@example.cn", "password": "wrong-password-1"},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
        ).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]


def test_behind_one_proxy_the_client_address_and_https_come_from_its_headers(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute", PROXY_COUNT=1)
    client = app.test_client()
    for i in range(3):  # three different clients behind nginx: none is limited
        resp = client.post(
            "/login",
            data={"email": f"v{i}@example.cn", "password": "wrong-password-1"},
            headers={"X-Forwarded-For": f"198.51.100.{i}", "X-Forwarded-Proto": "https"},
        )
        assert resp.status_code == 200
        assert "Strict-Transport-Security" in resp.headers  # nginx terminated TLS


# --- NUL bytes ------------------------------------------------------------------------------


def test_a_nul_byte_in_a_form_or_query_is_refused_before_any_view(client, db_session):
    from sqlalchemy import func, select

    from cqo_portal.models import User

    users = db_session.scalar(select(func.count()).select_from(User))
    resp = client.post(
        "/register",
        data={"name": "a\x00b", "email": "nul@example.cn", "password": "x", "confirm": "x"},
        headers={"Accept-Language": "en"},
    )
    assert resp.status_code == 400 and "Bad request" in resp.get_data(as_text=True)
    assert client.get("/verify?number=GD%00").status_code == 400
    assert client.get("/api/v1/enterprises?city=44%00").status_code == 400
    assert db_session.scalar(select(func.count()).select_from(User)) == users


# --- password reset by an admin -------------------------------------------------------------


def test_an_admin_reset_ends_the_sessions_and_forces_a_new_password(app, client, actors):
    officer, admin = actors.officer(), actors.admin()
    victim_device = app.test_client()
    with app.app_context():
        login(victim_device, officer)
    login(client, admin)
    resp = client.post(f"/admin/users/{officer.id}/reset-password", data={"confirm": "y"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    shown = re.findall(r'id="one-time-password" value="([^"]+)"', page)
    assert shown, "the one-time password is shown to the admin once"
    with app.app_context():  # the officer's open session is over
        resp = victim_device.get("/dashboard")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    client.post("/logout")
    with app.app_context():
        resp = login(client, officer, shown[0])
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/password")


def test_the_account_lists_its_logins_and_logs_out_another_browser(app, client, actors):
    from cqo_portal.accounts import services

    officer = actors.officer()
    other = app.test_client()
    third = app.test_client()
    login(client, officer)
    login(other, officer)
    login(third, officer)
    with app.app_context():
        page = client.get("/account/logins").get_data(as_text=True)
    hashes = re.findall(r"/account/logins/([0-9a-f]{64})/end", page)
    assert len(hashes) == 2  # the two other browsers; this one is marked instead
    assert page.count("this browser") + page.count("当前浏览器") >= 1
    with app.app_context():
        resp = client.post(f"/account/logins/{hashes[0]}/end")
    assert resp.status_code == 302
    assert [_logged_in(app, c) for c in (client, other, third)].count(False) == 1
    assert _logged_in(app, client)
    # Someone else's login cannot be ended by its hash.
    stranger = app.test_client()
    login(stranger, actors.officer())
    with app.app_context():
        assert stranger.post(f"/account/logins/{hashes[1]}/end").status_code == 404
    # "Log out on every other browser" leaves only this one.
    with app.app_context():
        assert client.post("/account/logins/end-others").status_code == 302
    assert _logged_in(app, client)
    assert not _logged_in(app, other) and not _logged_in(app, third)
    with app.app_context():
        user = services.find_user_by_email(officer.email)
        assert len(services.live_logins(user)) == 1
