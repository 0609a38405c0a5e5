"""`storagectl apply ENV`: the offline plan as a gate, `pulumi preview`/`up`, then `verify`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from storagectl.commands.console import eprint
from storagectl.commands.options import PolicyConfigOption
from storagectl.deploy.automation import DeployError, DeployRequest, EngineMissing, run
from storagectl.deploy.targets import LimitError, resolve_limits
from storagectl.workspace import find_program, stack_file

EXIT_VIOLATIONS, EXIT_INVALID, EXIT_ENGINE = 1, 2, 3


def apply(
    env: Annotated[str, typer.Argument(help="Stack name, e.g. prod.")],
    check: Annotated[
        bool, typer.Option("--check", help="Check mode: `pulumi preview`, change nothing.")
    ] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Show property-level diffs.")] = False,
    limit: Annotated[
        list[str] | None,
        typer.Option(
            help="Only these resources (and their dependents): a stack-file key such as "
            "databases.orders, a resource name or a URN. Repeatable."
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Apply without asking.")] = False,
    skip_verify: Annotated[
        bool,
        typer.Option(
            "--skip-verify", help="Do not run `storagectl verify` after a successful update."
        ),
    ] = False,
    verify_option: Annotated[
        list[str] | None,
        typer.Option(
            "--verify-option",
            help="An option handed to the post-deploy `storagectl verify` (e.g. "
            "--verify-option=--ca-bundle=global-bundle.pem). Repeatable.",
        ),
    ] = None,
    config_file: Annotated[
        Path | None, typer.Option(help="Stack config file for the gate (default: the stack's).")
    ] = None,
    policy_config: PolicyConfigOption = None,
) -> None:
    """Deploy one stack with the Pulumi CLI, after the offline plan passes the policy pack.

    After a successful update, the post-deploy checks run on the stack's new outputs, like
    an Ansible handler (`--skip-verify` to leave them out).

    Exit 0 done, 1 mandatory violations (nothing deployed) or post-deploy checks failed,
    2 invalid input or no usable Pulumi CLI, 3 the engine failed.
    """
    # The plan gate needs the engine, the spec models and the pack (pulumi): loaded on use.
    from stackspec import SpecError
    from storagectl.engine import ProgramError
    from storagectl.planner import plan_stack
    from storagectl.policy.evaluate import PACK_DIR, config_for_stack
    from storagectl.report.problems import problem_lines, stack_redactor

    path: Path | None = None
    try:
        program_dir = find_program()
        path = config_file or stack_file(program_dir, env)
        plan = plan_stack(program_dir, env, path, notify=eprint, policy_config=policy_config)
        targets = resolve_limits(plan, limit or [])
    except SpecError as exc:
        _exit(EXIT_INVALID, *problem_lines(exc.problems, stack_redactor(path)))
    except (ProgramError, LimitError) as exc:
        _exit(EXIT_INVALID, f"error: {exc}")
    mandatory = [v for v in plan["violations"] if v["enforcement"] == "mandatory"]
    if mandatory:
        _exit(
            EXIT_VIOLATIONS,
            *(f"[mandatory] {v['policy']}: {v['message']}" for v in mandatory),
            f"refusing to deploy {env}: {len(mandatory)} mandatory policy violation(s); "
            f"see `storagectl plan {env}`",
        )
    if not check and not yes:
        _exit(EXIT_INVALID, f"error: apply {env} changes cloud resources: pass --yes, or --check")
    request = DeployRequest(
        program_dir=program_dir,
        stack=env,
        policy_pack=PACK_DIR,
        policy_config=policy_config or config_for_stack(env),
        targets=tuple(targets),
        check=check,
        diff=diff,
    )
    try:
        result = run(request, on_output=lambda line: typer.echo(line, nl=False))
    except EngineMissing as exc:
        _exit(EXIT_INVALID, f"error: {exc}")
    except DeployError as exc:
        _exit(EXIT_ENGINE, f"error: {exc}")
    typer.echo(result.summary)
    if check or skip_verify:
        eprint("post-deploy checks: not run (" + ("--check" if check else "--skip-verify") + ")")
        return
    code = run_verify_handler(env, result.outputs, verify_option or [])
    if code != 0:
        _exit(
            EXIT_VIOLATIONS,
            f"deployed {env}, but the post-deploy checks failed (storagectl verify exit {code})",
        )


def run_verify_handler(env: str, outputs: dict[str, Any], options: list[str]) -> int:
    """Run `storagectl verify ENV` on `outputs`; its report goes to our stdout/stderr.

    The outputs hold plaintext secrets (the master secret ARNs are not secret, but a
    program's own secret outputs may be): they go to a file only this user can read, in a
    directory removed right after, and never through argv or the environment.
    """
    with tempfile.TemporaryDirectory(prefix="storagectl-apply-") as folder:
        path = Path(folder) / "outputs.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(outputs, handle)
        eprint(f"post-deploy checks: storagectl verify {env} (the stack's new outputs)")
        done = subprocess.run(
            [sys.executable, "-m", "storagectl", "verify", env, "--outputs", str(path), *options],
            check=False,
            stdin=subprocess.DEVNULL,
        )
    return done.returncode


def _exit(code: int, *lines: str) -> NoReturn:
    for line in lines:
        eprint(line)
    raise typer.Exit(code)
