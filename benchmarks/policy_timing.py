"""How long the policy step of `storagectl plan` takes, and how it grows with the plan.

Run: `.venv/bin/python benchmarks/policy_timing.py [--copies 23,46,63] [--repeat 3]
[--smoke]`.

For each size, the prod estate is repeated that many times in one stack file
(`plan_scale.estate`, ~160 resources per copy: 23 ≈ 3,700, 46 ≈ 7,300, 63 ≈ 10,000
resources), planned once in-process with `storagectl.planner.plan_stack`, and the document
the planner hands to the policy pack is kept. Only `evaluate_plan` over that document (with
the prod pack config, as `plan prod` uses) is timed, `--repeat` times; the best run is
printed: N, policy seconds (wall, and CPU), ms per resource, the violations found, and
the growth against the first size (time ratios next to the resource ratio: linear when
they match).

`--smoke` plans one copy and evaluates it once (keeps the script working; not a measure).
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from plan_scale import estate  # noqa: E402

import storagectl.planner as planner  # noqa: E402
from storagectl.policy.evaluate import config_for_stack, evaluate_plan  # noqa: E402


def policy_input(stack_file: Path) -> dict[str, Any]:
    """The document `plan_stack` gives the policy pack for `stack_file` (stack prod)."""
    captured: list[dict[str, Any]] = []
    original = planner.evaluate_plan

    def capture(document: dict[str, Any], config: Path | None = None) -> list[dict[str, Any]]:
        # Copied before the pack runs: the planner redacts the document afterwards.
        captured.append(copy.deepcopy(document))
        return original(document, config)

    # Scoped to this one plan and restored: the planner calls evaluate_plan by that name.
    planner.evaluate_plan = capture
    try:
        planner.plan_stack(REPO, "prod", stack_file)
    finally:
        planner.evaluate_plan = original
    return captured[0]


def best_of(repeat: int, document: dict[str, Any], config: Path | None) -> tuple[float, float, int]:
    """(best wall seconds, best CPU seconds, violations) of `repeat` evaluations.

    CPU seconds are shown beside wall seconds because a shared machine stretches the wall
    clock of a single-threaded run; CPU time is the work done.
    """
    wall = cpu = float("inf")
    found = 0
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        violations = evaluate_plan(document, config)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
        found = len(violations)
    return wall, cpu, found


def main() -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", default="23,46,63", help="estate sizes, in prod copies")
    parser.add_argument("--repeat", type=int, default=3, help="evaluations per size (best)")
    parser.add_argument("--smoke", action="store_true", help="one copy, one evaluation")
    args = parser.parse_args()
    sizes = [1] if args.smoke else [int(c) for c in args.copies.split(",")]
    repeat = 1 if args.smoke else max(1, args.repeat)
    config = config_for_stack("prod")
    print(
        f"{'copies':>6} {'N':>6} {'policy s':>8} {'cpu s':>6} {'ms/res':>7} {'violations':>10} "
        f"{'x time':>6} {'x cpu':>6} {'x N':>5}"
    )
    first: tuple[int, float, float] | None = None
    with tempfile.TemporaryDirectory(prefix="policy-timing-") as tmp:
        for copies in sizes:
            stack = Path(tmp) / f"Pulumi.prod-{copies}.yaml"
            stack.write_text(yaml.safe_dump(estate(copies), sort_keys=False), encoding="utf-8")
            document = policy_input(stack)
            count = len(document["resources"])
            wall, cpu, found = best_of(repeat, document, config)
            first = first or (count, wall, cpu)
            print(
                f"{copies:>6} {count:>6} {wall:>8.3f} {cpu:>6.3f} {1000 * wall / count:>7.3f} "
                f"{found:>10} {wall / first[1]:>6.2f} {cpu / first[2]:>6.2f} "
                f"{count / first[0]:>5.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
