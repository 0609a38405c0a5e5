"""Print check results: a rich table for people, JSON (one check per line) for tools."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from rich.console import Console
from rich.table import Table

from .plugin import FAILED, NOT_VERIFIABLE, PASSED, CheckResult

_STYLE = {PASSED: "green", FAILED: "bold red", NOT_VERIFIABLE: "yellow"}


def summary(results: Sequence[CheckResult]) -> dict[str, int]:
    """Counts per status."""
    counts = Counter(r.status for r in results)
    return {
        "passed": counts[PASSED],
        "failed": counts[FAILED],
        "notVerifiable": counts[NOT_VERIFIABLE],
    }


def render_table(results: Sequence[CheckResult], env: str, elapsed: float, out: TextIO) -> None:
    """One row per check; wide enough off a terminal that a row stays on one line."""
    terminal = out.isatty()
    console = Console(file=out, width=None if terminal else 240, no_color=not terminal)
    table = Table(title=f"storagectl verify {env}", title_justify="left")
    for column in ("status", "check", "target", "detail"):
        table.add_column(column, overflow="fold")
    for result in results:
        style = _STYLE.get(result.status, "")
        table.add_row(f"[{style}]{result.status}[/]", result.check, result.target, result.detail)
    console.print(table, markup=True, highlight=False)
    counts = summary(results)
    console.print(
        f"{counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['notVerifiable']} not verifiable in {elapsed:.1f} s",
        markup=False,
        highlight=False,
    )


def render_json(results: Sequence[CheckResult], env: str, elapsed: float, out: TextIO) -> None:
    """A JSON document whose `checks` list holds one check per line (grep- and jq-friendly)."""
    head = {"environment": env, "summary": summary(results), "seconds": round(elapsed, 2)}
    lines = [
        json.dumps(
            {"check": r.check, "target": r.target, "status": r.status, "detail": r.detail},
            ensure_ascii=False,
        )
        for r in results
    ]
    head_text = json.dumps(head)[:-1]  # reopen the object to append the checks list
    out.write(head_text + ', "checks": [\n' + ",\n".join(lines) + "\n]}\n")
