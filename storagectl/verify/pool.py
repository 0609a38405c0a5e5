"""Run the checks concurrently, all of them within one deadline for the whole run.

The workers are daemon threads on purpose: a check stuck in a client library past the
deadline is abandoned, reported as unfinished, and cannot keep the process alive (a
`concurrent.futures` pool joins its threads at exit, so one black-holed endpoint would
hold `storagectl verify` open for as long as the library waits).
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .verdict import Verdict

WORKERS = 16
"""Checks in flight at once: enough to overlap every wait, few enough to be polite."""
OPERATIONS_PER_CHECK = 3
"""A data-plane check may wait on a secret read, a connect and a query, each `--timeout`."""


def default_deadline(timeout: float, checks: int, workers: int = WORKERS) -> float:
    """The whole-run deadline when `--deadline` is not given: `--timeout` times the checks.

    Checks run `workers` at a time and each may wait on OPERATIONS_PER_CHECK operations,
    so the run needs at most that many timeouts per wave of checks (plus one for luck).
    """
    waves = max(1, math.ceil(checks / workers))
    return timeout * (OPERATIONS_PER_CHECK * waves + 1)


@dataclass
class Job:
    """One check: started by a worker, finished with a verdict or an exception."""

    run: Callable[[], Verdict]
    done: threading.Event = field(default_factory=threading.Event)
    verdict: Verdict | None = None
    error: BaseException | None = None
    started: bool = False


class CheckPool:
    """A fixed set of daemon workers draining a queue of jobs until the deadline."""

    def __init__(self, deadline_at: float, workers: int = WORKERS) -> None:
        self.deadline_at = deadline_at
        self._workers = workers
        self._queue: queue.SimpleQueue[Job] = queue.SimpleQueue()

    def start(self, runs: list[Callable[[], Verdict]]) -> list[Job]:
        """Queue every check and start the workers; the jobs in the same order."""
        jobs = [Job(run) for run in runs]
        for job in jobs:
            self._queue.put(job)
        for index in range(min(self._workers, len(jobs))):
            threading.Thread(target=self._work, name=f"verify-{index}", daemon=True).start()
        return jobs

    def remaining(self) -> float:
        """Seconds left before the run's deadline (never negative)."""
        return max(0.0, self.deadline_at - time.monotonic())

    def _work(self) -> None:
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if time.monotonic() >= self.deadline_at:
                job.done.set()  # never started: reported as unfinished
                continue
            job.started = True
            try:
                job.verdict = job.run()
            except BaseException as exc:  # handed to the test item that waits for it
                job.error = exc
            finally:
                job.done.set()
