"""`storagectl verify ENV --outputs FILE`: prove a deployed environment does what it says."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from storagectl.verify.runner import run_verify


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
    ca_bundle: Annotated[
        Path | None,
        typer.Option("--ca-bundle", help="CA bundle for TLS (the AWS RDS global-bundle.pem)."),
    ] = None,
    stacks_dir: Annotated[
        Path, typer.Option("--stacks-dir", help="Folder of the Pulumi.<env>.yaml stack files.")
    ] = Path("stacks"),
) -> None:
    """Run the post-deploy checks; exit 0 when all pass, 1 on failures, 2 on invalid input."""
    status = run_verify(
        env,
        outputs,
        stacks_dir=stacks_dir,
        hosts=hosts,
        aws_endpoint=aws_endpoint,
        output_format=output_format,
        timeout=timeout,
        ca_bundle=ca_bundle,
    )
    raise typer.Exit(status)
