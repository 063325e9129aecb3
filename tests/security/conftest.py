"""Fixtures for the security tests: extra apps with CSRF, rate limits or secure cookies switched on."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_app(app):
    """Build another portal app on the same test database with some settings changed.

    The limiter is one object shared by every app in the process: switching it on for a dedicated
    app would also limit the main test app, so it is switched off again (and emptied) afterwards.
    """
    from cqo_portal import create_app
    from cqo_portal.extensions import db, limiter

    made = []

    def factory(**overrides):
        config = {
            key: app.config[key]
            for key in (
                "SQLALCHEMY_DATABASE_URI",
                "SECRET_KEY",
                "UPLOAD_FOLDER",
                "LOG_FORMAT",
                "REDIS_URL",
            )
        }
        config.update(TESTING=True, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
        config.update(overrides)
        new = create_app(config)
        made.append(new)
        return new

    yield factory
    for new in made:
        with new.app_context():
            db.engine.dispose()
    if made:
        if getattr(limiter, "_storage", None) is not None:
            limiter.reset()
        limiter.enabled = False
