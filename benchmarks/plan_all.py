"""Cold wall time of `storagectl plan --all` against the single plans run one after another.

Run: `.venv/bin/python benchmarks/plan_all.py [--repeat N]`. Each figure is the best of N
(default 3) runs, each run a fresh `storagectl` process (the CLI as a user starts it):

* `plan --all --format json`: every shipped stack, planned in parallel worker processes
  after one warm-up (storagectl/plan_all.py);
* `plan ENV --format json` for each stack, one after another (what a script did before).

Best-of-N, because the build machines are shared: the minimum is the least disturbed run.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STORAGECTL = Path(sys.executable).with_name("storagectl")


def _stacks() -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in REPO.glob("stacks/Pulumi.*.yaml"))


def _run(args: Sequence[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one `storagectl ARGS` process and its children (JSON discarded).

    CPU time (user + system, the workers and program children included) is less disturbed
    by other load on shared cores than wall time.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [str(STORAGECTL), *args],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        env={**os.environ, "STORAGECTL_PROGRESS": "never"},
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"storagectl {' '.join(args)} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def _in_a_row(stacks: list[str]) -> tuple[float, float]:
    runs = [_run(["plan", stack, "--format", "json"]) for stack in stacks]
    return sum(r[0] for r in runs), sum(r[1] for r in runs)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    stacks = _stacks()
    together = [_run(["plan", "--all", "--format", "json"]) for _ in range(args.repeat)]
    in_a_row = [_in_a_row(stacks) for _ in range(args.repeat)]
    single = f"plan ENV --format json ({', '.join(stacks)} in a row)"
    width = max(len(single), 24)
    print(f"{'run':{width}} {'best wall s':>11} {'best CPU s':>10}")
    for label, runs in (("plan --all --format json", together), (single, in_a_row)):
        print(f"{label:{width}} {min(r[0] for r in runs):11.2f} {min(r[1] for r in runs):10.2f}")
    speed_up = min(r[0] for r in in_a_row) / min(r[0] for r in together)
    print(f"wall speed-up: {speed_up:.2f}x ({os.cpu_count()} cores, best of {args.repeat})")


if __name__ == "__main__":
    main()
