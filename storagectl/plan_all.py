"""`storagectl plan --all`: every stack of the program, planned in parallel processes.

The driver warms up once (the Pulumi SDK, the provider modules the program's source names,
the policy pack), then forks one worker per stack, at most one per core
(storagectl/parallel.py). Each worker plans its stack exactly as `storagectl plan NAME`
does (`plan_stack`: the program in its own isolated child, within --timeout and the memory
ceiling) and sends back the rendered plan, or the lines that say why there is none. The
driver prints one section per stack, in stack order; a stack that fails never hides the
others.

Output (`--format json`)::

    {"stacks": {"dev": <plan dev --format json>, ...},      # planned stacks, stack order
     "errors": {"staging": ["<file>:<line>: <key>: ..."]},  # stacks that could not be
     "summary": {"stacks": 3, "planned": 2, "failed": 1,    #   planned: why (as `plan
                 "violations": {"mandatory": 0, "advisory": 44}}}   #   NAME` prints it)

SARIF: one log, one run per stack (its `automationDetails.id` is `storagectl/<stack>/`, so
code scanning keeps the stacks apart); a stack that failed is a run with
`executionSuccessful: false` and its error lines as notifications.

Exit 2 when any stack could not be planned, else 1 when any has a mandatory violation,
else 0.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from stackspec import SpecError, read_stack_file

from .engine import Limits, ProgramError, check_timeout, memory_limit_mb
from .engine.isolation import preload
from .parallel import PLAN_OVERHEAD_S, Interrupted, Outcome, fork_job, run_jobs, signals_raise
from .planner import eprint, plan_stack
from .program_imports import sdk_modules
from .progress import PlanProgress
from .report.problems import plan_failure_lines
from .workspace import find_program, stack_file, stacks

EXIT_OK, EXIT_VIOLATIONS, EXIT_INVALID = 0, 1, 2


@dataclass(frozen=True)
class StackResult:
    """One stack of `plan --all`: its rendered plan, or the lines that say why there is none."""

    name: str
    text: str | None
    violations: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    """What the plan printed on stderr besides (notes, the program's output)."""


def usage_problem(
    env: str | None, program: Path | None, stack: str | None, config_file: Path | None
) -> str | None:
    """The usage error of `plan --all` with a single-stack argument, or None."""
    given = [
        label
        for label, value in (
            (f"ENV {env!r}", env),
            ("--program", program),
            ("--stack", stack),
            ("--config-file", config_file),
        )
        if value is not None
    ]
    if not given:
        return None
    return (
        f"error: plan --all: remove {', '.join(given)}; --all plans every stack file of the "
        "program (stacks/Pulumi.<stack>.yaml) and takes no ENV, --program, --stack or "
        "--config-file"
    )


def plan_all_command(
    fmt: str,
    output: Path | None,
    preview: bool,
    policy_config: Path | None,
    timeout: float,
) -> int:
    """`storagectl plan --all`: print every stack's plan; the exit code."""
    try:
        limits = Limits(check_timeout(timeout), memory_limit_mb())
        program_dir = find_program()
    except ProgramError as exc:
        eprint(f"error: {exc}")
        return EXIT_INVALID
    names = stacks(program_dir)
    if not names:
        eprint(f"error: {program_dir}: no stack files (Pulumi.<stack>.yaml) to plan")
        return EXIT_INVALID
    try:
        with signals_raise():
            results = plan_stacks(program_dir, names, fmt, preview, policy_config, limits)
    except Interrupted as stop:
        eprint(f"plan --all stopped by {stop}; its plans were stopped")
        return 128 + stop.signum
    for result in results:
        for line in [*result.messages, *result.problems]:
            eprint(f"[{result.name}] {line}")
    text = render_all(results, fmt)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        eprint(f"wrote {output}")
    else:
        sys.stdout.write(text)
    return exit_code(results)


def plan_stacks(
    program_dir: Path,
    names: list[str],
    fmt: str,
    preview: bool = False,
    policy_config: Path | None = None,
    limits: Limits | None = None,
) -> list[StackResult]:
    """Plan each stack of `names` in its own worker process, rendered in `fmt`; stack order."""
    limits = limits or Limits(memory_mb=memory_limit_mb())
    warm_up(program_dir, names)
    jobs = [
        fork_job(
            name,
            partial(_plan_job, program_dir, name, fmt, preview, policy_config, limits),
            limit_s=limits.timeout_s + PLAN_OVERHEAD_S,
        )
        for name in names
    ]
    progress = PlanProgress(names)
    try:
        outcomes = run_jobs(jobs, progress=progress)
    finally:
        progress.close()
    return [_stack_result(outcome, limits) for outcome in outcomes]


def warm_up(program_dir: Path, names: Sequence[str] = ()) -> None:
    """Import, once, what every stack's plan needs, before the workers are forked.

    The provider SDK modules the program's source names (storagectl/program_imports.py),
    the policy pack and the renderers; the Pulumi SDK itself came with the planner. Each
    worker would otherwise import them again. Reading the first stack file also sets up
    what the loader builds on first use (0.14 s, its template sandbox among it), which
    every worker would otherwise build again; a file that does not load is reported by its
    own worker.
    """
    from .policy.evaluate import load_pack

    # Imports make hundreds of thousands of long-lived objects and almost no garbage: the
    # collector would only walk them again and again (the warm-up took 1.6-1.9 s with it,
    # 1.1-1.5 s without, best of four runs each on a shared 2-core machine).
    enabled = gc.isenabled()
    gc.disable()
    try:
        preload(sdk_modules(program_dir))
        load_pack()
        importlib.import_module("storagectl.report")
        if names:
            with contextlib.suppress(SpecError, ProgramError):
                read_stack_file(stack_file(program_dir, names[0]))
    finally:
        if enabled:
            gc.enable()


def _plan_job(
    program_dir: Path,
    name: str,
    fmt: str,
    preview: bool,
    policy_config: Path | None,
    limits: Limits,
) -> tuple[int, bytes]:
    """In a worker: `storagectl plan NAME --format FMT`: its exit code, and JSON for the driver
    (the rendered plan, or the lines that say why there is none)."""
    from .report import render

    path: Path | None = None
    try:
        path = stack_file(program_dir, name)
        document = plan_stack(
            program_dir,
            name,
            path,
            preview,
            notify=eprint,
            policy_config=policy_config,
            limits=limits,
        )
    except (SpecError, ProgramError) as exc:
        return EXIT_INVALID, json.dumps({"problems": plan_failure_lines(exc, path)}).encode("utf-8")
    violations = document["summary"]["violations"]
    reply = {"text": render(document, fmt), "violations": violations}
    status = EXIT_VIOLATIONS if violations["mandatory"] else EXIT_OK
    return status, json.dumps(reply).encode("utf-8")


def _stack_result(outcome: Outcome, limits: Limits) -> StackResult:
    name = outcome.name
    messages = outcome.messages.decode("utf-8", errors="replace").splitlines()
    if outcome.stopped is not None:
        bound = limits.timeout_s + PLAN_OVERHEAD_S
        problem = (
            f"error: the plan of stack {name!r} did not finish within {bound:g} s "
            f"(--timeout {limits.timeout_s:g} s for the program, {PLAN_OVERHEAD_S:g} s for "
            "the rest); it was stopped"
        )
        return StackResult(name, None, problems=[problem], messages=messages)
    reply: Any = None
    if outcome.returncode in (EXIT_OK, EXIT_VIOLATIONS, EXIT_INVALID):
        try:
            reply = json.loads(outcome.result.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            reply = None
    if isinstance(reply, dict) and isinstance(reply.get("text"), str):
        return StackResult(name, reply["text"], dict(reply["violations"]), messages=messages)
    if isinstance(reply, dict) and isinstance(reply.get("problems"), list):
        return StackResult(name, None, problems=reply["problems"], messages=messages)
    crash = [line for line in messages if line.startswith("crashed:")]
    problem = (
        f"error: the plan of stack {name!r} ended without a result (exit {outcome.returncode})"
    )
    if crash:
        problem += f": {crash[-1].removeprefix('crashed: ')}"
    rest = [line for line in messages if not line.startswith("crashed:")]
    return StackResult(name, None, problems=[problem], messages=rest)


# --- output ----------------------------------------------------------------------------


def exit_code(results: list[StackResult]) -> int:
    """2 when a stack could not be planned, else 1 with a mandatory violation, else 0."""
    if any(result.text is None for result in results):
        return EXIT_INVALID
    mandatory = sum(result.violations.get("mandatory", 0) for result in results)
    return EXIT_VIOLATIONS if mandatory else EXIT_OK


def summary(results: list[StackResult]) -> dict[str, Any]:
    """Counts over all stacks: stacks, planned, failed, violations by enforcement level."""
    planned = [result for result in results if result.text is not None]
    return {
        "stacks": len(results),
        "planned": len(planned),
        "failed": len(results) - len(planned),
        "violations": {
            level: sum(result.violations.get(level, 0) for result in planned)
            for level in ("mandatory", "advisory")
        },
    }


def render_all(results: list[StackResult], fmt: str) -> str:
    """All stacks in one output of `fmt`: one section (or JSON entry, or SARIF run) each."""
    if fmt == "json":
        return _json(results)
    if fmt == "sarif":
        return _sarif(results)
    if fmt == "markdown":
        return _markdown(results)
    return _table(results)


def _json(results: list[StackResult]) -> str:
    document = {
        "stacks": {r.name: json.loads(r.text) for r in results if r.text is not None},
        "errors": {r.name: r.problems for r in results if r.text is None},
        "summary": summary(results),
    }
    return json.dumps(document, indent=2) + "\n"


def _sarif(results: list[StackResult]) -> str:
    logs = {r.name: json.loads(r.text) for r in results if r.text is not None}
    first = next(iter(logs.values()), None)
    merged: dict[str, Any] = {
        key: value for key, value in (first or {}).items() if key not in ("runs",)
    }
    if first is None:
        merged = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0"}
    tool = (first or {}).get("runs", [{}])[0].get("tool", {"driver": {"name": "storagectl"}})
    runs: list[dict[str, Any]] = []
    for result in results:
        if result.text is not None:
            runs += logs[result.name].get("runs", [])
            continue
        runs.append(
            {
                "tool": tool,
                "automationDetails": {"id": f"storagectl/{result.name}/"},
                "invocations": [
                    {
                        "executionSuccessful": False,
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": line}}
                            for line in result.problems
                        ],
                    }
                ],
                "results": [],
            }
        )
    merged["runs"] = runs
    return json.dumps(merged, indent=2) + "\n"


def _markdown(results: list[StackResult]) -> str:
    sections = []
    for result in results:
        if result.text is not None:
            sections.append(result.text.rstrip("\n") + "\n")
            continue
        # The error lines are already redacted; a fence keeps them from being markup.
        body = "\n".join(result.problems).replace("```", "'''")
        sections.append(f"### `{result.name}`: not planned\n\n```text\n{body}\n```\n")
    return "\n".join(sections) + "\n" + _total_line(results) + "\n"


def _table(results: list[StackResult]) -> str:
    sections = []
    for result in results:
        if result.text is not None:
            sections.append(result.text.rstrip("\n") + "\n")
            continue
        lines = "\n".join(f"  {line}" for line in result.problems)
        sections.append(f"{result.name}: not planned\n{lines}\n")
    return "\n".join(sections) + "\n" + _total_line(results) + "\n"


def _total_line(results: list[StackResult]) -> str:
    counts = summary(results)
    violations = counts["violations"]
    stacks = f"{counts['stacks']} stack" + ("" if counts["stacks"] == 1 else "s")
    return (
        f"{stacks}: {counts['planned']} planned, {counts['failed']} failed; "
        f"violations: {violations['mandatory']} mandatory, {violations['advisory']} advisory"
    )
