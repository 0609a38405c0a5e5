"""The benchmark scripts keep working: the scale benchmark's smallest size, as a smoke test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_plan_scale_smoke_prints_one_row_with_every_phase() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "plan_scale.py"), "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    header, *rows = done.stdout.strip().splitlines()
    assert (done.returncode, header.split()[:4], len(rows)) == (0, ["N", "wall", "s", "RSS"], 1)
    resources, wall = rows[0].split()[:2]
    assert int(resources) > 150 and float(wall) > 0
