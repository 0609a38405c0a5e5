"""Shared fixtures for the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plans import REPO


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository root."""
    return REPO
