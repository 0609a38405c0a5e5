"""Options several commands share, declared once so their names and help stay alike."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

PolicyConfigOption = Annotated[
    Path | None,
    typer.Option(help="Policy pack config (default: policies/config/<stack>.json)."),
]
"""`--policy-config FILE`: a CrossGuard pack config (plan, apply, drift, audit)."""

DEFAULT_TIMEOUT_S = 300.0
"""`storagectl.engine.DEFAULT_TIMEOUT_S`: the default of `plan --timeout` and `review --timeout`.

A copy, because every command's options are read at start-up (`--help` too) and the
engine imports the Pulumi SDK (~0.3 s); tests/driver/test_startup.py keeps the two equal.
"""
