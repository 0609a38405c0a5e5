"""storagectl/progress.py: the plan progress display shows on stderr only when wanted."""

from __future__ import annotations

import io

import pytest

from storagectl.progress import PlanProgress, progress_mode


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(stream: io.StringIO, mode: str, seconds: float) -> str:
    """Show a job `dev` that runs `seconds`, then ends; what reached `stream`."""
    progress = PlanProgress(["dev"], mode=mode, stream=stream)
    progress.started("dev", 100.0)
    progress.tick(100.0 + seconds)
    progress.finished("dev", True)
    progress.close()
    return stream.getvalue()


def test_progress_appears_on_a_terminal_once_a_plan_runs_over_a_second() -> None:
    assert "plan dev: done" in _run(_Terminal(), "auto", 1.5)


def test_progress_stays_hidden_for_a_quick_plan() -> None:
    assert _run(_Terminal(), "auto", 0.5) == ""


def test_progress_stays_hidden_when_stderr_is_not_a_terminal() -> None:
    assert _run(io.StringIO(), "auto", 5.0) == ""


def test_progress_always_shows_even_without_a_terminal() -> None:
    assert "plan dev: done" in _run(io.StringIO(), "always", 0.0)


def test_progress_never_shows_when_turned_off() -> None:
    assert _run(_Terminal(), "never", 5.0) == ""


@pytest.mark.parametrize(
    ("value", "mode"), [("always", "always"), (" NEVER ", "never"), ("", "auto"), ("x", "auto")]
)
def test_progress_mode_reads_the_environment(value: str, mode: str) -> None:
    assert progress_mode({"STORAGECTL_PROGRESS": value}) == mode
