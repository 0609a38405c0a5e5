"""Run a script of benchmarks/ the way a user does, for the tests that keep them working."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_benchmark(script: str, *args: str) -> tuple[int, str, list[str]]:
    """(exit code, header line, row lines) of `benchmarks/<script> args` in a new process."""
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    header, *rows = done.stdout.strip().splitlines() or [""]
    return done.returncode, header, rows
