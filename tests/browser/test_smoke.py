"""The home page renders in a real browser with local assets only and no CSP violations."""

from tests.browser.conftest import shot


def test_home_page_in_chromium(page, live_server):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server + "/")
    assert page.locator("h1").first.is_visible()
    assert "首席质量官" in page.content()
    shot(page, "home-zh")
    assert all(u.startswith(live_server) or u.startswith("data:") for u in requests), requests
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
