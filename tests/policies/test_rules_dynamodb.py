"""DynamoDB rules: compliant baseline, one change per failure, absent, other type; DynamoDB.1
as a stack rule over tables, scalable targets and scaling policies."""

from __future__ import annotations

import pytest
from pulumi_policy.proxy import unknown_checking_proxy

from tests.policies.harness import (
    DR_REGION,
    REGION,
    UNKNOWN,
    RuleCases,
    Stack,
    check_case,
    expand,
    run_stack,
)

TABLE = "aws:dynamodb/table:Table"
TARGET = "aws:appautoscaling/target:Target"
POLICY = "aws:appautoscaling/policy:Policy"
KEY = f"arn:aws:kms:{REGION}:123456789012:key/mrk-1"
DR_KEY = f"arn:aws:kms:{DR_REGION}:123456789012:key/mrk-1"

GOOD = {
    "name": "backend-storage-prod-carts",
    "billingMode": "PAY_PER_REQUEST",
    "pointInTimeRecovery": {"enabled": True},
    "deletionProtectionEnabled": True,
    "serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY},
    "replicas": [{"regionName": DR_REGION, "kmsKeyArn": DR_KEY}],
    "tags": {"data-classification": "confidential"},
}
PUBLIC = {"tags": {"data-classification": "public"}}

CASES = [
    RuleCases(
        "dynamodb-table-enable-point-in-time-recovery",
        TABLE,
        GOOD,
        {"off": {"pointInTimeRecovery": {"enabled": False}}},
        "pointInTimeRecovery",
        True,
    ),
    RuleCases(
        "dynamodb-table-enable-deletion-protection",
        TABLE,
        GOOD,
        {"off": {"deletionProtectionEnabled": False}},
        "deletionProtectionEnabled",
        True,
    ),
    RuleCases(
        "dynamodb-table-enforce-customer-managed-key",
        TABLE,
        GOOD,
        {
            "aws-managed-key": {"serverSideEncryption": {"enabled": True}},
            "aws-owned-key": {"serverSideEncryption": {"enabled": False}},
            "replica-without-key": {"replicas": [{"regionName": DR_REGION}]},
        },
        "serverSideEncryption",
        True,
    ),
    RuleCases(
        # Public data may use AWS's keys; without the tag the table is judged as sensitive.
        "dynamodb-table-enforce-customer-managed-key",
        TABLE,
        {**PUBLIC, "serverSideEncryption": {"enabled": False}},
        {"confidential": {"tags": {"data-classification": "confidential"}}},
        "tags",
        True,
    ),
    RuleCases(
        "dynamodb-table-enforce-replica-key-region",
        TABLE,
        GOOD,
        {
            "replica-key-of-home": {"replicas": [{"regionName": DR_REGION, "kmsKeyArn": KEY}]},
            "table-key-of-dr": {"serverSideEncryption": {"enabled": True, "kmsKeyArn": DR_KEY}},
        },
        "replicas",
        False,
    ),
    RuleCases(
        # A replica declared on its own: its region is its provider's (eu-west-1 here).
        "dynamodb-table-enforce-replica-key-region",
        "aws:dynamodb/tableReplica:TableReplica",
        {"globalTableArn": "arn:aws:dynamodb:eu-central-1:123456789012:table/t", "kmsKeyArn": KEY},
        {"key-of-another-region": {"kmsKeyArn": DR_KEY}},
        "kmsKeyArn",
        False,
    ),
]


@pytest.mark.parametrize(("case", "props", "type_", "expect"), expand(CASES))
def test_dynamodb_rule_reports_exactly_the_failing_cases(case, props, type_, expect) -> None:
    check_case(case, props, type_, expect)


# DynamoDB.1: provisioned capacity scales ---------------------------------------------------

NAME = "backend-storage-staging-carts"
PROVISIONED = {
    "name": NAME,
    "billingMode": "PROVISIONED",
    "readCapacity": 5,
    "writeCapacity": 5,
    "globalSecondaryIndexes": [{"name": "by-customer", "readCapacity": 5, "writeCapacity": 5}],
}
SCOPES = [(f"table/{NAME}", "table"), (f"table/{NAME}/index/by-customer", "index")]


def scaled_stack(table: dict, skip: tuple[str, str] | None = None) -> Stack:
    """A table with a target and a policy per dimension, the policy of `skip` left out."""
    stack = Stack()
    owner = stack.add(TABLE, "carts", table)
    for resource_id, kind in SCOPES:
        for direction in ("Read", "Write"):
            dimension = f"dynamodb:{kind}:{direction}CapacityUnits"
            props = {
                "serviceNamespace": "dynamodb",
                "resourceId": resource_id,
                "scalableDimension": dimension,
            }
            label = f"{kind}-{direction.lower()}"
            target = stack.add(TARGET, f"{label}-target", props, deps={"resourceId": [owner]})
            if (kind, direction) != skip:
                stack.add(
                    POLICY,
                    f"{label}-policy",
                    {**props, "policyType": "TargetTrackingScaling"},
                    deps={"resourceId": [target]},
                )
    return stack


AUTOSCALING = "dynamodb-table-enable-autoscaling"


def test_provisioned_table_with_every_dimension_scaled_passes() -> None:
    assert run_stack(AUTOSCALING, scaled_stack(PROVISIONED)) == []


@pytest.mark.parametrize(
    ("skip", "missing"),
    [(("table", "Read"), "table reads"), (("index", "Write"), "index by-customer writes")],
)
def test_a_dimension_without_a_policy_fails(skip: tuple[str, str], missing: str) -> None:
    found = run_stack(AUTOSCALING, scaled_stack(PROVISIONED, skip))
    assert len(found) == 1 and missing in found[0][1], found


def test_provisioned_table_without_targets_fails() -> None:
    stack = Stack()
    stack.add(TABLE, "carts", PROVISIONED)
    (only,) = run_stack(AUTOSCALING, stack)
    assert "table reads, table writes, index by-customer reads" in only[1]


def test_billing_mode_absent_means_provisioned() -> None:
    stack = Stack()
    stack.add(TABLE, "carts", {k: v for k, v in PROVISIONED.items() if k != "billingMode"})
    assert len(run_stack(AUTOSCALING, stack)) == 1


def test_on_demand_table_passes_without_targets() -> None:
    stack = Stack()
    stack.add(TABLE, "carts", {**PROVISIONED, "billingMode": "PAY_PER_REQUEST"})
    assert run_stack(AUTOSCALING, stack) == []


def test_targets_of_another_service_do_not_count() -> None:
    stack = scaled_stack(PROVISIONED)
    for resource in stack.resources:
        if resource.resource_type == TARGET:
            resource.props = {**dict(resource.props), "serviceNamespace": "ecs"}
    assert len(run_stack(AUTOSCALING, stack)) == 1


def test_other_resource_types_alone_are_not_judged() -> None:
    stack = Stack()
    stack.add(TARGET, "lonely", {"serviceNamespace": "dynamodb", "resourceId": "table/x"})
    assert run_stack(AUTOSCALING, stack) == []


def test_auto_named_table_is_judged_through_dependencies() -> None:
    unnamed = {k: v for k, v in PROVISIONED.items() if k != "name"}
    assert run_stack(AUTOSCALING, scaled_stack(unnamed)) == []
    (only,) = run_stack(AUTOSCALING, scaled_stack(unnamed, ("table", "Write")))
    assert "table writes" in only[1]


def preview(stack: Stack) -> Stack:
    """`stack` as in preview: every resource id is still unknown."""
    for resource in stack.resources:
        if "resourceId" in resource.props:
            resource.props = unknown_checking_proxy({**dict(resource.props), "resourceId": UNKNOWN})
    return stack


def test_unknown_resource_ids_in_preview_still_decide() -> None:
    assert run_stack(AUTOSCALING, preview(scaled_stack(PROVISIONED))) == []
    (only,) = run_stack(AUTOSCALING, preview(scaled_stack(PROVISIONED, ("index", "Read"))))
    assert "index by-customer reads" in only[1]


def add_scaled_table(stack: Stack, name: str, *, linked: bool, skip: tuple[str, str] | None):
    """A provisioned table `name` with a target and a policy per dimension (`skip` left out),
    matched to the table by dependency when `linked`, else by `table/<name>` ids only."""
    owner = stack.add(TABLE, name, {**PROVISIONED, "name": name})
    for resource_id, kind in (
        (f"table/{name}", "table"),
        (f"table/{name}/index/by-customer", "index"),
    ):
        for direction in ("Read", "Write"):
            props = {
                "serviceNamespace": "dynamodb",
                "resourceId": resource_id,
                "scalableDimension": f"dynamodb:{kind}:{direction}CapacityUnits",
            }
            label = f"{name}-{kind}-{direction.lower()}"
            target = stack.add(
                TARGET, f"{label}-target", props, deps={"resourceId": [owner]} if linked else None
            )
            if (kind, direction) != skip:
                stack.add(
                    POLICY,
                    f"{label}-policy",
                    {**props, "policyType": "TargetTrackingScaling"},
                    deps={"resourceId": [target]} if linked else None,
                )


@pytest.mark.parametrize("linked", [True, False], ids=["by-dependency", "by-name"])
def test_each_of_many_tables_is_judged_by_its_own_targets(linked: bool) -> None:
    stack = Stack()
    for n in range(12):
        skip = ("table", "Write") if n == 7 else None
        add_scaled_table(stack, f"backend-storage-prod-t{n:02}", linked=linked, skip=skip)
    found = run_stack(AUTOSCALING, stack)
    assert [(urn.rsplit("::", 1)[-1], "table writes" in message) for urn, message in found] == [
        ("backend-storage-prod-t07", True)
    ]
