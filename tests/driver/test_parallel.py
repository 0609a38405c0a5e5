"""storagectl/parallel.py: jobs in child processes, bounded, in order, stopped on interrupt."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from storagectl.parallel import Outcome, command_job, fork_job, run_jobs


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _fail() -> tuple[int, bytes]:
    raise RuntimeError("no plan today")


def _hang() -> tuple[int, bytes]:
    while True:
        time.sleep(1)


def _speak() -> tuple[int, bytes]:
    print("to stdout")
    os.write(2, b"to stderr\n")
    return 0, b"result"


def test_fork_jobs_return_their_results_in_job_order() -> None:
    jobs = [fork_job(name, lambda name=name: (0, name.encode() * 2)) for name in ("a", "b", "c")]
    outcomes = run_jobs(jobs, parallel=2)
    assert [(o.name, o.returncode, o.result) for o in outcomes] == [
        ("a", 0, b"aa"),
        ("b", 0, b"bb"),
        ("c", 0, b"cc"),
    ]


def test_fork_job_output_becomes_its_messages() -> None:
    [outcome] = run_jobs([fork_job("s", _speak)])
    assert (outcome.result, outcome.messages) == (b"result", b"to stdout\nto stderr\n")


def test_fork_job_exception_is_a_crash_with_its_message() -> None:
    [outcome] = run_jobs([fork_job("x", _fail)])
    assert (outcome.returncode, outcome.messages) == (
        70,
        b"crashed: RuntimeError: no plan today\n",
    )


def test_one_failed_job_does_not_hide_the_others() -> None:
    outcomes = run_jobs([fork_job("x", _fail), fork_job("ok", lambda: (0, b"fine"))], parallel=1)
    assert [(o.returncode, o.result) for o in outcomes] == [(70, b""), (0, b"fine")]


def test_job_past_its_limit_is_stopped_and_reported() -> None:
    [outcome] = run_jobs([fork_job("slow", _hang, limit_s=0.3)])
    assert (outcome.returncode, outcome.stopped) == (None, "limit")


def test_jobs_past_the_deadline_are_stopped_or_not_started() -> None:
    jobs = [fork_job("slow", _hang), fork_job("next", lambda: (0, b"never"))]
    outcomes = run_jobs(jobs, parallel=1, deadline=time.monotonic() + 0.3)
    assert [o.stopped for o in outcomes] == ["deadline", "not started"]


def test_command_job_result_is_its_stdout(tmp_path: Path) -> None:
    code = "import sys; print('out'); print('err', file=sys.stderr); sys.exit(1)"
    [outcome] = run_jobs([command_job("cmd", [sys.executable, "-c", code], tmp_path)])
    assert outcome == Outcome("cmd", 1, b"out\n", b"err\n")


class _Interrupting:
    """A progress display that interrupts the run once `count` jobs wrote their pid file."""

    def __init__(self, pids: Path, count: int) -> None:
        self.pids = pids
        self.count = count

    def started(self, name: str, now: float) -> None:
        pass

    def finished(self, name: str, ok: bool) -> None:
        pass

    def tick(self, now: float) -> None:
        if len(list(self.pids.iterdir())) == self.count:
            raise KeyboardInterrupt


def test_interrupt_stops_every_running_job(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()

    def work() -> tuple[int, bytes]:
        (pids / str(os.getpid())).write_text("", encoding="utf-8")
        return _hang()

    jobs = [fork_job("a", work), fork_job("b", work)]
    with pytest.raises(KeyboardInterrupt):
        run_jobs(jobs, parallel=2, deadline=time.monotonic() + 60, progress=_Interrupting(pids, 2))
    started = [int(p.name) for p in pids.iterdir()]
    assert (len(started), [pid for pid in started if _running(pid)]) == (2, [])


def test_a_stopped_fork_gets_sigterm_first(tmp_path: Path) -> None:
    marker = tmp_path / "terminated"

    def work() -> tuple[int, bytes]:
        def on_term(signum: int, frame: object) -> None:
            marker.write_text("yes", encoding="utf-8")
            os._exit(0)

        signal.signal(signal.SIGTERM, on_term)
        return _hang()

    run_jobs([fork_job("t", work, limit_s=0.3)])
    assert marker.read_text(encoding="utf-8") == "yes"


def test_fork_job_exit_status_is_the_one_work_returns() -> None:
    [outcome] = run_jobs([fork_job("two", lambda: (2, b"why"))])
    assert (outcome.returncode, outcome.result) == (2, b"why")
