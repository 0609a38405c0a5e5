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
    providers = _providers(plan)
    grid = Table(
        title=f"{plan['project']} / {plan['stack']}" + (" (preview)" if plan["preview"] else "")
    )
    for column in ("type", "name", "region", "protect"):
        grid.add_column(column)
    for r in plan["resources"]:
        if not r["custom"] or r["type"].startswith("pulumi:providers:"):
            continue
        grid.add_row(
            r["type"], r["name"], _region(plan, r, providers), "yes" if r["protect"] else ""
        )
    console.print(grid)
    console.print(summary_line(plan))
    for v in plan.get("violations", []):
        console.print(f"[{v['enforcement']}] {v['policy']}: {v['message']}")
    return buffer.getvalue()


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
