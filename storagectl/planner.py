"""Plan one stack: read its config, check its spec, run the program offline, build the plan."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

from stackspec import build_spec, read_stack_file

from .engine import ProgramError, project_name, run_program
from .plan import build_plan, plan_redactor, redact_plan, secret_plaintexts, summarize
from .policy.evaluate import PolicyConfigError, config_for_stack, evaluate_plan
from .sources import resource_sources

OUR_PROJECT = "backend-storage"


def plan_stack(
    program_dir: Path,
    stack: str,
    config_file: Path,
    preview: bool = False,
    notify: Any = None,
    policy_config: Path | None = None,
) -> dict[str, Any]:
    """The plan document of `stack`; raises SpecError or ProgramError on bad input.

    `policy_config` is a CrossGuard pack config file; default: our stacks use
    `policies/config/<stack>.json`, other programs the pack's defaults.
    """
    source = read_stack_file(config_file)
    if source.secret_keys and notify is not None:
        keys = ", ".join(sorted(source.secret_keys))
        notify(
            f"note: {source.display}: {len(source.secret_keys)} secure value(s) ({keys}) cannot be "
            "decrypted offline; the plan uses secret placeholders for them"
        )
    project = project_name(program_dir)
    spec = None
    if project == OUR_PROJECT:
        # Our own program: validate the spec first, so errors carry file:line and key path.
        spec = build_spec(source.config, project, stack, source)
    try:
        run = run_program(program_dir, stack, source.config, source.secret_keys, preview)
    except ProgramError:
        raise
    except Exception as exc:
        raise ProgramError(_program_failure(program_dir, exc)) from None
    sources = resource_sources(run.registrations, spec, source) if spec is not None else {}
    document = build_plan(run, source.config, source.secret_keys, sources)
    redactor = plan_redactor(document, secret_plaintexts(run))
    if notify is not None:
        for line in run.log:
            if line.startswith(("warning:", "error:")):
                notify(redactor.text(f"program {line}"))
    # Our stacks are judged with their environment's pack config; any other program with
    # the pack's defaults (every rule advisory), as `pulumi preview --policy-pack` would,
    # unless a config file is named.
    pack_config = policy_config
    if pack_config is None and project == OUR_PROJECT:
        pack_config = config_for_stack(stack)
    try:
        violations = evaluate_plan(document, pack_config)
    except PolicyConfigError as exc:
        raise ProgramError(str(exc)) from None
    document["violations"] = violations
    document["summary"] = summarize(document["resources"], violations)
    # Redacted only now: the pack judged the values it needs (storagectl/redact.py).
    return redact_plan(document, redactor)


def _program_failure(program_dir: Path, exc: BaseException) -> str:
    """`file:line: Type: message` of the innermost frame inside the program, no traceback."""
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(str(program_dir.resolve())):
            where = f"{frame.filename}:{frame.lineno}: "
    return f"{where}the program failed: {type(exc).__name__}: {exc}"


def eprint(message: str) -> None:
    """Print to stderr."""
    print(message, file=sys.stderr)
