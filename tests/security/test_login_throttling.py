"""Sign-in throttling: failed sign-ins are counted per account and per account + address, every
attempt towards a high per-address ceiling; an office behind one NAT address signs in freely.

Each story runs on the in-memory limiter storage and on Redis (CQO_TEST_REDIS_URL, default
redis://127.0.0.1:6379/15, a database the suite may flush; skipped loudly when unreachable).
The Chinese texts are literal: they need the catalogue's entries for the throttling messages.
"""

from __future__ import annotations

import os
import re

import pytest

from cqo_portal.app_setup import CSP
from tests.factories import PASSWORD

REDIS_URL = os.environ.get("CQO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
NAT = "203.0.113.10"  # one company's (or one bureau's) shared address
WRONG = "wrong-password-1"

ACCOUNT_EN = "Too many failed sign-ins for this account. Try again in {n} minutes."
ADDRESS_EN = "Too many sign-in attempts from this network. Try again in {n} minute"
ACCOUNT_ZH = "此账户登录失败次数过多，请 {n} 分钟后再试。"
ADDRESS_ZH = "来自此网络地址的登录尝试过多，请 {n} 分钟后再试。"


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def storage_uri(request):
    if request.param == "memory":
        yield "memory://"
        return
    redis = pytest.importorskip("redis")
    conn = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        conn.ping()
    except redis.RedisError as e:
        pytest.skip(
            f"LOUD SKIP: Redis at {REDIS_URL} is not reachable ({e}); Redis limits untested"
        )
    conn.flushdb()
    yield REDIS_URL
    conn.flushdb()


@pytest.fixture
def throttled(make_app, storage_uri):
    """A portal with the limiter on and the sign-in limits at their defaults unless overridden."""

    def build(**overrides):
        return make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage_uri, **overrides)

    return build


def _sign_in(client, email: str, password: str = PASSWORD, addr: str = NAT, lang: str = "en"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": addr},
        headers={"Accept-Language": lang},
    )


def _refusal(resp) -> str:
    found = re.search(r'<div class="alert alert-warning" role="alert">([^<]*)</div>', resp.text)
    assert found, "no refusal message on the page"
    return found.group(1)


def test_the_defaults_count_failures_per_account_and_leave_an_office_room(tmp_path, monkeypatch):
    from cqo_portal.config import settings_from_env

    for name in (
        "CQO_LOGIN_RATE_LIMIT",
        "CQO_LOGIN_ACCOUNT_FAILURE_LIMIT",
        "CQO_LOGIN_ACCOUNT_ADDRESS_FAILURE_LIMIT",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = settings_from_env(tmp_path)
    assert settings["LOGIN_RATE_LIMIT"] == "300 per 5 minutes"
    assert settings["LOGIN_ACCOUNT_FAILURE_LIMIT"] == "10 per 15 minutes"
    assert settings["LOGIN_ACCOUNT_ADDRESS_FAILURE_LIMIT"] == "5 per 5 minutes"
    monkeypatch.setenv("CQO_LOGIN_ACCOUNT_FAILURE_LIMIT", "20 per hour")
    assert settings_from_env(tmp_path)["LOGIN_ACCOUNT_FAILURE_LIMIT"] == "20 per hour"


def test_thirty_officers_behind_one_nat_address_all_sign_in_within_a_minute(throttled, actors):
    """The defaults: a whole office at once, five of them mistyping their password first."""
    app = throttled()
    officers = [actors.officer() for _ in range(30)]
    for i, officer in enumerate(officers):
        browser = app.test_client()
        if i % 6 == 0:
            assert _sign_in(browser, officer.email, WRONG).status_code == 200
        resp = _sign_in(browser, officer.email)
        assert resp.status_code == 302, f"officer {i} was refused"
        assert browser.get("/dashboard").status_code == 200


def test_one_accounts_failures_lock_it_everywhere_but_not_colleagues_at_its_address(
    throttled, actors
):
    app = throttled()
    target, colleague = actors.officer(), actors.officer()
    client = app.test_client()
    # Ten wrong passwords from two addresses (five each stays under the account + address limit).
    for i in range(10):
        addr = NAT if i % 2 else "198.51.100.7"
        assert _sign_in(client, target.email, WRONG, addr=addr).status_code == 200
    # The account is locked from anywhere, even with the right password, case and spaces aside.
    resp = _sign_in(client, f"  {target.email.upper()} ", addr="192.0.2.55")
    assert resp.status_code == 429
    assert _refusal(resp) == ACCOUNT_EN.format(n=15)
    assert resp.headers["Retry-After"]
    assert resp.headers["Content-Security-Policy"] == CSP
    # A colleague behind the same NAT address signs in as usual.
    assert _sign_in(app.test_client(), colleague.email, addr=NAT).status_code == 302


def test_failures_of_one_account_from_one_address_are_limited_sooner(throttled, actors):
    app = throttled()
    officer, colleague = actors.officer(), actors.officer()
    client = app.test_client()
    for _ in range(5):
        assert _sign_in(client, officer.email, WRONG).status_code == 200
    resp = _sign_in(client, officer.email)  # the right password, from the same address
    assert resp.status_code == 429
    assert _refusal(resp) == ACCOUNT_EN.format(n=5)
    # From another address the account still opens (5 of its 10 failures used) ...
    assert _sign_in(app.test_client(), officer.email, addr="198.51.100.20").status_code == 302
    # ... and the colleagues at the address are not affected.
    assert _sign_in(app.test_client(), colleague.email).status_code == 302


def test_successful_sign_ins_never_count(throttled, actors):
    app = throttled(
        LOGIN_ACCOUNT_FAILURE_LIMIT="3 per hour", LOGIN_ACCOUNT_ADDRESS_FAILURE_LIMIT="2 per hour"
    )
    officer = actors.officer()
    for _ in range(12):
        client = app.test_client()
        assert _sign_in(client, officer.email).status_code == 302
        client.post("/logout")


def test_a_success_clears_that_accounts_failures_from_that_address(throttled, actors):
    app = throttled(
        LOGIN_ACCOUNT_FAILURE_LIMIT="100 per hour", LOGIN_ACCOUNT_ADDRESS_FAILURE_LIMIT="3 per hour"
    )
    officer = actors.officer()
    for _ in range(3):
        client = app.test_client()
        for _ in range(2):
            assert _sign_in(client, officer.email, WRONG).status_code == 200
        assert _sign_in(client, officer.email).status_code == 302
    # Without a success in between the third failure in a row is the last one allowed.
    client = app.test_client()
    for _ in range(3):
        assert _sign_in(client, officer.email, WRONG).status_code == 200
    assert _sign_in(client, officer.email).status_code == 429


def test_the_per_address_ceiling_counts_every_attempt(throttled, actors):
    app = throttled(LOGIN_RATE_LIMIT="6 per minute")
    officers = [actors.officer() for _ in range(4)]
    codes = [_sign_in(app.test_client(), o.email).status_code for o in officers]
    codes += [_sign_in(app.test_client(), "x@example.cn", WRONG).status_code for _ in range(2)]
    assert codes == [302, 302, 302, 302, 200, 200]
    resp = _sign_in(app.test_client(), officers[0].email)
    assert resp.status_code == 429
    assert _refusal(resp) == ADDRESS_EN.format(n=1) + "."
    # Another address is not affected.
    assert _sign_in(app.test_client(), officers[0].email, addr="198.51.100.30").status_code == 302


def test_the_refusal_is_the_same_whether_the_account_exists(throttled, actors):
    app = throttled()
    officer = actors.officer()
    pages = []
    for email in (officer.email, "nobody-here@example.cn"):
        client = app.test_client()
        for _ in range(5):
            assert _sign_in(client, email, WRONG).status_code == 200
        resp = _sign_in(client, email, WRONG)
        assert resp.status_code == 429
        pages.append(resp.text.replace(email, "EMAIL"))
    assert _refusal_text(pages[0]) == _refusal_text(pages[1])
    strip = re.compile(r'name="csrf_token"[^>]*>|nonce="[^"]*"')
    assert strip.sub("", pages[0]) == strip.sub("", pages[1])


def _refusal_text(page: str) -> str:
    return re.search(r'role="alert">([^<]*)</div>', page).group(1)


def test_the_refusal_page_is_the_login_form_with_the_email_kept(throttled, actors):
    app = throttled()
    officer = actors.officer()
    client = app.test_client()
    for _ in range(5):
        _sign_in(client, officer.email, WRONG)
    resp = _sign_in(client, officer.email, WRONG)
    assert resp.status_code == 429
    page = resp.text
    assert "<form" in page and 'name="password"' in page
    assert f'value="{officer.email}"' in page
    assert WRONG not in page


def test_the_refusal_is_in_chinese_for_a_chinese_browser(throttled, actors):
    """Needs the catalogue's entries for the throttling messages."""
    app = throttled(LOGIN_RATE_LIMIT="8 per minute")
    officer = actors.officer()
    client = app.test_client()
    for _ in range(5):
        _sign_in(client, officer.email, WRONG, addr="198.51.100.40", lang="zh-CN")
    resp = _sign_in(client, officer.email, addr="198.51.100.40", lang="zh-CN")
    assert resp.status_code == 429
    assert _refusal(resp) == ACCOUNT_ZH.format(n=5)
    for i in range(8):
        _sign_in(app.test_client(), f"someone{i}@example.cn", WRONG, lang="zh-CN")
    resp = _sign_in(app.test_client(), "someone9@example.cn", WRONG, lang="zh-CN")
    assert resp.status_code == 429
    assert _refusal(resp) == ADDRESS_ZH.format(n=1)


def test_the_main_test_app_is_not_limited_after_a_limited_app_existed(throttled, client):
    throttled(LOGIN_RATE_LIMIT="2 per minute")
    for _ in range(8):
        assert _sign_in(client, "x@example.cn", WRONG, addr="10.1.1.1").status_code == 200
