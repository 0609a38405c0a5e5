"""benchmarks/policy_timing.py keeps working: its smoke mode (one copy, one evaluation)."""

from __future__ import annotations

import subprocess
import sys

from tests.plans import REPO, plan_of


def test_policy_timing_smoke_prints_one_row_with_the_prod_violations() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "policy_timing.py"), "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    header, *rows = done.stdout.strip().splitlines()
    assert (done.returncode, header.split()[:3], len(rows)) == (0, ["copies", "N", "policy"], 1)
    copies, resources, _, _, _, violations = rows[0].split()[:6]
    # One copy of the prod estate is the prod stack: same resources, same violations.
    prod = plan_of("prod")
    assert (int(copies), int(resources), int(violations)) == (
        1,
        len(prod["resources"]),
        len(prod["violations"]),
    )
