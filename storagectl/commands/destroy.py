"""`storagectl destroy ENV`: a guarded `pulumi destroy`.

Destroying a stack deletes data. So: the destroy is always previewed first; protected
and retained resources are listed with how to release them (this command never removes
`protect` itself: releasing a protected database is a decision, made in the stack file
and reviewed); and a prod-tier stack is refused unless `--allow-prod` is given and the
stack's name is typed back at the prompt. `--yes` skips the ordinary confirmation only —
never the prod guard, so no CI job can destroy production by accident.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from storagectl.commands.console import eprint
from storagectl.deploy.automation import DeployError, EngineMissing
from storagectl.deploy.automation import destroy as engine_destroy
from storagectl.workspace import find_program, stack_file

EXIT_OK, EXIT_REFUSED, EXIT_INVALID, EXIT_ENGINE = 0, 1, 2, 3


def destroy(
    env: Annotated[str, typer.Argument(help="Stack name, e.g. dev.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask (never bypasses the prod guard).")
    ] = False,
    allow_prod: Annotated[
        bool,
        typer.Option(
            "--allow-prod", help="Allow a prod-tier stack (the name must still be typed)."
        ),
    ] = False,
    preview_only: Annotated[
        bool, typer.Option("--preview-only", help="Only preview the destroy.")
    ] = False,
    config_file: Annotated[
        Path | None, typer.Option(help="Stack config file (default: the stack's own).")
    ] = None,
) -> None:
    """Preview, then destroy every resource of a stack; refuses prod without --allow-prod.

    Exit 0 destroyed (or previewed), 1 refused, 2 invalid input or no usable Pulumi CLI,
    3 the engine failed.
    """
    # The spec models and the plan (engine, pulumi) are loaded when destroy runs.
    from stackspec import SpecError, load_stack_file
    from storagectl.engine import ProgramError
    from storagectl.planner import plan_stack
    from storagectl.report.problems import problem_lines, stack_redactor

    path: Path | None = None
    try:
        program_dir = find_program()
        path = config_file or stack_file(program_dir, env)
        tier = load_stack_file(path).tier
        # Refused before the plan: no program runs for a destroy that will not happen.
        if tier == "prod" and not allow_prod and not preview_only:
            _exit(
                EXIT_REFUSED,
                f"refusing to destroy {env}: it is a prod-tier stack; pass --allow-prod and "
                "type the stack name when asked (--yes does not bypass this)",
            )
        plan = plan_stack(program_dir, env, path, notify=eprint)
    except SpecError as exc:
        # The same redacted error lines as `apply` and `plan` (a problem may quote a value).
        _exit(EXIT_INVALID, *problem_lines(exc.problems, stack_redactor(path)))
    except ProgramError as exc:
        _exit(EXIT_INVALID, stack_redactor(path).text(f"error: {exc}"))
    for line in release_notes(plan):
        eprint(line)
    try:
        preview = engine_destroy(program_dir, env, True, on_output=_echo)
    except EngineMissing as exc:
        _exit(EXIT_INVALID, f"error: {exc}")
    except DeployError as exc:
        _exit(EXIT_ENGINE, f"error: {exc}")
    typer.echo(preview.summary)
    if preview_only:
        return
    if tier == "prod" or not yes:
        _confirm_typed(env)
    try:
        result = engine_destroy(program_dir, env, False, on_output=_echo)
    except DeployError as exc:
        _exit(EXIT_ENGINE, f"error: {exc}")
    typer.echo(result.summary)


def release_notes(plan: dict[str, Any]) -> list[str]:
    """Lines naming the protected and retained resources, and how to release each kind."""
    protected = [r for r in plan["resources"] if r.get("protect")]
    retained = [r for r in plan["resources"] if r.get("retain_on_delete")]
    lines: list[str] = []
    if protected:
        lines.append(
            f"{len(protected)} protected resource(s) will stop the destroy until released: set "
            "`protect: false` for their tier in the stack file (backend-storage:defaults) and "
            "`pulumi up`, or `pulumi state unprotect <urn>`; this command never does it for you:"
        )
        lines += [f"  protected: {r['urn']}" for r in protected]
    if retained:
        lines.append(
            f"{len(retained)} resource(s) are retained on delete: Pulumi forgets them but they "
            "stay in the AWS account (delete them there if that is meant):"
        )
        lines += [f"  retained: {r['urn']}" for r in retained]
    return lines


def _confirm_typed(env: str) -> None:
    # No terminal (CI, /dev/null) reads as an empty answer: refused.
    eprint(f"type the stack name ({env}) to destroy every resource of it:")
    try:
        answer = sys.stdin.readline(256).strip()
    except (OSError, ValueError, UnicodeDecodeError):
        answer = ""
    if answer != env:
        _exit(EXIT_REFUSED, f"refusing to destroy {env}: the name typed did not match")


def _echo(line: str) -> None:
    typer.echo(line, nl=False)


def _exit(code: int, *lines: str) -> NoReturn:
    for line in lines:
        eprint(line)
    raise typer.Exit(code)
