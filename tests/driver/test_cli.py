"""`storagectl validate` and `plan` as a user runs them: exit codes and messages, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plans import REPO

PROD = (REPO / "stacks" / "Pulumi.prod.yaml").read_text(encoding="utf-8")


def storagectl(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "storagectl", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_validate_all_shipped_stacks_exits_0() -> None:
    assert storagectl("validate").returncode == 0


BROKEN = {
    "typo-key": (
        PROD.replace("databaseName: orders", "databseName: orders"),
        "databases.orders.databseName: unknown key (did you mean 'databaseName'?)",
    ),
    "out-of-range": (
        PROD.replace(
            "      replicas: 1\n      dataClassification: internal\n      allowedSecurityGroupIds",
            "      replicas: 9\n      dataClassification: internal\n      allowedSecurityGroupIds",
            1,
        ),
        "backend-storage:databases.catalog.replicas: must be between 0 and 5 (got 9)",
    ),
    "yaml-syntax": (
        PROD.replace(
            "  backend-storage:owner: platform-team\n", "  backend-storage:owner: [platform-team\n"
        ),
        "YAML syntax error",
    ),
    "template-class": (
        PROD.replace('cost-center: "4711"', "cost-center: \"{{ ''.__class__ }}\""),
        "template refused",
    ),
    "grant-missing-bucket": (
        PROD.replace(
            "          uploads:\n            access: read\n",
            "          upload:\n            access: read\n",
        ),
        "no bucket named 'upload'",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("command", ["validate", "plan"])
def test_broken_stack_file_exits_2_with_located_message(
    tmp_path: Path, case: str, command: str
) -> None:
    text, expected = BROKEN[case]
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(text, encoding="utf-8")
    args = (
        ["validate", str(path)]
        if command == "validate"
        else ["plan", "prod", "--config-file", str(path)]
    )
    result = storagectl(*args)
    assert (result.returncode, expected in result.stderr, "Traceback" in result.stderr) == (
        2,
        True,
        False,
    ), result.stderr


def test_unknown_stack_exits_2_listing_known_stacks() -> None:
    result = storagectl("plan", "qa")
    assert (result.returncode, "known stacks: dev, prod, staging" in result.stderr) == (2, True), (
        result.stderr
    )


def test_plan_dev_prints_a_table_and_exits_0() -> None:
    result = storagectl("plan", "dev")
    assert (result.returncode, "aws:s3/bucket:Bucket" in result.stdout) == (0, True), result.stderr


def test_plan_prod_json_has_the_contract_keys(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = storagectl("plan", "prod", "--format", "json", "--output", str(out))
    plan = json.loads(out.read_text())
    assert (result.returncode, sorted(plan)) == (
        0,
        sorted(
            [
                "project",
                "stack",
                "program",
                "preview",
                "config",
                "resources",
                "outputs",
                "violations",
                "summary",
            ]
        ),
    ), result.stderr


def test_plan_foreign_program_json() -> None:
    program = REPO / "tests" / "data" / "foreign_program"
    result = storagectl("plan", "--program", str(program), "--stack", "prod", "--format", "json")
    plan = json.loads(result.stdout)
    assert (plan["project"], len(plan["resources"])) == ("legacy-app", 5), result.stderr


def test_foreign_program_that_raises_exits_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: crashy\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("raise ValueError('bad idea')\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    result = storagectl("plan", "--program", str(tmp_path), "--stack", "dev")
    assert (
        result.returncode,
        "ValueError: bad idea" in result.stderr,
        "Traceback" in result.stderr,
    ) == (2, True, False)


def test_program_dir_without_pulumi_yaml_exits_2(tmp_path: Path) -> None:
    result = storagectl("plan", "--program", str(tmp_path), "--stack", "dev")
    assert (result.returncode, "no Pulumi.yaml" in result.stderr) == (2, True)


def test_unreadable_policy_config_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "pack.json"
    bad.write_text("{", encoding="utf-8")
    result = storagectl("plan", "dev", "--policy-config", str(bad))
    assert (result.returncode, f"{bad}:1:2: not valid JSON" in result.stderr) == (2, True)


def test_mandatory_violation_exits_1() -> None:
    program = REPO / "tests" / "data" / "foreign_program"
    result = storagectl(
        "plan",
        "--program",
        str(program),
        "--stack",
        "prod",
        "--policy-config",
        str(REPO / "policies" / "config" / "prod.json"),
    )
    assert (
        result.returncode,
        "[mandatory] rds-instance-disallow-public-access" in result.stdout,
    ) == (1, True)


def test_program_warnings_reach_stderr(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: warny\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\npulumi.log.warn('deprecated setting used')\n"
    )
    result = storagectl("plan", "--program", str(tmp_path), "--stack", "dev")
    assert "program warning: deprecated setting used" in result.stderr
