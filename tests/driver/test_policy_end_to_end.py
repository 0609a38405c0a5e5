"""The policy pack end to end through `storagectl plan`: shipped stacks, a weakened stack, a foreign program."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from storagectl.planner import plan_stack
from storagectl.report import render
from tests.plans import REPO, STACKS, plan_of

FOREIGN = REPO / "tests" / "data" / "foreign_program"
SARIF_SCHEMA = REPO / "tests" / "policies" / "data" / "sarif-schema-2.1.0.json"


def findings(plan: dict[str, Any]) -> set[tuple[str, str, str, tuple[str, ...]]]:
    """(policy, resource name, enforcement, controls) of every violation."""
    return {
        (v["policy"], v["name"], v["enforcement"], tuple(v["controls"])) for v in plan["violations"]
    }


@pytest.mark.parametrize("stack", STACKS)
def test_shipped_stack_has_no_mandatory_violation(stack: str) -> None:
    mandatory = [v for v in plan_of(stack)["violations"] if v["enforcement"] == "mandatory"]
    assert mandatory == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_taggable_resource_carries_the_required_tags(stack: str) -> None:
    untagged = [
        v["name"]
        for v in plan_of(stack)["violations"]
        if v["policy"] == "aws-resource-missing-required-tags"
    ]
    assert untagged == []


def weaken(tmp_path: Path) -> Path:
    """prod with one bucket opened and one database's protections lowered, in the stack file."""
    text = (REPO / "stacks" / "Pulumi.prod.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "      noncurrentVersionExpirationDays: 30\n      expirationDays: 180\n",
        "      noncurrentVersionExpirationDays: 30\n      expirationDays: 180\n"
        "      blockPublicAccess: false\n      accessLogging: false\n",
    )
    text = text.replace(
        "      databaseName: orders\n",
        "      databaseName: orders\n      deletionProtection: false\n      backupRetentionDays: 3\n",
    )
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_weakened_stack_file_produces_exactly_the_expected_violations(tmp_path: Path) -> None:
    weakened = plan_stack(REPO, "prod", weaken(tmp_path))
    assert findings(weakened) - findings(plan_of("prod")) == {
        (
            "rds-instance-configure-backup-retention",
            "backend-storage-prod-orders-writer",
            "mandatory",
            ("RDS.11",),
        ),
        (
            "rds-instance-enable-deletion-protection",
            "backend-storage-prod-orders-dr-replica",
            "mandatory",
            ("RDS.8",),
        ),
        (
            "rds-instance-enable-deletion-protection",
            "backend-storage-prod-orders-replica-1",
            "mandatory",
            ("RDS.8",),
        ),
        (
            "rds-instance-enable-deletion-protection",
            "backend-storage-prod-orders-replica-2",
            "mandatory",
            ("RDS.8",),
        ),
        (
            "rds-instance-enable-deletion-protection",
            "backend-storage-prod-orders-writer",
            "mandatory",
            ("RDS.8",),
        ),
        (
            "s3-bucket-enable-access-logging",
            "backend-storage-prod-uploads-bucket",
            "mandatory",
            ("S3.9",),
        ),
        (
            "s3-bucket-enforce-public-access-block",
            "backend-storage-prod-uploads-bucket",
            "mandatory",
            ("S3.8",),
        ),
    }


def test_weakened_stack_resolves_nothing(tmp_path: Path) -> None:
    weakened = plan_stack(REPO, "prod", weaken(tmp_path))
    assert findings(plan_of("prod")) - findings(weakened) == set()


def test_weakened_violation_points_at_the_stack_file_entry(tmp_path: Path) -> None:
    path = weaken(tmp_path)
    weakened = plan_stack(REPO, "prod", path)
    (violation,) = [
        v for v in weakened["violations"] if v["policy"] == "s3-bucket-enforce-public-access-block"
    ]
    sarif = json.loads(render(weakened, "sarif"))
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == violation["policy"]]
    region = result["locations"][0]["physicalLocation"]
    lines = path.read_text().splitlines()
    assert lines[region["region"]["startLine"] - 1].strip() == "uploads:"


@pytest.fixture(scope="module")
def foreign() -> dict[str, Any]:
    return plan_stack(FOREIGN, "prod", FOREIGN / "Pulumi.prod.yaml")


@pytest.mark.parametrize(
    ("policy", "name", "controls"),
    [
        ("rds-instance-disallow-public-access", "legacy-db", ("RDS.2",)),
        ("rds-instance-enable-storage-encryption", "legacy-db", ("RDS.3",)),
        ("aws-resource-disallow-plaintext-credentials", "legacy-db", ("BS.5",)),
        ("kms-key-enable-rotation", "legacy-key", ("KMS.4",)),
        ("iam-policy-disallow-full-admin", "legacy-role-policy", ("IAM.1",)),
        ("iam-role-disallow-wildcard-trust", "legacy-role", ("BS.6",)),
        ("s3-bucket-enforce-public-access-block", "assets", ("S3.8",)),
        ("s3-bucket-enforce-ssl-requests", "assets", ("S3.5",)),
        ("s3-bucket-enable-versioning", "assets", ("S3.14",)),
        ("s3-bucket-enforce-kms-encryption", "assets", ("S3.17",)),
    ],
)
def test_foreign_program_problem_is_reported_with_its_controls(
    foreign: dict[str, Any], policy: str, name: str, controls: tuple[str, ...]
) -> None:
    assert (policy, name, "advisory", controls) in findings(foreign)


def test_foreign_program_with_prod_pack_config_has_mandatory_violations() -> None:
    plan = plan_stack(
        FOREIGN,
        "prod",
        FOREIGN / "Pulumi.prod.yaml",
        policy_config=REPO / "policies" / "config" / "prod.json",
    )
    assert plan["summary"]["violations"]["mandatory"] > 0


@pytest.mark.parametrize("stack", STACKS)
def test_sarif_of_shipped_stack_validates(stack: str) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(render(plan_of(stack), "sarif")), schema)


def test_preview_plan_reports_no_more_than_the_full_plan() -> None:
    # Unknown values during preview must never produce a violation the full plan lacks.
    assert findings(plan_of("prod", preview=True)) <= findings(plan_of("prod"))
