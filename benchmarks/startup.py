"""Start-up cost of `storagectl`: wall time of short commands, each in a fresh process.

Run: `.venv/bin/python benchmarks/startup.py [--repeat N]`. Prints, for each command, the
best wall time of N cold runs (`python -m storagectl ...` from the repository root), the
best CPU time (user + system, the command's processes together: less disturbed than wall
time when other jobs share the cores) and the exit code. Best, not median: on a shared
machine the noise only ever adds time. To see where the remaining time goes:
`python -X importtime -m storagectl --help 2>&1 | sort -t'|' -k2n`.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("plan", "--help"),
    ("validate", "dev"),
    ("verify", "--help"),
    ("plan", "dev", "--format", "json"),
)
"""The commands timed: help screens, the offline validation, and one small plan."""


def best_of(argv: tuple[str, ...], repeat: int) -> tuple[float, float, int]:
    """(best wall seconds, best CPU seconds, exit code) of `repeat` cold runs of `argv`."""
    best, best_cpu, code = float("inf"), float("inf"), 0
    for _ in range(repeat):
        before = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "storagectl", *argv],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, _children_cpu() - before)
        code = done.returncode
    return best, best_cpu, code


def _children_cpu() -> float:
    # Waited-for children only: the finished command and the processes it waited for.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'command':36} {'wall s':>8} {'cpu s':>8} {'exit':>5}")
    for argv in COMMANDS:
        seconds, cpu, code = best_of(argv, args.repeat)
        print(f"{'storagectl ' + ' '.join(argv):36} {seconds:8.3f} {cpu:8.3f} {code:5d}")


if __name__ == "__main__":
    main()
