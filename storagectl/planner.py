"""Plan one stack: read its config, check its spec, run the program offline, build the plan."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from stackspec import StackFile, build_spec, read_stack_file
from stackspec.source import display_name

from .engine import Limits, ProgramError, describe_failure, project_name, run_isolated
from .plan import build_plan, plan_redactor, redact_plan, secret_plaintexts, summarize
from .policy.evaluate import PolicyConfigError, config_for_stack, evaluate_plan
from .redact import Redactor
from .sources import resource_sources

OUR_PROJECT = "backend-storage"


def plan_stack(
    program_dir: Path,
    stack: str,
    config_file: Path,
    preview: bool = False,
    notify: Any = None,
    policy_config: Path | None = None,
    limits: Limits | None = None,
    missing_ok: bool = False,
) -> dict[str, Any]:
    """The plan document of `stack`; raises SpecError or ProgramError on bad input.

    `policy_config` is a CrossGuard pack config file; default: our stacks use
    `policies/config/<stack>.json`, other programs the pack's defaults. The program runs
    in a child process within `limits` (`engine.isolation`); what it prints goes to
    `notify` as program output. With `missing_ok`, a stack without its config file is
    planned with empty config, as the Pulumi CLI does.
    """
    source = _stack_source(config_file, stack, missing_ok, notify)
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
    redactor = Redactor()
    redactor.collect(source.config)
    try:
        run = run_isolated(
            program_dir,
            stack,
            source.config,
            source.secret_keys,
            preview,
            limits,
            show_output=(lambda line: notify(redactor.text(line))) if notify else None,
        )
    except ProgramError as exc:
        raise ProgramError(redactor.text(str(exc))) from None
    except Exception as exc:
        raise ProgramError(redactor.text(describe_failure(program_dir, exc))) from None
    sources = resource_sources(run.registrations, spec, source) if spec is not None else {}
    document = build_plan(run, source.config, source.secret_keys, sources)
    redactor = plan_redactor(document, secret_plaintexts(run), redactor=redactor)
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


def _stack_source(config_file: Path, stack: str, missing_ok: bool, notify: Any) -> StackFile:
    """The stack file; with `missing_ok`, empty config when it does not exist.

    The Pulumi CLI loads a missing stack config file as empty config
    (pulumi/pulumi sdk/go/common/workspace/loaders.go, `projectStackLoader.load`:
    `os.IsNotExist` → `ProjectStack{Config: make(config.Map)}`).
    """
    if missing_ok and not config_file.exists():
        shown = display_name(config_file)
        if notify is not None:
            notify(
                f"note: {shown}: no such file; planning stack {stack!r} with empty config, "
                "as the Pulumi CLI does for a stack without a config file"
            )
        return StackFile(config_file, shown, {})
    return read_stack_file(config_file)


def eprint(message: str) -> None:
    """Print to stderr."""
    print(message, file=sys.stderr)
