"""Print check results: a rich table for people, JSON (one check per line) for tools.

Everything in a row comes from data (host names, ARNs, server messages), so none of it
is ever read as Rich markup or emoji: `db[bold red]x` and `...:secret:...` print as they
are, and `db[/]x` cannot break the table after every check has run. Control characters
are shown escaped, so a value cannot move the cursor or recolour the terminal.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

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


def printable(value: str) -> str:
    """`value` with control characters (ESC, CR, BEL...) escaped as Python would show them."""
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)


def render_table(results: Sequence[CheckResult], env: str, elapsed: float, out: TextIO) -> None:
    """One row per check; wide enough off a terminal that a row stays on one line."""
    terminal = out.isatty()
    console = Console(
        file=out,
        width=None if terminal else 240,
        no_color=not terminal,
        markup=False,
        emoji=False,
        highlight=False,
    )
    table = Table(title=Text(f"storagectl verify {printable(env)}"), title_justify="left")
    for column in ("status", "check", "target", "detail"):
        table.add_column(column, overflow="fold")
    for result in results:
        table.add_row(
            Text(result.status, style=_STYLE.get(result.status, "")),
            Text(printable(result.check)),
            Text(printable(result.target)),
            Text(printable(result.detail)),
        )
    console.print(table)
    counts = summary(results)
    console.print(
        Text(
            f"{counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['notVerifiable']} not verifiable in {elapsed:.1f} s"
        )
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
