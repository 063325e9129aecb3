"""Fixtures for the pure core: the two built-in questionnaires and a small valid questionnaire."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cqo_portal.core.questionnaire import (
    QUESTIONNAIRE_DIR,
    Questionnaire,
    load_questionnaire_file,
)

from .builders import SMALL


@pytest.fixture(scope="session")
def cqo_qms() -> Questionnaire:
    return load_questionnaire_file(QUESTIONNAIRE_DIR / "cqo-qms-2026.yaml")


@pytest.fixture(scope="session")
def gbt() -> Questionnaire:
    return load_questionnaire_file(QUESTIONNAIRE_DIR / "gbt19580-2026.yaml")


@pytest.fixture()
def small_data() -> dict[str, Any]:
    """A fresh deep copy of a small valid questionnaire dict (tests may mutate it)."""
    return copy.deepcopy(SMALL)
