"""Fixtures for the policy tests (helpers live in `harness.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def sarif_schema() -> dict:
    """The SARIF 2.1.0 JSON schema (OASIS, errata 01), kept beside the tests."""
    import json

    return json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
