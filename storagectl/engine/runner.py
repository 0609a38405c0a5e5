"""Run a Pulumi Python program in-process under the SDK's mock runtime and record it.

This is the run itself; `isolation.run_isolated` runs it in a child process with time and
memory bounds, which is how `plan` and `review` run programs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import runpy
import sys
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from .completion import (
    CompletionMonitor,
    check_completed,
    drain,
    settle,
    thread_failures,
    tracked_resources,
)
from .mocks import EngineMocks
from .recorder import Registration

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


class ProgramError(Exception):
    """The program could not be run (missing files, or it raised): message for the user."""


class ProgramExit(ProgramError):
    """The program exited (`sys.exit`, `os._exit`) instead of running to its end."""


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
    monitor = CompletionMonitor(mocks)
    log_lines: list[str] = []
    with (
        _program_path(program_dir),
        _captured_log(log_lines),
        tracked_resources() as constructed,
        thread_failures() as failed_threads,
    ):
        _install_mocks(mocks, monitor, project, stack, preview)
        pulumi.runtime.set_all_config(strings, sorted(secret_keys))
        try:
            _sync_await(_run_to_completion(main, monitor))
        except pulumi.RunError as exc:
            raise ProgramError(f"{main}: {exc}") from None
        except SystemExit as exc:
            # The SDK re-raises the program's SystemExit after its RPCs settle; whatever the
            # code (0 included), the program stopped before its end: its plan is incomplete.
            raise ProgramExit(
                f"{program_location(program_dir, exc)}the program exited early with "
                f"sys.exit({exc.code!r}); a Pulumi program must run to its end, so its "
                "resources and outputs would be incomplete"
            ) from None
        for failure in failed_threads:
            thread = failure.thread.name if failure.thread is not None else "?"
            error = failure.exc_value
            where = program_location(program_dir, error) if error is not None else ""
            raise ProgramError(
                f"{where or f'{main}: '}a thread of the program ({thread}) failed: "
                f"{failure.exc_type.__name__}: {error}; what it declared is missing from the plan"
            )
        problem = check_completed(monitor, constructed)
        if problem is not None:
            raise ProgramError(f"{main}: {problem}")
    return ProgramRun(
        project=project,
        stack=stack,
        program=main,
        preview=preview,
        registrations=sorted(
            monitor.registrations, key=lambda r: constructed.sort_key(r.type, r.name, r.urn)
        ),
        stack_outputs=monitor.stack_outputs,
        log=log_lines,
    )


def _install_mocks(
    mocks: EngineMocks, monitor: CompletionMonitor, project: str, stack: str, preview: bool
) -> None:
    """The SDK's mock runtime with our monitor, and no root stack of its own.

    `set_mocks` creates and finishes a root stack when none is set; that stack has the same
    URN as the program's and registers empty outputs. Its RegisterResourceOutputs runs in
    an executor thread and could land after the program's and blank the recorded outputs
    (a program that only exported a value got `outputs: {}` in most runs). A placeholder
    root keeps `set_mocks` from creating it; the program then runs in a fresh root stack,
    as under the real language host, so its exports reach RegisterResourceOutputs.
    """
    pulumi_settings.set_root_resource(_NO_MOCK_STACK)  # type: ignore[arg-type]
    pulumi_mocks.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    pulumi_settings.set_root_resource(None)  # type: ignore[arg-type]
    # MockSettings replaces neither the SDK's RPC manager nor its pending outputs: a failed
    # RPC of an earlier run in this process (a duplicate URN) would fail this one too.
    # The SDK's own `pulumi.runtime.mocks.test` clears both the same way.
    pulumi_settings.SETTINGS.rpc_manager.clear()
    pulumi_settings.SETTINGS.outputs.clear()


_NO_MOCK_STACK = object()


async def _run_to_completion(main: Path, monitor: CompletionMonitor) -> None:
    async def program() -> None:
        _run_main(main)
        # Wait here, in linear time, for what the program left outstanding
        # (`completion.drain`), before the SDK's own quadratic wait would.
        await drain()

    with _no_source_positions():
        await run_in_stack(program)
    # `run_in_stack` can return while the stack's own RegisterResourceOutputs is still only
    # queued (its RPC joins the SDK's list when its task first runs): wait for it here.
    await settle(monitor)


def program_location(program_dir: Path, exc: BaseException) -> str:
    """`file:line: ` of the innermost frame of `exc` inside the program, or ``""``."""
    where = ""
    root = str(program_dir.resolve())
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(root):
            where = f"{frame.filename}:{frame.lineno}: "
    return where


def describe_failure(program_dir: Path, exc: BaseException) -> str:
    """`file:line: the program failed: Type: message`, no traceback."""
    return f"{program_location(program_dir, exc)}the program failed: {type(exc).__name__}: {exc}"


@contextlib.contextmanager
def _no_source_positions() -> Iterator[None]:
    """Skip the SDK's capture of each resource's constructor call stack during the run.

    For every resource the SDK walks the whole Python stack (`traceback.extract_stack`,
    reading each frame's source line) and turns every frame into a file URI, only to send
    the engine a `sourcePosition` and `stackTrace` that the engine uses for diagnostics
    display. Neither the mock monitor nor the plan reads them; the capture was a fifth of
    the run. The SDK looks the function up in its module at each registration, so it is
    replaced for the run only and put back after it.
    """
    original = pulumi_resource._get_stack_trace
    pulumi_resource._get_stack_trace = _empty_stack_trace
    try:
        yield
    finally:
        pulumi_resource._get_stack_trace = original


def _empty_stack_trace() -> source_pb2.StackTrace:
    return source_pb2.StackTrace()


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
