"""One cause, one finding: no two rules report the same (resource, cause) on the fixtures.

A rule's *causes* are the settings its violations ask to change (`Rule.causes`). Two
rules that report the same resource with a shared cause would show a reviewer one problem
twice (as KMS.3 and the protect rule once did for a key's missing `protect`).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from functools import cache
from typing import Any

import pytest

from storagectl.planner import plan_stack
from tests.plans import REPO, plan_of
from tests.policies.harness import REGISTRY

DATA = REPO / "tests" / "data"
TRAPS = DATA / "traps_program"
FOREIGN = DATA / "foreign_program"
PROD_CONFIG = REPO / "policies" / "config" / "prod.json"


@cache
def traps_plan() -> dict[str, Any]:
    return plan_stack(TRAPS, "prod", TRAPS / "Pulumi.prod.yaml", policy_config=PROD_CONFIG)


@cache
def foreign_plan() -> dict[str, Any]:
    return plan_stack(FOREIGN, "prod", FOREIGN / "Pulumi.prod.yaml")


FIXTURES = {
    "dev": lambda: plan_of("dev"),
    "staging": lambda: plan_of("staging"),
    "prod": lambda: plan_of("prod"),
    "foreign-program": foreign_plan,
    "traps-program": traps_plan,
}


def shared_causes(violations: list[dict[str, Any]]) -> list[tuple[str, str, str, set[str]]]:
    """(resource, rule, rule, shared causes) for every pair of rules judging one resource alike."""
    by_resource: dict[str, set[str]] = defaultdict(set)
    for violation in violations:
        if violation["urn"]:
            by_resource[violation["urn"]].add(violation["policy"])
    clashes = []
    for resource, rules in by_resource.items():
        for first, second in itertools.combinations(sorted(rules), 2):
            common = set(REGISTRY[first].causes) & set(REGISTRY[second].causes)
            if common:
                clashes.append((resource, first, second, common))
    return clashes


@pytest.mark.parametrize("fixture", list(FIXTURES))
def test_no_two_rules_report_one_cause_on_one_resource(fixture: str) -> None:
    assert shared_causes(FIXTURES[fixture]()["violations"]) == []


def test_the_meta_test_catches_a_double_report() -> None:
    key = "urn:pulumi:prod::p::aws:kms/key:Key::k"
    doubled = [
        {"urn": key, "policy": "kms-key-enable-deletion-protection"},
        {"urn": key, "policy": "aws-stateful-resource-enforce-protect"},
    ]
    assert [c[3] for c in shared_causes(doubled)] == [{"protect"}]


#: The depth rules and the one resource of the traps program each must report.
EXPECTED = {
    ("elasticache-replication-group-enable-authentication", "open-cache", "mandatory"),
    ("s3-bucket-policy-disallow-cross-account-admin", "shared-policy", "mandatory"),
    ("aws-resource-disallow-credential-tag-keys", "shared", "mandatory"),
    ("aws-database-disallow-pinned-minor-version", "pinned-db", "advisory"),
    ("aws-database-disallow-fixed-final-snapshot-identifier", "snapshot-db", "advisory"),
    ("rds-parameter-group-configure-boolean-values", "mysql-params", "advisory"),
    ("kms-key-configure-replicate-permission", "mr-key", "advisory"),
    ("s3-replication-destination-configure-expiration", "source-replication", "advisory"),
}
DEPTH_RULES = {rule for rule, _, _ in EXPECTED} | {"s3-bucket-policy-configure-trusted-accounts"}


def test_traps_program_reports_exactly_the_expected_findings_once_each() -> None:
    found = Counter(
        (v["policy"], v["name"], v["enforcement"])
        for v in traps_plan()["violations"]
        if v["policy"] in DEPTH_RULES
    )
    assert found == Counter(EXPECTED)


def test_traps_program_messages_never_carry_the_tag_value() -> None:
    assert all("tok-3f9a1c77e2" not in v["message"] for v in traps_plan()["violations"])


#: Rules that share a cause on the same resource types, and why they never both report.
COMPLEMENTARY = {
    frozenset(
        {
            "elasticache-replication-group-enable-redis-auth",
            "elasticache-replication-group-enable-authentication",
        }
    ): "Redis OSS before 6.0 vs 6.0+ and Valkey",
    frozenset(
        {
            "s3-bucket-policy-disallow-cross-account-admin",
            "s3-bucket-policy-configure-trusted-accounts",
        }
    ): "owning account known vs unknown",
    frozenset(
        {"s3-bucket-configure-versioned-lifecycle", "s3-bucket-configure-lifecycle"}
    ): "versioned vs unversioned buckets",
}


def test_rules_sharing_a_cause_are_declared_complementary() -> None:
    # A new rule that judges an existing cause on the same types must say here why the two
    # cannot both fire (and the fixtures above must prove it).
    sharing = set()
    for first, second in itertools.combinations(list(REGISTRY), 2):
        overlap = set(first.resource_types) & set(second.resource_types) or (
            "*" in first.resource_types + second.resource_types
        )
        if overlap and set(first.causes) & set(second.causes):
            sharing.add(frozenset({first.name, second.name}))
    assert sharing == set(COMPLEMENTARY)


@pytest.mark.parametrize("pair", list(COMPLEMENTARY), ids=lambda p: "+".join(sorted(p)))
def test_complementary_rules_never_report_one_resource_together(pair: frozenset[str]) -> None:
    for fixture in FIXTURES.values():
        by_resource: dict[str, set[str]] = defaultdict(set)
        for violation in fixture()["violations"]:
            by_resource[violation["urn"]].add(violation["policy"])
        assert not any(pair <= policies for policies in by_resource.values())


def test_plan_program_cli_reports_the_traps_once_each() -> None:
    from typer.testing import CliRunner

    from storagectl.cli import app

    result = CliRunner().invoke(
        app,
        [
            "plan",
            "--program",
            str(TRAPS),
            "--stack",
            "prod",
            "--format",
            "json",
            "--policy-config",
            str(PROD_CONFIG),
        ],
    )
    assert result.exit_code == 1, result.output  # S3.6, authentication and tags are mandatory
    plan = json.loads(result.stdout)
    found = Counter(
        (v["policy"], v["name"], v["enforcement"])
        for v in plan["violations"]
        if v["policy"] in DEPTH_RULES
    )
    assert found == Counter(EXPECTED)
