"""`storagectl doctor`: is this machine set up to plan, deploy and verify the stacks?

Each check says what it found and, when something is wrong, what to do. Nothing here
prints a credential: the backend check reports the user and URL only, the AWS check the
account id and caller ARN only. Without the Pulumi CLI the checks that need it say so,
and every other check still runs.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from storagectl.commands.console import eprint
from storagectl.commands.errors import program_error
from storagectl.deploy.cli_version import CliProblem, min_version_text, pulumi_cli_version
from storagectl.redact import Redactor, is_credential_key
from storagectl.workspace import find_program, stack_file, stacks

if TYPE_CHECKING:
    from components.spec import EnvironmentSpec

OK, FIX, SKIP = "ok", "fix", "skipped"
EXIT_OK, EXIT_FIX, EXIT_INVALID = 0, 1, 2
AWS_TIMEOUT = 10.0


@dataclass(frozen=True)
class Finding:
    """One check's result: `status` is ok, fix or skipped; `detail` what to do."""

    check: str
    status: str
    detail: str


def doctor(
    envs: Annotated[
        list[str] | None, typer.Argument(help="Stacks to check (default: every stack file).")
    ] = None,
    aws_endpoint: Annotated[
        str | None,
        typer.Option("--aws-endpoint", help="AWS API endpoint override (e.g. a moto server)."),
    ] = None,
) -> None:
    """Check this machine: Pulumi CLI, login, AWS credentials, stacks, pack, kubeconfig.

    Exit 0 all good, 1 something to fix, 2 invalid input.
    """
    # The policy module imports pulumi_policy: loaded when doctor runs, not at start-up.
    from storagectl.policy.evaluate import PACK_DIR

    try:
        program_dir = find_program()
        names = envs or stacks(program_dir)
        paths = {name: stack_file(program_dir, name) for name in names}
    except program_error() as exc:
        eprint(f"error: {exc}")
        raise typer.Exit(EXIT_INVALID) from None
    findings: list[Finding] = []
    cli = check_cli()
    findings.append(cli)
    findings.append(check_login(program_dir) if cli.status == OK else _needs_cli("backend login"))
    specs: dict[str, EnvironmentSpec] = {}
    for name, path in paths.items():
        finding, spec = check_stack_file(name, path)
        findings.append(finding)
        if spec is not None:
            specs[name] = spec
    findings.append(check_aws(specs, aws_endpoint))
    findings.append(check_policy_pack(PACK_DIR))
    findings += check_kubeconfig(specs)
    # A CLI or SDK error may quote what it was given: scrub every credential-named variable
    # of our environment (PULUMI_ACCESS_TOKEN, AWS_SECRET_ACCESS_KEY...) from what we print.
    redactor = Redactor(v for k, v in os.environ.items() if is_credential_key(k))
    for finding in findings:
        typer.echo(f"[{finding.status:>7}] {finding.check}: {redactor.text(finding.detail)}")
    to_fix = [f for f in findings if f.status == FIX]
    typer.echo(
        f"{len(to_fix)} thing(s) to fix" if to_fix else "all good: ready to plan, deploy and verify"
    )
    raise typer.Exit(EXIT_FIX if to_fix else EXIT_OK)


def _needs_cli(check: str) -> Finding:
    return Finding(check, SKIP, "needs the Pulumi CLI (see above)")


def check_cli() -> Finding:
    """The Pulumi CLI is on PATH and at least the minimum version."""
    try:
        version = pulumi_cli_version()
    except CliProblem as exc:
        return Finding("Pulumi CLI", FIX, str(exc))
    have = ".".join(str(n) for n in version)
    return Finding("Pulumi CLI", OK, f"{have} (needs {min_version_text()} or later)")


def check_login(program_dir: Path) -> Finding:
    """`pulumi whoami` through the Automation API: user and backend URL, never a token."""
    from pulumi import automation as auto

    try:
        who = auto.LocalWorkspace(work_dir=str(program_dir)).who_am_i()
    except Exception as exc:  # CommandError, or the CLI's JSON not as expected
        first = next((ln for ln in str(exc).splitlines() if "error" in ln.lower()), "")
        return Finding(
            "backend login",
            FIX,
            f"not logged in ({first.strip()[:200] or type(exc).__name__}): run `pulumi login` "
            "(Pulumi Cloud, or a self-managed backend such as s3://bucket)",
        )
    where = f" at {who.url}" if getattr(who, "url", None) else ""
    return Finding("backend login", OK, f"logged in as {who.user}{where}")


def check_stack_file(name: str, path: Path) -> tuple[Finding, EnvironmentSpec | None]:
    """The stack file loads and validates."""
    from stackspec import SpecError, load_stack_file  # the spec models: only when checked

    try:
        spec = load_stack_file(path)
    except SpecError as exc:
        first = str(exc.problems[0]) if exc.problems else "invalid"
        more = f" (+{len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        return (
            Finding(
                f"stack {name}",
                FIX,
                f"{first}{more}; see `storagectl validate {name}`",
            ),
            None,
        )
    return Finding(f"stack {name}", OK, f"{path} valid ({spec.tier})"), spec


def check_aws(specs: dict[str, EnvironmentSpec], endpoint: str | None) -> Finding:
    """AWS credentials resolve (STS GetCallerIdentity) to an account the stacks allow."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    region = next(iter(specs.values())).region if specs else "us-east-1"
    config = Config(
        connect_timeout=AWS_TIMEOUT, read_timeout=AWS_TIMEOUT, retries={"max_attempts": 2}
    )
    try:
        sts = boto3.session.Session().client(
            "sts", region_name=region, endpoint_url=endpoint, config=config
        )
        identity = sts.get_caller_identity()
    except (BotoCoreError, ClientError, ValueError) as exc:
        # The class name only: botocore messages may quote profile names, never keys, but
        # there is no reason to take the chance.
        return Finding(
            "AWS credentials",
            FIX,
            f"no usable AWS credentials ({type(exc).__name__}): configure a profile "
            "(`aws configure sso`), set AWS_PROFILE, or export role credentials",
        )
    account = str(identity.get("Account", ""))
    wrong = sorted(name for name, spec in specs.items() if spec.account_id != account)
    if wrong:
        return Finding(
            "AWS credentials",
            FIX,
            f"caller {identity.get('Arn', '?')} is in account {account}, which "
            f"aws:allowedAccountIds of {', '.join(wrong)} does not allow: switch profile "
            "before deploying those stacks",
        )
    return Finding("AWS credentials", OK, f"{identity.get('Arn', '?')} (account {account})")


def check_policy_pack(pack_dir: Path) -> Finding:
    """The pack's Python environment, where `PulumiPolicy.yaml` says it is, has pulumi_policy."""
    import yaml  # PyYAML when doctor runs: `--help` imports this module too

    try:
        data: Any = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        return Finding("policy pack", FIX, f"{pack_dir}/PulumiPolicy.yaml unreadable: {exc}")
    runtime = data.get("runtime") if isinstance(data, dict) else None
    options = runtime.get("options") if isinstance(runtime, dict) else None
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    if isinstance(venv, str):
        python = pack_dir / venv / "bin" / "python"
        where = f"{pack_dir / venv}"
    else:
        python, where = Path("python3"), "python3 on PATH"
    try:
        done = subprocess.run(
            [str(python), "-c", "import pulumi_policy"],
            capture_output=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        ready = done.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ready = False
    if not ready:
        return Finding(
            "policy pack",
            FIX,
            f"pulumi_policy is not importable from {where}: run scripts/bootstrap (it "
            "installs policies/requirements.txt there)",
        )
    return Finding("policy pack", OK, f"environment ready ({where})")


def check_kubeconfig(specs: dict[str, EnvironmentSpec]) -> list[Finding]:
    """Each stack that hands off to Kubernetes names a context its kubeconfig has."""
    findings = []
    for name, spec in specs.items():
        kube = spec.cluster.kubernetes if spec.cluster is not None else None
        if kube is None:
            continue
        files = (
            [Path(kube.kubeconfig).expanduser()]
            if kube.kubeconfig
            else [Path(p) for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
            or [Path.home() / ".kube" / "config"]
        )
        contexts, current = _contexts(files)
        cluster = spec.cluster.name if spec.cluster is not None else "CLUSTER"
        wanted = kube.context or current
        check = f"kubeconfig {name}"
        if wanted is None:
            findings.append(
                Finding(check, FIX, f"no current context in {', '.join(map(str, files))}")
            )
        elif wanted not in contexts:
            findings.append(
                Finding(
                    check,
                    FIX,
                    f"context {wanted!r} not in {', '.join(map(str, files))}: run "
                    f"`aws eks update-kubeconfig --name {cluster} --alias {wanted}`",
                )
            )
        else:
            findings.append(Finding(check, OK, f"context {wanted!r} found"))
    return findings


def _contexts(files: list[Path]) -> tuple[set[str], str | None]:
    import yaml  # as in check_policy_pack: only when doctor runs

    names: set[str] = set()
    current: str | None = None
    for path in files:
        try:
            if path.stat().st_size > 16 * 1024 * 1024:
                continue  # not a kubeconfig anybody wrote by hand; do not load it
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError, RecursionError):
            continue
        if not isinstance(data, dict):
            continue
        for context in data.get("contexts") or []:
            if isinstance(context, dict) and isinstance(context.get("name"), str):
                names.add(context["name"])
        if current is None and isinstance(data.get("current-context"), str):
            current = data["current-context"]
    return names, current
