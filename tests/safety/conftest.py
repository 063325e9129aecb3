"""The quality-safety stories read in English unless a test asks for Chinese (the portal's default
language is Chinese)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def english_by_default(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
