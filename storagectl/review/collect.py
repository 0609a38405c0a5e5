"""Plan every environment of one tree, each in its own `storagectl plan` process.

Each side is planned by the driver *of that tree* (`python -m storagectl` with the tree as
working directory puts it first on `sys.path`), so the base is judged by the program,
components and policy pack it had at REF, as CI would have judged it then. Separate
processes also keep the two trees' same-named modules (`components`, `stackspec`) apart.

Every plan is bounded here, whatever driver the tree has: each runs in its own process
group and is stopped (SIGTERM, then SIGKILL) at its time limit, at the review's deadline,
or when the review is interrupted. A driver that knows `--timeout` also gets it (through
`STORAGECTL_PLAN_TIMEOUT`, which an older driver ignores) and stops its program itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PARALLEL_PLANS = 2
"""Plans run at a time: each is CPU-bound and loads the whole AWS SDK."""
PLAN_OVERHEAD_S = 60.0
"""Time a plan process needs besides its program: imports, spec, policy, rendering."""
_STOP_GRACE_S = 3.0

_EXIT_OK, _EXIT_VIOLATIONS = 0, 1


@dataclass(frozen=True)
class PlanResult:
    """One environment planned on one side: its plan document, or why there is none."""

    env: str
    document: dict[str, Any] | None
    error: str | None = None


class PlanRunner:
    """Runs plan processes within a per-plan timeout and a deadline; can stop them all."""

    def __init__(self, timeout_s: float, deadline: float) -> None:
        self.timeout_s = timeout_s
        self.deadline = deadline  # time.monotonic() value
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self._cancelled = False

    def plan(self, program_dir: Path, env: str) -> PlanResult:
        """`storagectl plan ENV --format json` run in `program_dir`, within the bounds."""
        limit = min(self.timeout_s + PLAN_OVERHEAD_S, self.deadline - time.monotonic())
        if limit <= 0:
            return PlanResult(env, None, "not planned: the review's --deadline had passed")
        environment = {**os.environ, "STORAGECTL_PLAN_TIMEOUT": f"{self.timeout_s:g}"}
        with self._lock:
            if self._cancelled:
                return PlanResult(env, None, "not planned: the review was interrupted")
            process = subprocess.Popen(
                [sys.executable, "-m", "storagectl", "plan", env, "--format", "json"],
                cwd=program_dir,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=environment,
                start_new_session=True,  # its own process group: stopped as a whole
            )
            self._running.add(process)
        try:
            stdout, stderr = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _stop(process)
            process.communicate()
            bound = "--deadline" if limit < self.timeout_s + PLAN_OVERHEAD_S else "--timeout"
            return PlanResult(env, None, f"plan did not finish within {limit:.0f} s ({bound})")
        finally:
            with self._lock:
                self._running.discard(process)
        if self._cancelled:
            return PlanResult(env, None, "stopped: the review was interrupted")
        if process.returncode in (_EXIT_OK, _EXIT_VIOLATIONS):
            try:
                return PlanResult(env, json.loads(stdout))
            except ValueError:
                return PlanResult(env, None, "plan printed no JSON document")
        return PlanResult(env, None, _error_text(stderr, process.returncode))

    def cancel(self) -> None:
        """Start no more plans and stop the running ones (their process groups)."""
        with self._lock:
            self._cancelled = True
            running = list(self._running)
        for process in running:
            _stop(process)


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM to the plan's group (a driver with isolation stops its program), then KILL."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=_STOP_GRACE_S)
    # The program's own group (a driver with isolation) ends with its driver (it is killed
    # by the kernel when its parent dies); the plan's group may still hold stragglers.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _error_text(stderr: str, code: int) -> str:
    """What the plan said was wrong; for a crash, the exception line, not the traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    if any(line.startswith("Traceback") for line in lines):
        return f"plan crashed (exit {code}): {lines[-1].strip()}"
    # `plan` explains invalid input in `file:line: key: problem` lines; notes and what the
    # program printed are not errors.
    problems = [line for line in lines if not line.startswith(("note:", "program|"))]
    return "\n".join(problems) or f"plan failed with exit code {code} and no message"


def plan_all(jobs: Iterable[tuple[Path, str]], runner: PlanRunner) -> list[PlanResult]:
    """Plan each (program_dir, env), `PARALLEL_PLANS` at a time, results in job order.

    Interrupted (SIGTERM/SIGINT raised in this thread), the running plans are stopped
    before the exception leaves, so no plan outlives the review.
    """
    work = list(jobs)
    pool = ThreadPoolExecutor(max_workers=PARALLEL_PLANS)
    try:
        futures = [pool.submit(runner.plan, *job) for job in work]
        return [future.result() for future in futures]
    except BaseException:
        runner.cancel()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
