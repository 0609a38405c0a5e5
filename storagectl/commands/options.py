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
