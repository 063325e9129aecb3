"""Fixtures of the statistics tests: another app and a scratch PostgreSQL database."""

from tests.regulator.conftest import subs  # noqa: F401  (re-exported fixture)
from tests.reliability.conftest import scratch_postgres  # noqa: F401  (re-exported fixture)
from tests.security.conftest import make_app  # noqa: F401  (re-exported fixture)
