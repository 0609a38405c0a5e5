"""A progress display for parallel plans, on stderr only, for plans a person waits on.

Shown (rich, one line per stack) when stderr is a terminal and a plan has run for more
than `DELAY_S`; never on stdout, which carries the JSON, SARIF or table. The
`STORAGECTL_PROGRESS` environment variable overrides the choice: `always` shows it at once
(on a terminal or not: tests use this to see where it goes), `never` hides it, `auto`
(the default) decides as above.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any, TextIO

PROGRESS_ENV = "STORAGECTL_PROGRESS"
DELAY_S = 1.0
"""A plan running longer than this makes the display appear (quick runs stay quiet)."""
_MODES = ("auto", "always", "never")


def progress_mode(environ: Mapping[str, str] = os.environ) -> str:
    """`auto`, `always` or `never`, from `STORAGECTL_PROGRESS`; unknown values mean `auto`."""
    value = environ.get(PROGRESS_ENV, "").strip().lower()
    return value if value in _MODES else "auto"


class PlanProgress:
    """One line per job: a spinner while it runs, then `done` or `failed` and its time.

    Implements `storagectl.parallel.Progress`. Rich's Live display refreshes here, from the
    caller's loop, never from a thread of its own (the driver forks: see parallel.py).
    """

    def __init__(
        self, names: list[str], mode: str | None = None, stream: TextIO | None = None
    ) -> None:
        self._names = names
        self._mode = mode or progress_mode()
        self._stream = stream or sys.stderr
        self._starts: dict[str, float] = {}
        self._ended: dict[str, bool] = {}
        self._live: Any = None
        self._tasks: dict[str, Any] = {}

    def started(self, name: str, now: float) -> None:
        """Job `name` started at `now`."""
        self._starts[name] = now
        if self._mode == "always":
            self._show()
        self._update(name)

    def finished(self, name: str, ok: bool) -> None:
        """Job `name` ended."""
        self._ended[name] = ok
        self._update(name)

    def tick(self, now: float) -> None:
        """Show the display once a job has run longer than `DELAY_S` (auto mode); refresh."""
        if self._live is None and self._wanted(now):
            self._show()
        if self._live is not None:
            self._live.refresh()

    def close(self) -> None:
        """Stop the display, leaving its last state (each job's outcome and time) shown."""
        if self._live is not None:
            self._live.refresh()
            self._live.stop()
            self._live = None

    def _wanted(self, now: float) -> bool:
        if self._mode != "auto" or not _is_terminal(self._stream):
            return False
        return any(
            now - start > DELAY_S for name, start in self._starts.items() if name not in self._ended
        )

    def _show(self) -> None:
        if self._live is not None:
            return
        # Imported only when shown: most runs (CI, pipes) never pay for it.
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        console = Console(
            file=self._stream,
            force_terminal=True if self._mode == "always" else None,
            markup=False,
            emoji=False,
            highlight=False,
        )
        self._live = Progress(
            SpinnerColumn(finished_text="-"),
            TextColumn("{task.description}", markup=False),
            TimeElapsedColumn(),
            console=console,
            auto_refresh=False,  # no refresh thread: the driver forks while this is shown
            redirect_stdout=False,
            redirect_stderr=False,
            transient=False,
        )
        self._tasks = {
            name: self._live.add_task(f"plan {name}: waiting", total=1, start=False)
            for name in self._names
        }
        self._live.start()
        for name in self._names:
            self._update(name)

    def _update(self, name: str) -> None:
        if self._live is None or name not in self._tasks:
            return
        task = self._tasks[name]
        if name in self._ended:
            state = "done" if self._ended[name] else "failed"
            self._live.update(task, description=f"plan {name}: {state}", completed=1)
            self._live.stop_task(task)
        elif name in self._starts:
            self._live.start_task(task)
            self._live.update(task, description=f"plan {name}: running")


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
