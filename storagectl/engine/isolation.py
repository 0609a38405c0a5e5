"""Run a program in a forked child process, with a wall-clock limit and a memory ceiling.

The driver has imported the Pulumi SDK (and usually the provider SDKs) before it forks,
so the child starts at once. The child runs the program under the mocks (`run_program`),
then hands back the recorded run as JSON over a pipe and ends with `os._exit`, so the
program's leftover threads, atexit hooks and exit codes never reach the driver. The
program's stdout and stderr (file descriptors 1 and 2, so `os.write` and subprocesses
too) go to a second pipe and come back as program output.

A program that exits, is killed, runs out of time or memory, or sends back anything but a
recorded run is a failed program (`ProgramError`), never an empty plan.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import importlib
import json
import math
import os
import re
import resource
import selectors
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NoReturn

from ..forked import become_child, write_all
from .output import PREFIX, CapturedOutput
from .runner import ProgramError, ProgramRun, describe_failure, program_location, run_program
from .transport import TransportError, decode, encode

DEFAULT_TIMEOUT_S = 300.0
"""Wall-clock limit of one program run: a few minutes, as the issue asks."""
DEFAULT_MEMORY_MB = 4096
"""Address space the program may add to the driver's own (RLIMIT_AS in the child)."""
MEMORY_ENV = "STORAGECTL_PROGRAM_MEMORY_MB"

_OK, _FAILED = b"ok\n", b"failed\n"
_SDK_MODULE = re.compile(r"pulumi(_[a-z0-9_]+)?(\.[A-Za-z0-9_]+)?")
_SDK_PRELOAD = re.compile(r"pulumi(_[a-z0-9_]+)?(\.[A-Za-z0-9_]+){0,2}")
"""What `preload` takes: SDK modules up to two levels deep (`pulumi_kubernetes.core.v1`)."""
_preload: set[str] = set()
"""Pulumi SDK modules earlier children imported: imported here before the next fork, so a
driver that plans several stacks (tests, `review`) imports each provider SDK once."""
_EXIT_OUT_OF_MEMORY = 86
_GRACE_S = 2.0


@dataclasses.dataclass(frozen=True)
class Limits:
    """Bounds of one program run."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB


def memory_limit_mb(environ: Mapping[str, str] = os.environ) -> int:
    """The memory ceiling: `STORAGECTL_PROGRAM_MEMORY_MB` or the default."""
    raw = environ.get(MEMORY_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_MEMORY_MB
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ProgramError(f"{MEMORY_ENV}={raw!r}: must be a positive number of MiB")
    return value


def check_timeout(value: float, option: str = "--timeout") -> float:
    """`value` when it is a positive, finite number of seconds; ProgramError otherwise."""
    if not math.isfinite(value) or value <= 0:
        raise ProgramError(f"{option} {value}: must be a positive, finite number of seconds")
    return value


class _Terminated(BaseException):
    """SIGTERM reached the driver while a child ran: stop the child, then stop."""


def run_isolated(
    program_dir: Path,
    stack: str,
    config: Mapping[str, Any],
    secret_keys: set[str] | frozenset[str] = frozenset(),
    preview: bool = False,
    limits: Limits | None = None,
    show_output: Callable[[str], None] | None = None,
) -> ProgramRun:
    """`run_program` in a child process within `limits`; its output goes to `show_output`."""
    limits = limits or Limits(memory_mb=memory_limit_mb())
    program_dir = program_dir.resolve()
    _warm_up()
    before = set(sys.modules)
    for stream in (sys.stdout, sys.stderr):
        # Buffered text would be written twice: once by us, once by the child's copy.
        with contextlib.suppress(Exception):
            stream.flush()
    result_r, result_w = os.pipe()
    output_r, output_w = os.pipe()
    ceiling = _address_space() + limits.memory_mb * 1024 * 1024
    # Objects that exist before the fork are the driver's: frozen, the child's collector
    # never walks them, so it neither spends time on them nor copies their pages (a
    # collection writes to every object header it visits, defeating copy-on-write).
    gc.freeze()
    pid = os.fork()
    if pid != 0:
        gc.unfreeze()
    if pid == 0:  # the child: never returns
        os.close(result_r)
        os.close(output_r)
        _child(
            result_w,
            output_w,
            ceiling,
            lambda: run_program(program_dir, stack, config, secret_keys, preview),
            lambda: _imported_sdk_modules(before),
            program_dir,
            limits,
        )
    os.close(result_w)
    os.close(output_w)
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)  # also done by the child: whichever runs first wins the race
    output = CapturedOutput()
    try:
        with _terminate_raises():
            payload, status = _wait(pid, result_r, output_r, output, limits)
    finally:
        os.close(result_r)
        os.close(output_r)
        if show_output is not None and not output.empty:
            for line in output.lines():
                show_output(f"{PREFIX}{line}")
    return _result(payload, status, limits)


# --- the parent side -------------------------------------------------------------------


def _wait(
    pid: int, result_r: int, output_r: int, output: CapturedOutput, limits: Limits
) -> tuple[bytes, int]:
    """Collect the child's result and output until it ends; stop it at the deadline."""
    deadline = time.monotonic() + limits.timeout_s
    result = bytearray()
    max_result = limits.memory_mb * 1024 * 1024
    reaped = False
    pidfd = _pidfd(pid)
    selector = selectors.DefaultSelector()
    try:
        for fd in (result_r, output_r):
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        if pidfd is not None:
            selector.register(pidfd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _kill_group(pid)
                os.waitpid(pid, 0)
                reaped = True
                raise ProgramError(
                    f"the program did not finish within {limits.timeout_s:g} s (--timeout); "
                    "it was stopped"
                )
            poll = remaining if pidfd is not None else min(remaining, 0.02)
            for key, _ in selector.select(poll):
                if key.fd == pidfd:
                    continue
                if not _read_into(key.fd, result if key.fd == result_r else output, selector):
                    continue
                if len(result) > max_result:
                    raise ProgramError(
                        f"the program's recorded run is larger than {limits.memory_mb} MiB"
                    )
            if _exited(pid):
                # Still a zombie: its process group id cannot have been reused yet. Stop
                # whatever the program left running (subprocesses holding our pipes).
                _kill_group(pid)
                _, status = os.waitpid(pid, 0)
                reaped = True
                for fd, sink in ((result_r, result), (output_r, output)):
                    _drain(fd, sink)
                return bytes(result), status
    finally:
        selector.close()
        if pidfd is not None:
            os.close(pidfd)
        if not reaped:
            _kill_group(pid)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _read_into(fd: int, sink: Any, selector: selectors.BaseSelector) -> bool:
    try:
        chunk = os.read(fd, 1 << 16)
    except BlockingIOError:
        return False
    if not chunk:
        selector.unregister(fd)
        return False
    if isinstance(sink, CapturedOutput):
        sink.feed(chunk)
    else:
        sink += chunk
    return True


def _drain(fd: int, sink: Any) -> None:
    """What is left in a pipe once its writers are gone (or stopped)."""
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            return
        if isinstance(sink, CapturedOutput):
            sink.feed(chunk)
        else:
            sink += chunk


def _pidfd(pid: int) -> int | None:
    # A pidfd turns "the child ended" into a readable descriptor for the same select as the
    # pipes (Linux 5.3+); elsewhere the loop polls.
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _exited(pid: int) -> bool:
    """Whether the child ended, without reaping it."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)  # in case it had not yet joined its own group


@contextlib.contextmanager
def _terminate_raises() -> Iterator[None]:
    """While the child runs, SIGTERM unwinds the driver (so the child is stopped too)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: Any) -> None:
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, previous)
        # Re-deliver, so the driver ends as its own handler (or the default) decides.
        os.kill(os.getpid(), signal.SIGTERM)
        raise ProgramError("stopped by SIGTERM") from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def _imported_sdk_modules(before: set[str]) -> list[str]:
    """SDK modules this child loaded (not those only registered for lazy loading)."""
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if name not in before
        and _SDK_MODULE.fullmatch(name)
        and type(module).__name__ != "_LazyModule"
    )


def preload(modules: Iterable[str]) -> None:
    """Import these Pulumi SDK modules into the driver now, so children forked later have them.

    The same warm-up `run_isolated` does with the modules earlier children imported, for
    modules named in advance: `plan --all` (storagectl/plan_all.py) passes those the
    program's source names before it forks one worker per stack, so each provider module
    is imported once, not once per stack. Names that are not SDK modules are ignored.
    """
    _preload.update(name for name in modules if _SDK_PRELOAD.fullmatch(name))
    _warm_up()


def _warm_up() -> None:
    for name in sorted(_preload):
        # Only Pulumi SDK packages and their first-level modules that a child imported.
        # Provider SDKs load those lazily (`lazy_import`): reach them as the program does,
        # by attribute, which runs the module once; a failure is the child's business.
        # `preload` may also name second-level modules (`pulumi_kubernetes.core.v1`):
        # reached the same way, one attribute per level.
        package, *path = name.split(".")
        with contextlib.suppress(Exception), warnings.catch_warnings():
            # Deprecation notices of provider modules are the program's, shown in its run.
            warnings.simplefilter("ignore")
            loaded = importlib.import_module(package)
            for module in path:
                loaded = getattr(loaded, module)
            if path:
                # Any attribute but the introspection ones (`__dict__`, `__name__`...) runs it.
                getattr(loaded, "_storagectl_warm_up", None)
    _preload.clear()


def _result(payload: bytes, status: int, limits: Limits) -> ProgramRun:
    if payload.startswith(_OK):
        modules, _, run = payload[len(_OK) :].partition(b"\n")
        try:
            names = json.loads(modules.decode("utf-8"))
            if isinstance(names, list):
                _preload.update(n for n in names if isinstance(n, str) and _SDK_MODULE.fullmatch(n))
            return decode(run)
        except (TransportError, ValueError, UnicodeDecodeError) as exc:
            raise ProgramError(f"the program's run could not be read back: {exc}") from None
    if payload.startswith(_FAILED):
        try:
            message = json.loads(payload[len(_FAILED) :].decode("utf-8"))["message"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            message = None
        if isinstance(message, str):
            raise ProgramError(message)
    if payload:
        raise ProgramError("the program's run could not be read back: not a recorded run")
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name if number in signal.valid_signals() else number
        hint = " (perhaps the system ran out of memory)" if number == signal.SIGKILL else ""
        raise ProgramError(
            f"the program was killed by signal {name}{hint} before its run was recorded"
        )
    code = os.WEXITSTATUS(status)
    if code == _EXIT_OUT_OF_MEMORY:
        raise ProgramError(_out_of_memory(limits))
    raise ProgramError(
        f"the program ended its process early (exit status {code}, e.g. os._exit({code})) "
        "before its run was recorded; a Pulumi program must run to its end"
    )


def _out_of_memory(limits: Limits) -> str:
    return (
        f"the program exceeded its memory ceiling ({limits.memory_mb} MiB of address space, "
        f"{MEMORY_ENV})"
    )


def _address_space() -> int:
    """Bytes of address space this process maps now (what the child starts with)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


# --- the child side --------------------------------------------------------------------


def _child(
    result_w: int,
    output_w: int,
    ceiling: int,
    run: Callable[[], ProgramRun],
    imported: Callable[[], list[str]],
    program_dir: Path,
    limits: Limits,
) -> NoReturn:
    """Run in the forked child: run the program, write the result, `os._exit`."""
    payload = b""
    try:
        _become_child(output_w, ceiling)
        try:
            recorded = encode(run())
            payload = _OK + json.dumps(imported()).encode("utf-8") + b"\n" + recorded
        except ProgramError as exc:
            payload = _failed(str(exc))
        except MemoryError as exc:
            payload = _failed(f"{program_location(program_dir, exc)}{_out_of_memory(limits)}")
        except BaseException as exc:
            payload = _failed(describe_failure(program_dir, exc))
        write_all(result_w, payload)
        _flush()
        os._exit(0)
    except MemoryError:
        os._exit(_EXIT_OUT_OF_MEMORY)
    except BaseException:
        os._exit(70)


def _failed(message: str) -> bytes:
    return _FAILED + json.dumps({"message": message}).encode("utf-8")


def _become_child(output_w: int, ceiling: int) -> None:
    """Own process group, die with the driver, output to the pipe, memory ceiling."""
    become_child(output_w)
    if ceiling > 0:
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    _program_gc()
    _fresh_event_loop()


def _program_gc() -> None:
    """No automatic collection while the program runs in the child.

    Every resource a program declares keeps hundreds of tracked objects alive (Outputs,
    futures, their callbacks) until the run ends, and almost none of them is garbage: the
    collector walked them again and again, 60-80 % of the engine's time on large estates
    (benchmarks/plan_scale.py at 5,000 resources: engine 37.1 s with Python's default
    thresholds, 19.4 s with thresholds raised to 100,000/50/1,000, 13.7 s off; peak RSS
    567, 569 and 581 MB: the programs make almost no cyclic garbage). The child exits
    when the run ends, and its memory ceiling (RLIMIT_AS) still stops a program that
    makes a lot of garbage, as a reported out-of-memory failure.
    """
    gc.disable()


def _fresh_event_loop() -> None:
    """A new event loop for the program, leaving the inherited ones untouched.

    An inherited loop shares its epoll instance with the driver's loop. Closing it here
    (which `BaseEventLoop.__del__` does when the loop is garbage collected) would remove
    the driver's self-pipe from that epoll instance, and the driver's next in-process run
    would wait forever for its executor threads. The child ends with `os._exit`, so no loop
    of it ever needs closing: loops are neither closed nor collected here.
    """
    import asyncio
    import asyncio.base_events

    asyncio.base_events.BaseEventLoop.__del__ = lambda self, *args: None  # type: ignore[method-assign]
    policy = asyncio.get_event_loop_policy()
    local = getattr(policy, "_local", None)
    _inherited.append(getattr(local, "_loop", None))
    asyncio.set_event_loop(asyncio.new_event_loop())


_inherited: list[Any] = []


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
