"""Commands load only what they use: `--help`, `validate` and `verify` never import the engine.

Each case runs the CLI app in a fresh interpreter (what is imported is a property of the
process) and reads back which heavy modules ended up in `sys.modules`. Timings are
measured by benchmarks/startup.py, never here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from components import outputs as out
from storagectl import engine
from storagectl.commands import options
from tests.bench import run_benchmark

REPO = Path(__file__).resolve().parents[2]

# Runs the app as the console script does and writes {"exit", "loaded"} to argv[1].
CHILD = """
import json, sys
from storagectl.cli import app
report, *argv = sys.argv[1:]
try:
    app(argv, prog_name="storagectl")
    code = 0
except SystemExit as stop:
    code = stop.code
loaded = [name for name in json.loads(sys.stdin.read()) if name in sys.modules]
with open(report, "w", encoding="utf-8") as handle:
    json.dump({"exit": code, "loaded": loaded}, handle)
"""

ENGINE = ["storagectl.engine", "pulumi", "pulumi_aws", "pulumi_policy", "grpc"]
"""The offline engine and what it imports (the Pulumi SDK and its gRPC)."""
CHECKS = ["boto3", "botocore", "pytest", "_pytest", "testinfra"]
"""What the post-deploy checks import."""
POLICY = ["jsonschema"]
"""What the policy-config validation imports."""

STACK_FILE = """\
config:
  aws:region: eu-west-1
  aws:allowedAccountIds:
    - "123456789012"
  backend-storage:tier: dev
  backend-storage:owner: platform-team
  backend-storage:network:
    vpcId: vpc-0d1e2f3a4b5c6d7e8
    subnetIds:
      - subnet-0d1e2f3a4b5c6d7e1
      - subnet-0d1e2f3a4b5c6d7e2
  backend-storage:buckets:
    data: {}
"""


def loaded_by(argv: list[str], watched: list[str], tmp_path: Path) -> tuple[object, list[str]]:
    """(exit code, the `watched` modules in sys.modules) after `storagectl argv` in a new process."""
    report = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, "-c", CHILD, str(report), *argv],
        cwd=REPO,
        input=json.dumps(watched),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    done = json.loads(report.read_text(encoding="utf-8"))
    return done["exit"], done["loaded"]


@pytest.mark.parametrize(
    ("argv", "unwanted"),
    [
        (["--help"], [*ENGINE, *CHECKS, *POLICY, "pydantic", "jinja2"]),
        (["plan", "--help"], [*ENGINE, *CHECKS, *POLICY, "jinja2"]),
        # typer itself coerces a command's parameters through pydantic.
        (["verify", "--help"], [*ENGINE, *CHECKS, *POLICY, "jinja2"]),
        # The policy config of dev is checked against the pack's rules, which are
        # pulumi_policy objects: the Pulumi SDK is validate's; the engine and the
        # checks are not.
        (["validate", "dev"], [*CHECKS, "storagectl.engine", "pulumi_aws"]),
    ],
    ids=["help", "plan-help", "verify-help", "validate"],
)
def test_command_does_not_import_what_it_does_not_use(
    argv: list[str], unwanted: list[str], tmp_path: Path
) -> None:
    assert loaded_by(argv, unwanted, tmp_path) == (0, [])


def test_verify_runs_its_checks_without_the_engine(tmp_path: Path) -> None:
    # One bucket at an endpoint nobody listens on: every check runs, and fails.
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    (stacks / "Pulumi.mini.yaml").write_text(STACK_FILE, encoding="utf-8")
    outputs = tmp_path / "outputs.json"
    bucket = {
        out.BUCKET_NAME: "data",
        out.BUCKET_ARN: "arn:aws:s3:::data",
        out.BUCKET_REGION: "eu-west-1",
        out.BUCKET_KMS_KEY_ARN: "arn:aws:kms:eu-west-1:123456789012:key/k",
    }
    environment = {
        out.ENV_NAME: "mini",
        out.ENV_TIER: "dev",
        out.ENV_REGION: "eu-west-1",
        out.ENV_DR_REGION: None,
        out.ENV_ACCOUNT_ID: "123456789012",
    }
    outputs.write_text(
        json.dumps({out.ENVIRONMENT: environment, out.BUCKETS: {"data": bucket}}),
        encoding="utf-8",
    )
    argv = ["verify", "mini", "--outputs", str(outputs), "--stacks-dir", str(stacks)]
    argv += ["--aws-endpoint", "http://127.0.0.1:9", "--timeout", "2"]
    # Exit 1: the checks ran (and failed), so pytest and boto3 were loaded, the engine not.
    assert loaded_by(argv, [*ENGINE, "pytest", "boto3"], tmp_path) == (1, ["pytest", "boto3"])


def test_plan_timeout_default_is_the_engines() -> None:
    assert options.DEFAULT_TIMEOUT_S == engine.DEFAULT_TIMEOUT_S


def test_startup_benchmark_prints_one_row_per_command() -> None:
    code, header, rows = run_benchmark("startup.py", "--repeat", "1")
    # Every timed command exits 0: a crashing command would time nothing.
    assert (code, header.split(), [row.split()[-1] for row in rows]) == (
        0,
        ["command", "wall", "s", "cpu", "s", "exit"],
        ["0"] * 5,
    )
