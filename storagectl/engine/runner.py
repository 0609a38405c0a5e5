"""Run a Pulumi Python program in-process under the SDK's mock runtime and record it."""

from __future__ import annotations

import contextlib
import json
import logging
import runpy
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from .mocks import EngineMocks
from .recorder import RecordingMonitor, Registration

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


class ProgramError(Exception):
    """The program could not be run (missing files, or it raised): message for the user."""


@dataclass
class ProgramRun:
    """Everything one offline run of a program recorded."""

    project: str
    stack: str
    program: Path
    preview: bool
    registrations: list[Registration]
    stack_outputs: dict[str, Any]
    log: list[str] = field(default_factory=list)


def project_name(program_dir: Path) -> str:
    """The `name:` of the program's Pulumi.yaml."""
    project_file = program_dir / "Pulumi.yaml"
    if not project_file.exists():
        raise ProgramError(f"{project_file}: not found; a Pulumi program needs a Pulumi.yaml")
    try:
        data = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProgramError(f"{project_file}: not valid YAML ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise ProgramError(f"{project_file}: `name:` is required")
    return data["name"]


def engine_config(config: Mapping[str, Any]) -> dict[str, str]:
    """Config as the engine hands it to a program: strings, structured values as JSON."""
    out: dict[str, str] = {}
    for key, value in config.items():
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, int | float):
            out[key] = str(value)
        else:
            out[key] = json.dumps(value)
    return out


def run_program(
    program_dir: Path,
    stack: str,
    config: Mapping[str, Any],
    secret_keys: set[str] | frozenset[str] = frozenset(),
    preview: bool = False,
) -> ProgramRun:
    """Run `program_dir/__main__.py` for `stack` with `config`; return what it registered."""
    program_dir = program_dir.resolve()
    project = project_name(program_dir)
    main = program_dir / "__main__.py"
    if not main.exists():
        raise ProgramError(
            f"{main}: not found; only Python programs with a __main__.py are supported"
        )
    strings = engine_config(config)
    region = strings.get("aws:region", DEFAULT_REGION)
    account = _account(strings)
    mocks = EngineMocks(stack, project, region, account, preview)
    monitor = RecordingMonitor(mocks)
    log_lines: list[str] = []
    with _program_path(program_dir), _captured_log(log_lines):
        pulumi_mocks.set_mocks(
            mocks, project=project, stack=stack, preview=preview, monitor=monitor
        )
        # set_mocks installs a root stack of its own; the program runs in a fresh one, as
        # under the real language host, so that exports reach RegisterResourceOutputs.
        pulumi_settings.set_root_resource(None)  # type: ignore[arg-type]
        # MockSettings replaces neither the SDK's RPC manager nor its pending outputs: a failed
        # RPC of an earlier run in this process (a duplicate URN) would fail this one too.
        # The SDK's own `pulumi.runtime.mocks.test` clears both the same way.
        pulumi_settings.SETTINGS.rpc_manager.clear()
        pulumi_settings.SETTINGS.outputs.clear()
        pulumi.runtime.set_all_config(strings, sorted(secret_keys))
        try:
            _sync_await(run_in_stack(lambda: _run_main(main)))
        except pulumi.RunError as exc:
            raise ProgramError(f"{main}: {exc}") from None
    return ProgramRun(
        project=project,
        stack=stack,
        program=main,
        preview=preview,
        registrations=monitor.registrations,
        stack_outputs=monitor.stack_outputs,
        log=log_lines,
    )


def _run_main(main: Path) -> None:
    runpy.run_path(str(main), run_name="__main__")


def _account(config: Mapping[str, str]) -> str:
    raw = config.get("aws:allowedAccountIds")
    try:
        ids = json.loads(raw) if raw else []
    except json.JSONDecodeError:
        ids = []
    return str(ids[0]) if isinstance(ids, list) and ids else DEFAULT_ACCOUNT


@contextlib.contextmanager
def _program_path(program_dir: Path) -> Iterator[None]:
    """Import the program's own modules from its directory, and forget them afterwards.

    Two programs (or two git revisions of one) may both have a `components` package:
    each run must see its own, so same-named modules already loaded are set aside for
    the run and put back after it.
    """
    own = {p.stem for p in program_dir.glob("*.py")} | {
        p.name for p in program_dir.iterdir() if (p / "__init__.py").exists()
    }
    own.discard("__main__")
    set_aside = {
        name: module for name, module in sys.modules.items() if name.split(".", 1)[0] in own
    }
    for name in set_aside:
        del sys.modules[name]
    sys.path.insert(0, str(program_dir))
    try:
        yield
    finally:
        sys.path.remove(str(program_dir))
        for name in [n for n in sys.modules if n.split(".", 1)[0] in own]:
            del sys.modules[name]
        sys.modules.update(set_aside)


@contextlib.contextmanager
def _captured_log(lines: list[str]) -> Iterator[None]:
    """Collect what the program logs (pulumi.log.*) instead of printing it."""

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(f"{record.levelname.lower()}: {record.getMessage()}")

    root = logging.getLogger()
    collector = Collect(level=logging.INFO)
    root.addHandler(collector)
    try:
        yield
    finally:
        root.removeHandler(collector)
