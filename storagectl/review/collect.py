"""Plan the environments of both sides of a review, each side with its own tree's driver.

Each side is planned by the driver *of that tree* (`python -m storagectl` with the tree as
working directory puts it first on `sys.path`), so the base is judged by the program,
components and policy pack it had at REF, as CI would have judged it then. Separate
processes also keep the two trees' same-named modules (`components`, `stackspec`) apart.

A side that plans every environment it has runs one `storagectl plan --all --format json`
process: that driver imports the SDKs once and plans its stacks in parallel
(storagectl/plan_all.py). A side planning some environments (`--env`), or whose driver
predates `--all`, runs one `storagectl plan ENV --format json` per environment. Both sides
run at once, through the same runner as `plan --all` (storagectl/parallel.py).

Every plan is bounded here, whatever driver the tree has: each process runs in its own
process group and is stopped (SIGTERM, then SIGKILL) at its time limit, at the review's
deadline, or when the review is interrupted. A driver that knows `--timeout` also gets it
(through `STORAGECTL_PLAN_TIMEOUT`, which an older driver ignores) and stops its program
itself.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..parallel import PLAN_OVERHEAD_S, Job, Outcome, command_job, run_jobs, workers
from ..progress import PROGRESS_ENV, PlanProgress

PARALLEL_PLANS = 2
"""Plans the default review deadline assumes run at a time (a 2-core CI runner)."""

_EXIT_OK, _EXIT_VIOLATIONS, _EXIT_INVALID = 0, 1, 2


@dataclass(frozen=True)
class PlanResult:
    """One environment planned on one side: its plan document, or why there is none."""

    env: str
    document: dict[str, Any] | None
    error: str | None = None


@dataclass(frozen=True)
class Side:
    """One tree of a review: its label (`base`, `head`), where it is, what to plan there."""

    label: str
    program_dir: Path
    envs: list[str]
    every_env: bool
    """Whether `envs` are all the stacks the tree has (then one `plan --all` plans them)."""


def plan_sides(
    sides: Sequence[Side], timeout_s: float, deadline: float
) -> dict[tuple[str, str], PlanResult]:
    """Plan each side's environments within the bounds; results keyed by (label, env).

    `deadline` is a time.monotonic() value. Interrupted (SIGTERM/SIGINT raised in this
    thread), the running plans are stopped before the exception leaves.
    """
    results: dict[tuple[str, str], PlanResult] = {}
    together = [s for s in sides if s.every_env and len(s.envs) > 1]
    alone = [s for s in sides if s not in together]
    jobs = [_all_job(s, timeout_s) for s in together]
    jobs += [_env_job(s, env, timeout_s) for s in alone for env in s.envs]
    older: list[Side] = []
    for outcome in _run(jobs, deadline):
        label, _, env = outcome.name.partition(" ")
        side = next(s for s in sides if s.label == label)
        if env:
            results[(label, env)] = _env_result(env, outcome, timeout_s)
        elif _knows_no_all(outcome):
            older.append(side)
        else:
            results.update(
                {(label, e): r for e, r in _all_results(side, outcome, timeout_s).items()}
            )
    if older:
        # A driver from before `plan --all` (an older base): one plan per environment.
        retry = [_env_job(s, env, timeout_s) for s in older for env in s.envs]
        for outcome in _run(retry, deadline):
            label, _, env = outcome.name.partition(" ")
            results[(label, env)] = _env_result(env, outcome, timeout_s)
    return results


def _run(jobs: list[Job], deadline: float) -> list[Outcome]:
    progress = PlanProgress([job.name for job in jobs])
    try:
        return run_jobs(jobs, deadline=deadline, progress=progress)
    finally:
        progress.close()


def _environment(timeout_s: float) -> dict[str, str]:
    # The review shows the only progress display; the plans' stderr is read, not shown.
    return {
        **os.environ,
        "STORAGECTL_PLAN_TIMEOUT": f"{timeout_s:g}",
        PROGRESS_ENV: "never",
    }


def _env_job(side: Side, env: str, timeout_s: float) -> Job:
    return command_job(
        f"{side.label} {env}",
        [sys.executable, "-m", "storagectl", "plan", env, "--format", "json"],
        side.program_dir,
        _environment(timeout_s),
        limit_s=timeout_s + PLAN_OVERHEAD_S,
    )


def _all_job(side: Side, timeout_s: float) -> Job:
    return command_job(
        side.label,
        [sys.executable, "-m", "storagectl", "plan", "--all", "--format", "json"],
        side.program_dir,
        _environment(timeout_s),
        limit_s=_all_limit(side, timeout_s),
    )


def _all_limit(side: Side, timeout_s: float) -> float:
    # The driver bounds each of its stacks by --timeout + PLAN_OVERHEAD_S and plans them
    # one per core: its own bound is that many rounds, plus its start.
    rounds = math.ceil(len(side.envs) / workers())
    return rounds * (timeout_s + PLAN_OVERHEAD_S) + PLAN_OVERHEAD_S


def _stopped_error(outcome: Outcome, limit_s: float) -> str:
    if outcome.stopped == "not started":
        return "not planned: the review's --deadline had passed"
    if outcome.stopped == "deadline":
        return "plan did not finish within the review's --deadline; it was stopped"
    return f"plan did not finish within {limit_s:.0f} s (--timeout)"


def _env_result(env: str, outcome: Outcome, timeout_s: float) -> PlanResult:
    if outcome.stopped is not None:
        return PlanResult(env, None, _stopped_error(outcome, timeout_s + PLAN_OVERHEAD_S))
    stdout = outcome.result.decode("utf-8", errors="replace")
    if outcome.returncode in (_EXIT_OK, _EXIT_VIOLATIONS):
        try:
            return PlanResult(env, json.loads(stdout))
        except ValueError:
            return PlanResult(env, None, "plan printed no JSON document")
    stderr = outcome.messages.decode("utf-8", errors="replace")
    return PlanResult(env, None, _error_text(stderr, outcome.returncode or 0))


def _knows_no_all(outcome: Outcome) -> bool:
    """Whether a `plan --all` process was refused by a driver without that option."""
    return outcome.returncode == _EXIT_INVALID and b"No such option: --all" in outcome.messages


def _all_results(side: Side, outcome: Outcome, timeout_s: float) -> dict[str, PlanResult]:
    """Each environment of a side's `plan --all` (storagectl/plan_all.py's JSON document)."""
    if outcome.stopped is not None:
        error = _stopped_error(outcome, _all_limit(side, timeout_s))
        return {env: PlanResult(env, None, error) for env in side.envs}
    document: Any = None
    if outcome.returncode in (_EXIT_OK, _EXIT_VIOLATIONS, _EXIT_INVALID):
        try:
            document = json.loads(outcome.result.decode("utf-8", errors="replace"))
        except ValueError:
            document = None
    if not isinstance(document, dict) or not isinstance(document.get("stacks"), dict):
        stderr = outcome.messages.decode("utf-8", errors="replace")
        error = _error_text(stderr, outcome.returncode or 0)
        return {env: PlanResult(env, None, error) for env in side.envs}
    planned, errors = document["stacks"], document.get("errors") or {}
    results = {}
    for env in side.envs:
        if env in planned:
            results[env] = PlanResult(env, planned[env])
        elif env in errors:
            results[env] = PlanResult(env, None, "\n".join(errors[env]))
        else:
            results[env] = PlanResult(env, None, "not planned by `storagectl plan --all`")
    return results


def _error_text(stderr: str, code: int) -> str:
    """What the plan said was wrong; for a crash, the exception line, not the traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    if any(line.startswith("Traceback") for line in lines):
        return f"plan crashed (exit {code}): {lines[-1].strip()}"
    # `plan` explains invalid input in `file:line: key: problem` lines; notes and what the
    # program printed are not errors.
    problems = [line for line in lines if not line.startswith(("note:", "program|"))]
    return "\n".join(problems) or f"plan failed with exit code {code} and no message"
