"""The statistics cache outlives a test's rolled-back data: start each API test without it."""

import pytest

from cqo_portal.api.services import clear_statistics_cache


@pytest.fixture(autouse=True)
def _fresh_statistics():
    clear_statistics_cache()
    yield
    clear_statistics_cache()
