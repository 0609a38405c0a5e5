"""`storagectl review [--base REF]`: what a change does to every environment (diff mode)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from storagectl.commands.options import DEFAULT_TIMEOUT_S
from storagectl.workspace import find_program


class ReviewFormat(StrEnum):
    """Output forms of `review`."""

    markdown = "markdown"
    json = "json"


def review(
    base: Annotated[
        str,
        typer.Option(
            "--base",
            help="Git revision to compare with: a branch, tag or commit (origin/main, HEAD~1).",
        ),
    ] = "HEAD",
    fmt: Annotated[
        ReviewFormat, typer.Option("--format", help="Output form.")
    ] = ReviewFormat.markdown,
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of stdout.")
    ] = None,
    env: Annotated[
        list[str] | None,
        typer.Option(
            "--env", help="Review only this environment (repeatable); default: all of them."
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(help="Seconds each plan's program may run (as `plan --timeout`)."),
    ] = DEFAULT_TIMEOUT_S,
    deadline: Annotated[
        float | None,
        typer.Option(
            help="Seconds for the whole review; plans not done by then are errors "
            "(default: every plan at its --timeout, two at a time)."
        ),
    ] = None,
) -> None:
    """Diff mode: plan every environment at --base and in the working tree, and compare them.

    The base side is a temporary git worktree of --base, removed afterwards.

    The head side is the working tree as it is, uncommitted edits included: what you see.

    Reports resources added, changed and removed, data-loss risks, new and resolved violations.

    Exit 0; 1 when the working tree adds a mandatory violation; 2 on invalid input or failed plans.
    """
    # Reviewing plans: the engine and the pack (pulumi) are loaded when review runs.
    from storagectl.engine import ProgramError, check_timeout
    from storagectl.review import ReviewError, exit_code, render, run_review
    from storagectl.review.run import EXIT_INVALID
    from storagectl.review.worktree import Interrupted, signals_raise

    try:
        check_timeout(timeout)
        if deadline is not None:
            check_timeout(deadline, "--deadline")
        with signals_raise():
            document = run_review(find_program(), base, env or (), timeout, deadline)
    except (ReviewError, ProgramError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    except Interrupted as stop:
        typer.echo(f"review stopped by {stop}; its plans and base worktree were removed", err=True)
        raise typer.Exit(128 + stop.signum) from None
    text = render(document, fmt.value)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(text)
    raise typer.Exit(exit_code(document))
