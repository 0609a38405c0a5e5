"""`storagectl audit --state FILE`: the policy pack over what is deployed, without the program."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from storagectl.commands.options import PolicyConfigOption

EXIT_OK, EXIT_VIOLATIONS, EXIT_INVALID = 0, 1, 2


class AuditFormat(StrEnum):
    """Output forms of `audit` (those of `plan`)."""

    table = "table"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


def audit(
    state: Annotated[
        Path,
        typer.Option(
            "--state", help="`pulumi stack export` JSON of the stack (secrets need not be shown)."
        ),
    ],
    policy_config: PolicyConfigOption = None,
    fmt: Annotated[AuditFormat, typer.Option("--format", help="Output form.")] = AuditFormat.table,
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Audit deployed state: judge a stack export with the policy pack, as `plan` does.

    Exit 0 without mandatory violations, 1 with, 2 on an invalid export or policy config.
    """
    # The pack and the renderers import pulumi_policy and rich: loaded when audit runs.
    from storagectl.audit import ExportError, audit_export
    from storagectl.policy import PolicyConfigError
    from storagectl.report import render

    try:
        document = audit_export(state, policy_config)
    except (ExportError, PolicyConfigError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    text = render(document, fmt.value)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            typer.echo(f"error: {output}: cannot write: {exc.strerror or exc}", err=True)
            raise typer.Exit(EXIT_INVALID) from None
        typer.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(text)
    mandatory = document["summary"]["violations"]["mandatory"]
    raise typer.Exit(EXIT_VIOLATIONS if mandatory else EXIT_OK)
