"""`storagectl drift ENV`: has anything changed outside Pulumi, or the program since `up`?

Runs `pulumi refresh --preview-only` (the state against the cloud: drift) and `pulumi
preview --expect-no-changes` with the policy pack (the program against the state: pending
changes). Neither writes anything. Drifted resources are reported with their property
diffs, in the same table / JSON / Markdown forms as `storagectl review`.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from storagectl.commands.console import eprint
from storagectl.commands.errors import program_error
from storagectl.commands.options import PolicyConfigOption
from storagectl.deploy.automation import DeployError, EngineMissing
from storagectl.deploy.automation import drift as engine_drift
from storagectl.redact import Redactor
from storagectl.workspace import find_program, stack_file

if TYPE_CHECKING:
    from storagectl.deploy.automation import ResourceChange

EXIT_OK, EXIT_DRIFT, EXIT_INVALID, EXIT_ENGINE = 0, 1, 2, 3


class DriftFormat(StrEnum):
    """Output forms of `drift`."""

    table = "table"
    json = "json"
    markdown = "markdown"


def drift(
    env: Annotated[str, typer.Argument(help="Stack name, e.g. prod.")],
    fmt: Annotated[DriftFormat, typer.Option("--format", help="Output form.")] = DriftFormat.table,
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of stdout.")
    ] = None,
    policy_config: PolicyConfigOption = None,
) -> None:
    """Report drift: exit 0 none, 1 drift or pending changes, 2 invalid input, 3 engine failed."""
    # The policy module imports pulumi_policy: loaded when drift runs, not at start-up.
    from storagectl.policy.evaluate import PACK_DIR, config_for_stack

    try:
        program_dir = find_program()
        stack_file(program_dir, env)
    except program_error() as exc:
        _exit(EXIT_INVALID, f"error: {exc}")
    try:
        drifted, pending = engine_drift(
            program_dir,
            env,
            PACK_DIR,
            policy_config or config_for_stack(env),
            on_output=lambda line: eprint(line.rstrip("\n")),
        )
    except EngineMissing as exc:
        _exit(EXIT_INVALID, f"error: {exc}")
    except DeployError as exc:
        _exit(EXIT_ENGINE, f"error: {exc}")
    document = drift_document(env, drifted, pending)
    text = render_drift(document, fmt.value)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        eprint(f"wrote {output}")
    else:
        sys.stdout.write(text)
    raise typer.Exit(EXIT_DRIFT if drifted or pending else EXIT_OK)


def drift_document(
    env: str, drifted: list[ResourceChange], pending: list[ResourceChange]
) -> dict[str, Any]:
    """The JSON form: `{"stack", "drifted": [...], "pending": [...], "summary"}`, redacted.

    Refreshed state holds what AWS returned: every credential-named property is masked,
    and its values are scrubbed wherever else they appear, before anything is rendered.
    """
    redactor = Redactor()
    for change in (*drifted, *pending):
        redactor.collect(change.old_inputs)
        redactor.collect(change.new_inputs)

    def value(inputs: dict[str, Any], key: str) -> Any:
        # Masked as the key it sits under, wherever the diff's path points.
        return redactor.data({key: inputs.get(key)})[key]

    def entry(change: ResourceChange) -> dict[str, Any]:
        keys = change.diffs or sorted(change.detailed_diff)
        return {
            "urn": change.urn,
            "type": change.type,
            "op": change.op,
            "properties": [
                {
                    "path": key,
                    "before": value(change.old_inputs, key),
                    "after": value(change.new_inputs, key),
                }
                for key in keys
            ],
        }

    document = {
        "stack": env,
        "drifted": [entry(c) for c in drifted],
        "pending": [entry(c) for c in pending],
        "summary": {"drifted": len(drifted), "pending": len(pending)},
    }
    return redactor.data(document)


def render_drift(document: dict[str, Any], fmt: str) -> str:
    """`document` as table, JSON or Markdown."""
    # rich and the policy package (pulumi_policy) load when a report is rendered, not at start-up.
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from storagectl.policy.markdown import table_cell

    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    rows = [
        (kind, item["urn"], item["op"], prop["path"], prop["before"], prop["after"])
        for kind in ("drifted", "pending")
        for item in document[kind]
        for prop in (item["properties"] or [{"path": "", "before": None, "after": None}])
    ]
    if fmt == "markdown":
        lines = [
            f"### Drift of `{document['stack']}`: {document['summary']['drifted']} drifted, "
            f"{document['summary']['pending']} pending",
            "",
        ]
        if rows:
            lines += ["| | resource | op | property | before | after |", "|---" * 6 + "|"]
            lines += ["| " + " | ".join(table_cell(_plain(v)) for v in row) + " |" for row in rows]
        else:
            lines.append("No drift: the cloud, the state and the program agree.")
        return "\n".join(lines) + "\n"
    console = Console(file=None, record=True, width=160, markup=False, emoji=False, highlight=False)
    table = Table(title=f"drift of {document['stack']}")
    for column in ("", "resource", "op", "property", "before", "after"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(Text(_plain(v)) for v in row))
    with console.capture() as captured:
        console.print(
            table if rows else Text("no drift: the cloud, the state and the program agree")
        )
    return captured.get()


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _exit(code: int, *lines: str) -> NoReturn:
    for line in lines:
        eprint(line)
    raise typer.Exit(code)
