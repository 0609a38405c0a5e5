"""The benchmark scripts keep working: the scale benchmark's smallest size, as a smoke test."""

from __future__ import annotations

from tests.bench import run_benchmark


def test_plan_scale_smoke_prints_one_row_with_every_phase() -> None:
    code, header, rows = run_benchmark("plan_scale.py", "--smoke")
    assert (code, header.split()[:4], len(rows)) == (0, ["N", "wall", "s", "RSS"], 1)
    resources, wall = rows[0].split()[:2]
    assert int(resources) > 150 and float(wall) > 0
