"""The offline engine on a foreign program: what it records, and what it never shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from storagectl.planner import plan_stack
from storagectl.report import render
from tests.plans import REPO, by_urn, plan_of, resources_of

FOREIGN = REPO / "tests" / "data" / "foreign_program"
CIPHERTEXT = "v1:Q2lwaGVydGV4dE5vdERlY3J5cHRhYmxlT2ZmbGluZQ=="
PLAIN_TOKEN = "plain-token-value-7f3a9c"


@pytest.fixture(scope="module")
def foreign() -> dict[str, Any]:
    return plan_stack(FOREIGN, "prod", FOREIGN / "Pulumi.prod.yaml")


def test_foreign_program_resources_are_recorded(foreign: dict[str, Any]) -> None:
    assert sorted(r["type"] for r in foreign["resources"]) == [
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:kms/key:Key",
        "aws:rds/instance:Instance",
        "aws:s3/bucket:Bucket",
    ]


def test_foreign_program_project_and_stack(foreign: dict[str, Any]) -> None:
    assert (foreign["project"], foreign["stack"]) == ("legacy-app", "prod")


def test_computed_outputs_use_the_stacks_region(foreign: dict[str, Any]) -> None:
    (db,) = resources_of(foreign, "aws:rds/instance:Instance")
    assert db["outputs"]["arn"].startswith("arn:aws:rds:us-west-2:")


def test_property_dependencies_are_recorded(foreign: dict[str, Any]) -> None:
    (role,) = resources_of(foreign, "aws:iam/role:Role")
    (policy,) = resources_of(foreign, "aws:iam/rolePolicy:RolePolicy")
    assert policy["property_dependencies"]["role"] == [role["urn"]]


def test_additional_secret_outputs_are_recorded(foreign: dict[str, Any]) -> None:
    (db,) = resources_of(foreign, "aws:rds/instance:Instance")
    assert "password" in db["additional_secret_outputs"]


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_secret_config_values_appear_in_no_output_form(foreign: dict[str, Any], fmt: str) -> None:
    text = render(foreign, fmt)
    assert (CIPHERTEXT in text, PLAIN_TOKEN in text) == (False, False)


def test_secret_input_is_redacted(foreign: dict[str, Any]) -> None:
    (db,) = resources_of(foreign, "aws:rds/instance:Instance")
    assert db["inputs"]["password"] == "[secret]"


def test_secret_stack_output_is_redacted(foreign: dict[str, Any]) -> None:
    assert foreign["outputs"]["apiToken"] == "[secret]"


def test_preview_leaves_computed_outputs_unknown() -> None:
    plan = plan_stack(FOREIGN, "prod", FOREIGN / "Pulumi.prod.yaml", preview=True)
    (db,) = resources_of(plan, "aws:rds/instance:Instance")
    assert ("arn" in db["outputs"], plan["outputs"]["dbEndpoint"]) == (False, "[unknown]")


def test_options_are_recorded_from_our_program() -> None:
    plan = plan_of("prod")
    buckets = [r for r in resources_of(plan, "aws:s3/bucket:Bucket") if r["protect"]]
    assert buckets and all(r["retain_on_delete"] for r in buckets)


def test_parents_and_dependencies_point_at_recorded_resources() -> None:
    plan = plan_of("prod")
    urns = set(by_urn(plan))
    dangling = [
        (r["urn"], dep)
        for r in plan["resources"]
        for dep in [
            *r["dependencies"],
            *([r["parent"]] if r["parent"] and "pulumi:pulumi:Stack" not in r["parent"] else []),
        ]
        if dep not in urns and "pulumi:pulumi:Stack" not in dep
    ]
    assert dangling == []


def test_plans_are_deterministic() -> None:
    first = plan_stack(FOREIGN, "prod", FOREIGN / "Pulumi.prod.yaml")
    second = plan_stack(FOREIGN, "prod", FOREIGN / "Pulumi.prod.yaml")
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_two_programs_in_one_process_do_not_share_modules(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "Pulumi.yaml").write_text("name: other\nruntime: python\n")
    (other / "components").mkdir()
    (other / "components" / "__init__.py").write_text("BUCKET = 'from-other'\n")
    (other / "__main__.py").write_text(
        "import pulumi, pulumi_aws as aws\nfrom components import BUCKET\naws.s3.Bucket(BUCKET)\n"
    )
    (other / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-north-1\n")
    plan = plan_stack(other, "dev", other / "Pulumi.dev.yaml")
    assert [r["name"] for r in plan["resources"]] == ["from-other"]
