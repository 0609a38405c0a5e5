"""Shared fixtures for the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.plans import REPO

# Hypothesis profiles: "ci" (the default here) keeps property tests to a few hundred
# examples; `pytest --hypothesis-profile=long` runs thousands (the stack-file fuzzing of
# tests/spec/test_loader_fuzz.py, issue 9). Tests that set max_examples keep their own.
_FUZZ = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
settings.register_profile("ci", max_examples=200, **_FUZZ)
settings.register_profile("long", max_examples=4_000, **_FUZZ)


def pytest_configure(config: pytest.Config) -> None:
    """Use the "ci" profile unless `--hypothesis-profile` names another."""
    if not config.getoption("hypothesis_profile", default=None):
        settings.load_profile("ci")


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository root."""
    return REPO
