"""`storagectl verify ENV --outputs FILE`: prove a deployed environment does what it says."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from storagectl.commands.errors import program_error
from storagectl.workspace import find_program, stack_dir


def verify(
    env: Annotated[str, typer.Argument(help="Environment (stack) name, e.g. prod.")],
    outputs: Annotated[
        Path,
        typer.Option(
            "--outputs",
            help="File written by `pulumi stack output --json --show-secrets`.",
        ),
    ],
    hosts: Annotated[
        str,
        typer.Option(help="testinfra host spec of the vantage point, e.g. ssh://bastion."),
    ] = "local://",
    aws_endpoint: Annotated[
        str | None,
        typer.Option("--aws-endpoint", help="AWS API endpoint override (e.g. a moto server)."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="Output format: table or json.")
    ] = "table",
    timeout: Annotated[float, typer.Option(help="Seconds each network operation may take.")] = 10.0,
    deadline: Annotated[
        float | None,
        typer.Option(
            help="Seconds the whole run may take; unfinished checks fail. "
            "Default: derived from --timeout and the number of checks."
        ),
    ] = None,
    ca_bundle: Annotated[
        Path | None,
        typer.Option("--ca-bundle", help="CA bundle for TLS (the AWS RDS global-bundle.pem)."),
    ] = None,
    stacks_dir: Annotated[
        Path | None,
        typer.Option(
            "--stacks-dir",
            help="Folder of the Pulumi.<env>.yaml stack files; default: the project's.",
        ),
    ] = None,
) -> None:
    """Run the post-deploy checks; exit 0 when all pass, 1 on failures, 2 on invalid input."""
    # The checks need pytest, boto3 and the database drivers: loaded when verify runs.
    from storagectl.verify.runner import EXIT_INVALID, run_verify

    if stacks_dir is None:
        try:
            stacks_dir = stack_dir(find_program())
        except program_error() as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_INVALID) from None
    status = run_verify(
        env,
        outputs,
        stacks_dir=stacks_dir,
        hosts=hosts,
        aws_endpoint=aws_endpoint,
        output_format=output_format,
        timeout=timeout,
        deadline=deadline,
        ca_bundle=ca_bundle,
    )
    raise typer.Exit(status)
