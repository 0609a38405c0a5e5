"""Plan every environment of one tree, each in its own `storagectl plan` process.

Each side is planned by the driver *of that tree* (`python -m storagectl` with the tree as
working directory puts it first on `sys.path`), so the base is judged by the program,
components and policy pack it had at REF, as CI would have judged it then. Separate
processes also keep the two trees' same-named modules (`components`, `stackspec`) apart.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PARALLEL_PLANS = 2
"""Plans run at a time: each is CPU-bound and loads the whole AWS SDK."""
PLAN_TIMEOUT_S = 600.0

_EXIT_OK, _EXIT_VIOLATIONS = 0, 1


@dataclass(frozen=True)
class PlanResult:
    """One environment planned on one side: its plan document, or why there is none."""

    env: str
    document: dict[str, Any] | None
    error: str | None = None


def plan_environment(program_dir: Path, env: str) -> PlanResult:
    """`storagectl plan ENV --format json` run in `program_dir`."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "storagectl", "plan", env, "--format", "json"],
            cwd=program_dir,
            capture_output=True,
            text=True,
            timeout=PLAN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return PlanResult(env, None, f"plan did not finish within {PLAN_TIMEOUT_S:.0f} s")
    if done.returncode in (_EXIT_OK, _EXIT_VIOLATIONS):
        try:
            return PlanResult(env, json.loads(done.stdout))
        except ValueError:
            return PlanResult(env, None, "plan printed no JSON document")
    return PlanResult(env, None, _error_text(done.stderr, done.returncode))


def _error_text(stderr: str, code: int) -> str:
    """What the plan said was wrong; for a crash, the exception line, not the traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    if any(line.startswith("Traceback") for line in lines):
        return f"plan crashed (exit {code}): {lines[-1].strip()}"
    # `plan` explains invalid input in `file:line: key: problem` lines; notes are not errors.
    problems = [line for line in lines if not line.startswith("note:")]
    return "\n".join(problems) or f"plan failed with exit code {code} and no message"


def plan_all(jobs: Iterable[tuple[Path, str]]) -> list[PlanResult]:
    """Plan each (program_dir, env), `PARALLEL_PLANS` at a time, results in job order."""
    work = list(jobs)
    with ThreadPoolExecutor(max_workers=PARALLEL_PLANS) as pool:
        return list(pool.map(lambda job: plan_environment(*job), work))
