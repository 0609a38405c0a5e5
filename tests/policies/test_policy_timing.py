"""benchmarks/policy_timing.py keeps working: its smoke mode (one copy, one evaluation)."""

from __future__ import annotations

from tests.bench import run_benchmark
from tests.plans import plan_of


def test_policy_timing_smoke_prints_one_row_with_the_prod_violations() -> None:
    code, header, rows = run_benchmark("policy_timing.py", "--smoke")
    assert (code, header.split()[:3], len(rows)) == (0, ["copies", "N", "policy"], 1)
    copies, resources, _, _, _, violations = rows[0].split()[:6]
    # One copy of the prod estate is the prod stack: same resources, same violations.
    prod = plan_of("prod")
    assert (int(copies), int(resources), int(violations)) == (
        1,
        len(prod["resources"]),
        len(prod["violations"]),
    )
