"""Each test-client request starts with a fresh per-request state, as in production.

The shared `db_session` fixture keeps one app context open for the whole test, so Flask reuses it
(and its `g`) for every request: Flask-Babel's cached locale and Flask-Login's cached user would
leak from one request (or client) to the next. Language tests need each request to choose afresh.
"""

from __future__ import annotations

import pytest
from flask import g, request_started


@pytest.fixture(autouse=True)
def _fresh_g_per_request(app):
    def clear(_sender, **_extra):
        g.pop("_flask_babel", None)
        g.pop("_login_user", None)

    request_started.connect(clear, app)
    yield
    request_started.disconnect(clear, app)
