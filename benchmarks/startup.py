"""Start-up cost of `storagectl`: wall time of short commands, each in a fresh process.

Run: `.venv/bin/python benchmarks/startup.py [--repeat N]`. Prints, for each command, the
best of N cold runs (`python -m storagectl ...` from the repository root) and the exit
code. Best, not median: on a shared machine the noise only ever adds time. To see where
the remaining time goes: `python -X importtime -m storagectl --help 2>&1 | sort -t'|' -k2n`.
"""

from __future__ import annotations

import argparse
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


def best_of(argv: tuple[str, ...], repeat: int) -> tuple[float, int]:
    """(best wall seconds, exit code) of `repeat` cold runs of `storagectl argv`."""
    best, code = float("inf"), 0
    for _ in range(repeat):
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
        code = done.returncode
    return best, code


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'command':36} {'best s':>8} {'exit':>5}")
    for argv in COMMANDS:
        seconds, code = best_of(argv, args.repeat)
        print(f"{'storagectl ' + ' '.join(argv):36} {seconds:8.3f} {code:5d}")


if __name__ == "__main__":
    main()
