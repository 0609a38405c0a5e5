"""Wall time of the offline plan per environment: engine run, policy evaluation, whole plan.

Run: `.venv/bin/python benchmarks/plan_timing.py [--repeat N]`. Prints one line per stack
with the median of N runs (first run included: it pays the imports once per process).
`engine s` runs the program in this process; `isolated s` runs it as `plan` does, in a
forked child with time and memory bounds (`storagectl.engine.run_isolated`), transport of
the recorded run included — the difference is what isolation costs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stackspec import read_stack_file  # noqa: E402
from storagectl.engine import run_isolated, run_program  # noqa: E402
from storagectl.plan import build_plan  # noqa: E402
from storagectl.policy.evaluate import config_for_stack, evaluate_plan  # noqa: E402


def measure(stack: str) -> tuple[float, float, float, int, int]:
    """(engine s, isolated engine s, policy s, resources, violations) of one plan of `stack`."""
    source = read_stack_file(REPO / "stacks" / f"Pulumi.{stack}.yaml")
    start = time.perf_counter()
    run = run_program(REPO, stack, source.config, source.secret_keys)
    plan = build_plan(run, source.config, source.secret_keys)
    engine = time.perf_counter() - start
    start = time.perf_counter()
    isolated_run = run_isolated(REPO, stack, source.config, source.secret_keys)
    build_plan(isolated_run, source.config, source.secret_keys)
    isolated = time.perf_counter() - start
    start = time.perf_counter()
    violations = evaluate_plan(plan, config_for_stack(stack))
    policy = time.perf_counter() - start
    return engine, isolated, policy, len(plan["resources"]), len(violations)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    header = ("stack", "resources", "violations", "engine s", "isolated s", "policy s", "total s")
    print(f"{header[0]:8} " + " ".join(f"{h:>10}" for h in header[1:]))
    for stack in ("dev", "staging", "prod"):
        runs = [measure(stack) for _ in range(args.repeat)]
        engine = statistics.median(r[0] for r in runs)
        isolated = statistics.median(r[1] for r in runs)
        policy = statistics.median(r[2] for r in runs)
        cells = (
            runs[0][3],
            runs[0][4],
            f"{engine:.2f}",
            f"{isolated:.2f}",
            f"{policy:.2f}",
            f"{engine + policy:.2f}",
        )
        print(f"{stack:8} " + " ".join(f"{c:>10}" for c in cells))


if __name__ == "__main__":
    main()
