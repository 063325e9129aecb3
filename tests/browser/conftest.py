"""Real-browser fixtures: the portal served on 127.0.0.1 from a thread, Debian's chromium via Playwright.

The live server uses its own SQLite file (migrated, with the built-in questionnaires) because the
browser's requests cannot share the per-test transaction of the other tests. Screenshots go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"!! browser tests SKIPPED: {CHROMIUM} is missing (make setup installs chromium)"
        )
    from argon2 import PasswordHasher

    from cqo_portal import create_app
    from cqo_portal.accounts import services as account_services

    account_services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "TESTING": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite3'}",
            "SECRET_KEY": "browser-test-secret",
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": None,
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "LOG_FORMAT": "plain",
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        from cqo_portal.demo import ensure_questionnaires
        from cqo_portal.extensions import db

        upgrade()
        ensure_questionnaires()
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def demo_data(live_app):
    """Demo enterprises over the province (some CQOs awaiting a decision) and the demo accounts."""
    with live_app.app_context():
        result = live_app.test_cli_runner().invoke(args=["seed-demo", "--enterprises", "40"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="session")
def site(live_app, demo_data):
    """The visits of the accessibility checks (tests.a11y.site), on the demo data."""
    from cqo_portal.extensions import db
    from tests.a11y.site import prepare

    with live_app.test_request_context():
        visitors = prepare()
        db.session.commit()
    return visitors


def log_in(page, base: str, email: str | None, password: str | None, lang: str = "zh") -> None:
    """Choose the language, then log in (unless ``email`` is None), through the context's own
    requests (its cookies). The choice is the session's, made before logging in: it leaves the
    account's own language as it was for the other tests."""
    import re

    def token(path: str) -> str:
        html = page.request.get(base + path).text()
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    page.context.clear_cookies()
    page.request.post(base + f"/lang/{lang}", form={"csrf_token": token("/")}, max_redirects=0)
    if email is not None:
        response = page.request.post(
            base + "/login",
            form={"email": email, "password": password, "csrf_token": token("/login")},
            max_redirects=0,
        )
        assert response.status == 302, response.status


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"!! browser tests SKIPPED: {CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test (own cookies), Chinese by default."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.console_errors = errors
    yield pg
    context.close()


@pytest.fixture(scope="session", autouse=True)
def _artifacts_dir():
    if os.environ.get("CQO_KEEP_ARTIFACTS") != "1" and ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


def shot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
