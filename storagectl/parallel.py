"""Run jobs in child processes, a few at a time, each bounded; stop them all when interrupted.

`plan --all` and `review` plan several stacks; each plan is CPU-bound, so they run in
parallel processes, at most one per core (`workers()`). A job is one child process in its
own process group, of one of two kinds:

* `fork_job`: a fork of this driver runs a function and writes its result. The child shares
  what the driver imported (copy-on-write), so the driver warms up once (the Pulumi SDK,
  the provider modules, the policy pack) and every stack starts warm.
* `command_job`: another program, e.g. the `storagectl` of another git tree (`review` judges
  the base revision with the driver it had).

Each job's result (stdout, or the result pipe of a fork) and messages (stderr) are collected
without threads: the driver forks, and forking a process with threads can deadlock the
child. A job that outlives its own limit or the shared deadline is stopped (SIGTERM to its
group, then SIGKILL) and reported as such; one job's failure never hides another's result.
If the driver is interrupted (SIGINT, or SIGTERM through `signals_raise`), every running job
is stopped before the exception leaves `run_jobs`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, Protocol

from .forked import become_child, write_all

PLAN_OVERHEAD_S = 60.0
"""Time a plan needs besides its program (imports, spec, policy, rendering): `plan --all`
and `review` stop a plan still running --timeout plus this after it started."""
GRACE_S = 3.0
"""Seconds a stopped job has between SIGTERM and SIGKILL (a driver stops its program)."""
_POLL_S = 0.05
_EXIT_CRASHED = 70


class Interrupted(BaseException):
    """SIGTERM or SIGINT arrived: unwind (stopping jobs, removing worktrees), then exit."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """While the block runs, the first SIGTERM/SIGINT raises `Interrupted`.

    Later ones are ignored, so they cannot cut the clean-up short; the clean-up (stopping
    jobs, a few git commands) is bounded.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def handler(signum: int, frame: Any) -> None:
        nonlocal raised
        if not raised:
            raised = True
            raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def workers() -> int:
    """Jobs run at a time: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """How one job ended.

    `returncode` follows `subprocess`: the exit status, or minus the signal that ended it;
    None when the job did not run to its end. `stopped` says why: "limit" (its own),
    "deadline" (the shared one), "not started" (the deadline had passed before it could).
    """

    name: str
    returncode: int | None
    result: bytes
    messages: bytes
    stopped: str | None = None


class Progress(Protocol):
    """What `run_jobs` tells a progress display (storagectl/progress.py)."""

    def started(self, name: str, now: float) -> None:
        """Job `name` started at `now` (time.monotonic())."""

    def finished(self, name: str, ok: bool) -> None:
        """Job `name` ended; `ok`: exit status 0 or 1 (a plan, with or without violations)."""

    def tick(self, now: float) -> None:
        """Called every few tens of milliseconds while jobs run."""


@dataclasses.dataclass(frozen=True)
class Job:
    """One child process to run: `start` begins it; `limit_s` bounds its wall time."""

    name: str
    start: Callable[[], _Child]
    limit_s: float | None = None


def fork_job(name: str, work: Callable[[], tuple[int, bytes]], limit_s: float | None = None) -> Job:
    """A job that runs `work()` in a fork of this driver: (exit status, result bytes).

    What the fork writes to stdout/stderr (file descriptors 1 and 2) becomes the job's
    messages. An exception out of `work` ends it with exit status 70 and the exception's
    last line as messages.
    """
    return Job(name, lambda: _fork(work), limit_s)


def command_job(
    name: str,
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    limit_s: float | None = None,
) -> Job:
    """A job that runs the program `argv` in `cwd`; its stdout is the result."""
    return Job(name, lambda: _spawn(argv, cwd, env), limit_s)


def run_jobs(
    jobs: Sequence[Job],
    *,
    parallel: int | None = None,
    deadline: float | None = None,
    progress: Progress | None = None,
) -> list[Outcome]:
    """Run `jobs`, at most `parallel` (default: `workers()`) at a time; outcomes in job order.

    `deadline` (a time.monotonic() value) bounds them all: a job still running then is
    stopped, one not started is not run. An exception (an interrupt) stops every running
    job before it leaves.
    """
    parallel = parallel or workers()
    pending = deque(enumerate(jobs))
    running: dict[int, _Child] = {}
    outcomes: list[Outcome | None] = [None] * len(jobs)
    selector = selectors.DefaultSelector()
    try:
        while pending or running:
            now = time.monotonic()
            while pending and len(running) < parallel:
                index, job = pending.popleft()
                if deadline is not None and now >= deadline:
                    outcomes[index] = Outcome(job.name, None, b"", b"", "not started")
                    continue
                child = job.start()
                running[index] = child
                child.started = now
                for fd in child.fds():
                    selector.register(fd, selectors.EVENT_READ, child)
                if progress is not None:
                    progress.started(job.name, now)
            for key, _ in selector.select(_POLL_S):
                if not key.data.read(key.fd):
                    # Unregistered before it is closed: forks share the pipe, so a closed
                    # descriptor would stay in the epoll set (and could not be removed).
                    selector.unregister(key.fd)
                    key.data.close_fd(key.fd)
            now = time.monotonic()
            for index, child in list(running.items()):
                job = jobs[index]
                stopped = _overdue(job, child, now, deadline)
                if stopped is None and not child.exited():
                    continue
                del running[index]
                for fd in child.fds():
                    with contextlib.suppress(KeyError, ValueError):
                        selector.unregister(fd)
                if stopped is not None:
                    _stop([child])
                returncode = child.reap()
                outcome = Outcome(
                    job.name,
                    None if stopped else returncode,
                    bytes(child.result),
                    bytes(child.messages),
                    stopped,
                )
                outcomes[index] = outcome
                if progress is not None:
                    progress.finished(job.name, outcome.returncode in (0, 1))
            if progress is not None:
                progress.tick(now)
    except BaseException:
        _stop(list(running.values()))
        raise
    finally:
        selector.close()
        for child in running.values():
            child.close()
    return [outcome for outcome in outcomes if outcome is not None]


def _overdue(job: Job, child: _Child, now: float, deadline: float | None) -> str | None:
    if job.limit_s is not None and now - child.started > job.limit_s:
        return "limit"
    if deadline is not None and now > deadline:
        return "deadline"
    return None


def _stop(children: list[_Child]) -> None:
    """SIGTERM to each child's group, up to `GRACE_S` to end, then SIGKILL; all reaped.

    SIGTERM first: a `storagectl` driver stops its own program child (isolation.py) and
    its jobs before it ends.
    """
    for child in children:
        child.kill_group(signal.SIGTERM)
    until = time.monotonic() + GRACE_S
    while time.monotonic() < until and not all(child.exited() for child in children):
        time.sleep(0.02)
    for child in children:
        # Still unreaped (a zombie at worst): its group id cannot have been reused.
        child.kill_group(signal.SIGKILL)
        child.reap()


# --- children --------------------------------------------------------------------------


class _Child:
    """A started job: its process, the pipes it writes to, what arrived so far."""

    def __init__(
        self, pid: int, result_fd: int, messages_fd: int, popen: subprocess.Popen[bytes] | None
    ) -> None:
        self.pid = pid
        self.popen = popen
        self.result = bytearray()
        self.messages = bytearray()
        self.started = 0.0
        self._sinks = {result_fd: self.result, messages_fd: self.messages}
        self._open = set(self._sinks)
        self._returncode: int | None = None
        for fd in self._sinks:
            os.set_blocking(fd, False)

    def fds(self) -> list[int]:
        """The pipes still open."""
        return sorted(self._open)

    def read(self, fd: int) -> bool:
        """Read what `fd` has; False at its end (then unregister it and `close_fd` it)."""
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        self._sinks[fd] += chunk
        return True

    def close_fd(self, fd: int) -> None:
        """Close one pipe (at its end)."""
        self._close(fd)

    def _drain(self, fd: int) -> None:
        """What is left in a pipe once its writer is gone (or stopped)."""
        while fd in self._open:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                return
            if not chunk:
                self._close(fd)
                return
            self._sinks[fd] += chunk

    def exited(self) -> bool:
        """Whether the process ended (without reaping it, so its group id stays valid)."""
        if self._returncode is not None:
            return True
        try:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return info is not None

    def kill_group(self, signum: int) -> None:
        """Signal the job's process group (and the process, had it not joined it yet)."""
        if self._returncode is not None:
            return
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(self.pid, signum)

    def reap(self) -> int:
        """Wait for the process; what is left in its pipes is read; its exit code."""
        if self._returncode is None:
            # Whatever the job left running in its group (subprocesses holding our pipes)
            # goes with it.
            self.kill_group(signal.SIGKILL)
            if self.popen is not None:
                self._returncode = self.popen.wait()
            else:
                _, status = os.waitpid(self.pid, 0)
                self._returncode = os.waitstatus_to_exitcode(status)
        for fd in list(self._open):
            self._drain(fd)
        self.close()
        return self._returncode

    def close(self) -> None:
        """Close the pipes."""
        for fd in list(self._open):
            self._close(fd)

    def _close(self, fd: int) -> None:
        if fd in self._open:
            self._open.discard(fd)
            if self.popen is None:
                os.close(fd)
        if not self._open and self.popen is not None:
            for stream in (self.popen.stdout, self.popen.stderr):
                if stream is not None:
                    stream.close()


def _spawn(argv: Sequence[str], cwd: Path, env: Mapping[str, str] | None) -> _Child:
    popen = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: stopped as a whole
    )
    assert popen.stdout is not None and popen.stderr is not None
    return _Child(popen.pid, popen.stdout.fileno(), popen.stderr.fileno(), popen)


def _fork(work: Callable[[], tuple[int, bytes]]) -> _Child:
    result_r, result_w = os.pipe()
    messages_r, messages_w = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        # Buffered text would be written twice: once by us, once by the fork's copy.
        with contextlib.suppress(Exception):
            stream.flush()
    # The driver's objects, frozen: the fork's collector never walks (and so never copies)
    # them, as in engine/isolation.py.
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        os.close(result_r)
        os.close(messages_r)
        _worker(result_w, messages_w, work)
    gc.unfreeze()
    os.close(result_w)
    os.close(messages_w)
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)  # also done by the fork: whichever runs first wins the race
    return _Child(pid, result_r, messages_r, None)


def _worker(result_w: int, messages_w: int, work: Callable[[], tuple[int, bytes]]) -> NoReturn:
    """The fork: own group, default signals, output to the messages pipe; run, write, exit."""
    try:
        become_child(messages_w)
        status, payload = work()
        write_all(result_w, payload)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(status)
    except BaseException as exc:
        with contextlib.suppress(BaseException):
            os.write(2, f"crashed: {type(exc).__name__}: {exc}\n".encode(errors="replace"))
        os._exit(_EXIT_CRASHED)
