"""One function per output form of `storagectl plan`."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table

from ..plan import is_redacted, redact_plan
from ..policy import to_markdown, to_sarif
from ..policy.markdown import code
from .jsontext import dumps_indented


def render(plan: dict[str, Any], fmt: str, width: int | None = None) -> str:
    """The plan as text in `fmt` (table, json, markdown or sarif), always redacted.

    `plan_stack` already returns a redacted plan; redacting again here keeps any plan
    handed to a renderer from printing a credential. Only a plan that is exactly what
    `redact_plan` returned (`is_redacted`: nothing added or changed since) is not redacted
    again, since that would change nothing.
    """
    if not is_redacted(plan):
        plan = redact_plan(plan)
    if fmt == "json":
        return dumps_indented(plan) + "\n"
    if fmt == "markdown":
        return markdown(plan)
    if fmt == "sarif":
        return dumps_indented(to_sarif(plan, plan.get("violations", []))) + "\n"
    return table(plan, width)


def _region(plan: dict[str, Any], resource: dict[str, Any], providers: dict[str, str]) -> str:
    if resource["provider"]:
        return providers.get(resource["provider"], "?")
    return str(plan["config"].get("aws:region", ""))


def _providers(plan: dict[str, Any]) -> dict[str, str]:
    return {
        r["urn"]: str(r["inputs"].get("region", ""))
        for r in plan["resources"]
        if r["type"].startswith("pulumi:providers:")
    }


def table(plan: dict[str, Any], width: int | None = None) -> str:
    """A rich table of the custom resources, then the summary and any violations."""
    providers = _providers(plan)
    rows = [
        (r["type"], r["name"], _region(plan, r, providers), "yes" if r["protect"] else "")
        for r in plan["resources"]
        if r["custom"] and not r["type"].startswith("pulumi:providers:")
    ]
    title = f"{plan['project']} / {plan['stack']}" + (" (preview)" if plan["preview"] else "")
    console, buffer = _console(width)
    if not _print_stacked(console, buffer, title, rows):
        console, buffer = _console(width)
        console.print(_grid(title, rows))
    console.print(summary_line(plan))
    for v in plan.get("violations", []):
        console.print(f"[{v['enforcement']}] {v['policy']}: {v['message']}")
    return buffer.getvalue()


def _console(width: int | None) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    # Data is never markup: a resource named `x[/]y` must print as written (not crash),
    # `db[bold red]x` must keep its brackets, `:secret:` in an ARN must not become an emoji.
    console = Console(
        file=buffer,
        width=width or 160,
        force_terminal=False,
        color_system=None,
        markup=False,
        emoji=False,
        highlight=False,
    )
    return console, buffer


def _grid(title: str, rows: list[tuple[Any, ...]]) -> Table:
    grid = Table(title=title)
    for column in _COLUMNS:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*row)
    return grid


_COLUMNS = ("type", "name", "region", "protect")
_BODY_LINE = "│"  # how every body line of rich's default (HEAVY_HEAD) box starts
_HEAD_RULE = "┡"  # the rule under the header


def _print_stacked(
    console: Console, buffer: io.StringIO, title: str, rows: list[tuple[Any, ...]]
) -> bool:
    """Print the table as one row of multi-line cells, if that looks exactly as one row per
    resource would: whether it did (if not, nothing usable was printed).

    Rich measures and lays out every cell of a table on its own: for 7,000 resources that
    took seconds. A cell holding the lines of a whole column is measured as the widest of
    them (and its longest word), as the column of single-line cells is, so the columns get
    the same widths; and when no line wraps, each line of each column lands on the line of
    its resource, as the rows would. So: only cells of printable text (no line breaks, tabs
    or control characters that rich would expand or split on), and the result is kept only
    if the body has exactly one line per resource, which a wrapped cell would break.
    """
    if not rows or not all(type(cell) is str for row in rows for cell in row):
        return False
    columns = ["\n".join(column) for column in zip(*rows, strict=True)]
    if not all(column.replace("\n", "").isprintable() for column in columns):
        return False
    grid = Table(title=title)
    for column in _COLUMNS:
        grid.add_column(column)
    grid.add_row(*columns)
    console.print(grid)
    lines = buffer.getvalue().split("\n")
    head = next((i for i, line in enumerate(lines) if line.startswith(_HEAD_RULE)), None)
    if head is None:
        return False
    body = lines[head + 1 : head + 1 + len(rows) + 1]
    return (
        len(body) == len(rows) + 1
        and all(line.startswith(_BODY_LINE) for line in body[:-1])
        and not body[-1].startswith(_BODY_LINE)
    )


def summary_line(plan: dict[str, Any]) -> str:
    """`N resources (C custom, P protected, S stateful); violations: M mandatory, A advisory`."""
    s = plan["summary"]
    v = s["violations"]
    return (
        f"{s['resources']} resources ({s['custom_resources']} cloud resources, "
        f"{s['components']} components, {s['protected']} protected, {s['stateful']} stateful); "
        f"violations: {v['mandatory']} mandatory, {v['advisory']} advisory"
    )


def markdown(plan: dict[str, Any]) -> str:
    """A pull-request-comment-sized summary: counts by type, then the policy review."""
    lines = [
        f"### {code(plan['project'])} / {code(plan['stack'])}"
        + (" (preview)" if plan["preview"] else ""),
        "",
        summary_line(plan),
        "",
        "| type | count |",
        "|---|---:|",
    ]
    lines += [f"| {code(t)} | {n} |" for t, n in plan["summary"]["by_type"].items()]
    return "\n".join(lines) + "\n\n" + to_markdown(plan, plan.get("violations", []))
