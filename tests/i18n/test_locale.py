"""The language follows the browser until the person picks one; the pick is remembered.

Dates and numbers follow the language too. These tests read the compiled catalogue (`make translations`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import render_template_string
from flask_babel import format_decimal, format_percent

from tests.factories import login, logout

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


@pytest.fixture(autouse=True)
def _compiled_catalogue(app):
    from pathlib import Path

    mo = Path(app.root_path) / "translations" / "zh" / "LC_MESSAGES" / "messages.mo"
    assert mo.exists(), "the Chinese catalogue is not compiled: run `make translations`"


def test_a_chinese_browser_gets_chinese_and_an_english_browser_english(client):
    zh = client.get("/", headers=ZH).get_data(as_text=True)
    assert '<html lang="zh-CN">' in zh
    assert "首席质量官服务平台" in zh and "Chief Quality Officer Portal" not in zh

    en = client.get("/", headers=EN).get_data(as_text=True)
    assert '<html lang="en">' in en
    assert "Chief Quality Officer Portal" in en and "首席质量官服务平台" not in en


def test_without_a_preference_the_portal_speaks_chinese(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "登录" in page


def test_the_switcher_overrides_the_browser_and_is_remembered(client):
    resp = client.post("/lang/en", data={"next": "/verify"}, headers=ZH)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/verify")
    # Later requests from the same Chinese browser stay English.
    for path in ("/", "/login", "/verify"):
        page = client.get(path, headers=ZH).get_data(as_text=True)
        assert '<html lang="en">' in page, path
    assert "Log in" in client.get("/login", headers=ZH).get_data(as_text=True)

    client.post("/lang/zh", headers=EN)
    assert "登录" in client.get("/login", headers=EN).get_data(as_text=True)


def test_an_unknown_language_changes_nothing(client):
    client.post("/lang/fr", headers=EN)
    assert '<html lang="en">' in client.get("/", headers=EN).get_data(as_text=True)


def test_the_switcher_offers_the_other_language_as_a_post_form(client):
    zh = client.get("/", headers=ZH).get_data(as_text=True)
    assert 'action="/lang/en"' in zh and 'lang="en">English</button>' in zh
    en = client.get("/", headers=EN).get_data(as_text=True)
    assert 'action="/lang/zh"' in en and 'lang="zh-CN">中文</button>' in en


def test_a_logged_in_users_choice_follows_them_to_a_new_session(app, client, actors, db_session):
    officer = actors.officer()
    login(client, officer)
    client.post("/lang/en", headers=ZH)
    db_session.refresh(officer)
    assert officer.locale == "en"
    logout(client)

    # Another computer whose browser asks for Chinese: after logging in, English.
    other = app.test_client()
    assert "登录" in other.get("/login", headers=ZH).get_data(as_text=True)
    login(other, officer)
    page = other.get("/assessments/", headers=ZH).get_data(as_text=True)
    assert '<html lang="en">' in page and "Self-assessments" in page


def test_flash_messages_and_form_errors_are_translated(client, actors):
    officer = actors.officer()
    resp = client.post(
        "/login", data={"email": officer.email, "password": "wrong-pass-1"}, headers=ZH
    )
    assert "电子邮箱或密码不正确。" in resp.get_data(as_text=True)
    login(client, officer)
    resp = client.post("/logout", headers=ZH, follow_redirects=True)
    assert "您已退出登录。" in resp.get_data(as_text=True)
    resp = client.post("/register", data={"name": "", "email": "x"}, headers=EN)
    page = resp.get_data(as_text=True)
    assert "Enter your name." in page and "Enter a valid e-mail address." in page


def test_wtforms_own_messages_come_in_chinese(client):
    """Validators without our own message (DataRequired()) use WTForms' zh catalogue."""
    page = client.post("/verify", data={"number": ""}, headers=ZH).get_data(as_text=True)
    assert "该字段是必填字段。" in page
    page = client.post("/verify", data={"number": ""}, headers=EN).get_data(as_text=True)
    assert "This field is required." in page


def test_dates_follow_the_language_and_the_bureau_time_zone(app):
    moment = datetime(2026, 3, 9, 1, 30, tzinfo=UTC)  # 09:30 in Guangdong
    template = "{{ moment|dt('medium') }}|{{ moment|dt('short') }}"
    with app.test_request_context("/", headers=ZH):
        zh = render_template_string(template, moment=moment)
    with app.test_request_context("/", headers=EN):
        en = render_template_string(template, moment=moment)
    assert zh.split("|")[0].startswith("2026年3月9日") and "09:30" in zh
    assert en.split("|")[0].startswith("Mar 9, 2026") and "9:30" in en and "AM" in en
    with app.test_request_context("/", headers=EN):
        assert render_template_string("{{ none|dt }}") == ""


def test_numbers_follow_the_language(app):
    template = "{{ 12345.678|num }}|{{ 85|num(0) }}|{{ none|num }}"
    for headers in (ZH, EN):
        with app.test_request_context("/", headers=headers):
            out = render_template_string(template)
            assert out == "|".join(
                [
                    format_decimal(12345.678, format="#,##0.0"),
                    format_decimal(85, format="#,##0"),
                    "—",
                ]
            )
    with app.test_request_context("/", headers=ZH):
        assert format_percent(0.853, format="#,##0.0%") == "85.3%"
    with app.test_request_context("/", headers=EN):
        assert format_decimal(1234.5) == "1,234.5"
