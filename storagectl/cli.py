"""`storagectl`: validate, plan, review, apply, verify — Ansible-style, over Pulumi programs."""

from __future__ import annotations

import contextlib
import gc
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from .commands.apply import apply
from .commands.audit import audit
from .commands.console import eprint
from .commands.destroy import destroy
from .commands.doctor import doctor
from .commands.drift import drift
from .commands.errors import program_error
from .commands.options import DEFAULT_TIMEOUT_S, PolicyConfigOption
from .commands.review import review
from .commands.verify import verify
from .workspace import find_program, stack_file, stack_path, stacks

# Everything heavy (the spec models, the engine and the Pulumi SDK, the policy pack, the
# renderers) is imported inside the command that uses it: `storagectl --help` and the
# commands that need none of it start in a fraction of the time (benchmarks/startup.py).

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Offline plans, policy review and post-deploy checks for the storage tier.",
)

EXIT_OK, EXIT_VIOLATIONS, EXIT_INVALID = 0, 1, 2


class PlanFormat(StrEnum):
    """Output forms of `plan`."""

    table = "table"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


def _fail(problems: list[str]) -> typer.Exit:
    for line in problems:
        eprint(line)
    return typer.Exit(EXIT_INVALID)


@app.command()
def validate(
    targets: Annotated[
        list[str] | None, typer.Argument(help="Stack names (dev) or stack files; default: all.")
    ] = None,
) -> None:
    """Validate stack files: exit 0 when valid, 2 with `file:line: key: problem` lines when not.

    The policy config each named stack is judged with (policies/config/ENV.json) is
    validated too, against the pack's rules.
    """
    # The spec models (pydantic, jinja2) are validate's own cost, not every command's.
    from stackspec import SpecError, load_stack_file

    try:
        program = find_program()
    except program_error() as exc:
        raise _fail([f"error: {exc}"]) from None
    names = targets or stacks(program)
    problems: list[str] = []
    for target in names:
        path: Path | None = None
        try:
            path = (
                Path(target) if target.endswith((".yaml", ".yml")) else stack_file(program, target)
            )
            spec = load_stack_file(path)
            print(
                f"{path}: valid ({spec.tier}, {len(spec.buckets)} buckets, "
                f"{len(spec.databases)} databases, {len(spec.caches)} caches, "
                f"{len(spec.tables)} tables, {len(spec.document_clusters)} document clusters, "
                f"{len(spec.applications)} applications)"
            )
        except SpecError as exc:
            problems += _problem_lines(exc.problems, path)
        except program_error() as exc:
            problems.append(_redacted(f"error: {exc}", path))
    problems += _policy_config_problems(names)
    if problems:
        raise _fail(problems)


def _problem_lines(problems: list[Any], path: Path | None) -> list[str]:
    """`file:line: key: problem` lines of a spec error, redacted as `plan` prints them."""
    # The report package imports the engine and rich: only a stack file with errors pays.
    from .report.problems import problem_lines, stack_redactor

    return problem_lines(problems, stack_redactor(path))


def _redacted(line: str, path: Path | None) -> str:
    """`line` with the secrets of the stack file at `path` masked."""
    from .report.problems import stack_redactor  # as in _problem_lines: the error path only

    return stack_redactor(path).text(line)


def _policy_config_problems(targets: list[str]) -> list[str]:
    """Problems of the shipped policy config of each stack in `targets`, as `plan` reads it."""
    # The policy module imports pulumi_policy (and so the Pulumi SDK): validate pays for it
    # here because the pack's rules are what a config is checked against.
    from stackspec.loader import stack_name

    from .policy.evaluate import PolicyConfigError, config_for_stack, load_pack, read_config

    problems: list[str] = []
    for target in targets:
        named = stack_name(Path(target)) if target.endswith((".yaml", ".yml")) else target
        config = config_for_stack(named)
        if config is None:
            continue
        try:
            read_config(config, load_pack().REGISTRY)
        except PolicyConfigError as exc:
            problems += exc.problems
    return problems


@app.command()
def plan(
    env: Annotated[str | None, typer.Argument(help="Stack name, e.g. dev.")] = None,
    fmt: Annotated[PlanFormat, typer.Option("--format", help="Output form.")] = PlanFormat.table,
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of stdout.")
    ] = None,
    preview: Annotated[
        bool, typer.Option(help="Leave computed outputs unknown, as `pulumi preview` does.")
    ] = False,
    program: Annotated[
        Path | None, typer.Option(help="Directory of any Pulumi Python program.")
    ] = None,
    stack: Annotated[str | None, typer.Option(help="Stack name (with --program).")] = None,
    config_file: Annotated[
        Path | None, typer.Option(help="Stack config file (default: the stack's own).")
    ] = None,
    policy_config: PolicyConfigOption = None,
    timeout: Annotated[
        float,
        typer.Option(
            help="Seconds the program may run before it is stopped (a failed program).",
            envvar="STORAGECTL_PLAN_TIMEOUT",
        ),
    ] = DEFAULT_TIMEOUT_S,
    all_stacks: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Plan every stack of the program, in parallel processes (one section each).",
        ),
    ] = False,
) -> None:
    """Check mode: run the program offline, review it against the policy pack, print the plan.

    The program runs in a child process within --timeout and a memory ceiling; what it
    prints is shown on stderr. A program that exits early, is stopped or fails is exit 2.

    With --all, every stack (stacks/Pulumi.<stack>.yaml) is planned, one per core at a time.

    Exit 0 without mandatory violations, 1 with, 2 on invalid input or a failed program.
    """
    if all_stacks:
        # Imported here: only `plan --all` pays for the parallel runner.
        from .plan_all import plan_all_command, usage_problem

        problem = usage_problem(env, program, stack, config_file)
        if problem is not None:
            raise _fail([problem])
        raise typer.Exit(plan_all_command(fmt.value, output, preview, policy_config, timeout))
    # The engine, the policy pack and the renderers import pulumi: only `plan` pays for them.
    from stackspec import SpecError

    from .engine import Limits, ProgramError, check_timeout, memory_limit_mb
    from .planner import plan_stack
    from .report import render
    from .report.problems import plan_failure_lines

    name = stack or env
    if name is None:
        raise _fail(
            ["error: name the stack: `storagectl plan dev` or `--program DIR --stack NAME`"]
        )
    path: Path | None = None
    try:
        limits = Limits(check_timeout(timeout), memory_limit_mb())
        program_dir = program.resolve() if program is not None else find_program()
        if program is not None and not (program_dir / "Pulumi.yaml").exists():
            raise ProgramError(
                f"{program_dir}: no Pulumi.yaml; --program takes a Pulumi project directory"
            )
        # `--program DIR --stack NAME` is any Pulumi program: a stack without a config file
        # has empty config there, as under the Pulumi CLI. Our own stacks must exist.
        missing_ok = program is not None and config_file is None
        if config_file is not None:
            path = config_file
        elif missing_ok:
            path = stack_path(program_dir, name)
        else:
            path = stack_file(program_dir, name)
        document = plan_stack(
            program_dir,
            name,
            path,
            preview,
            notify=eprint,
            policy_config=policy_config,
            limits=limits,
            missing_ok=missing_ok,
        )
    except (SpecError, ProgramError) as exc:
        raise _fail(plan_failure_lines(exc, path)) from None
    text = render(document, fmt.value)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        eprint(f"wrote {output}")
    else:
        sys.stdout.write(text)
    mandatory = document["summary"]["violations"]["mandatory"]
    raise typer.Exit(EXIT_VIOLATIONS if mandatory else EXIT_OK)


app.command()(review)
app.command()(verify)
app.command()(apply)
app.command()(destroy)
app.command()(drift)
app.command()(doctor)
app.command()(audit)


def main() -> None:
    """Console entry point."""
    try:
        app()
    finally:
        _skip_final_collection()


def _skip_final_collection() -> None:
    """Freeze every object: the interpreter's collections at exit then skip them.

    The command is done (typer exits through SystemExit, which passes here). After a
    plan the driver holds the SDKs and the plan (hundreds of thousands of tracked
    objects), and the exit's full collection walked them all: 0.7 s of a plan. Output is
    flushed first; what needs closing at exit is closed by atexit and weakref finalizers,
    which freezing does not stop.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    gc.freeze()
