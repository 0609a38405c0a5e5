"""Day-2 trap rules: a compliant baseline, then one change per failing case, the property
absent, and another resource type."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.policies.harness import (
    RuleCases,
    Stack,
    check_case,
    expand,
    run_stack,
)

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
MEMBER = "aws:rds/clusterInstance:ClusterInstance"
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
BUCKET = "aws:s3/bucket:Bucket"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"

PIN = "aws-database-disallow-pinned-minor-version"


def _names(found: list[tuple[str | None, str]]) -> list[str]:
    return [str(urn).rsplit("::", 1)[1] for urn, _ in found]


# --- pinned minor version -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "props", "expect"),
    [
        (INSTANCE, {"engine": "postgres", "engineVersion": "16"}, False),
        (INSTANCE, {"engine": "postgres", "engineVersion": "16.4"}, True),
        (INSTANCE, {"engine": "postgres", "engineVersion": "9.6"}, False),
        (INSTANCE, {"engine": "postgres", "engineVersion": "9.6.24"}, True),
        (INSTANCE, {"engine": "mysql", "engineVersion": "8.0"}, False),
        (INSTANCE, {"engine": "mysql", "engineVersion": "8.0.35"}, True),
        (INSTANCE, {"engine": "mariadb", "engineVersion": "10.11.6"}, True),
        (
            INSTANCE,
            {"engine": "postgres", "engineVersion": "16.4", "autoMinorVersionUpgrade": False},
            False,
        ),
        (INSTANCE, {"engine": "postgres"}, False),
        (
            INSTANCE,
            {"engine": "oracle-ee", "engineVersion": "19.0.0.0.ru-2024-01.rur-2024-01.r1"},
            False,
        ),
        (GROUP, {"engine": "redis", "engineVersion": "7.1"}, True),
        (GROUP, {"engine": "valkey", "engineVersion": "8.0"}, True),
        (GROUP, {"engine": "redis", "engineVersion": "6.x"}, False),
        (GROUP, {"engine": "redis", "engineVersion": "5.0.6"}, False),
        (
            GROUP,
            {"engine": "redis", "engineVersion": "7.1", "autoMinorVersionUpgrade": False},
            False,
        ),
        ("aws:sns/topic:Topic", {"engine": "postgres", "engineVersion": "16.4"}, False),
    ],
    ids=[
        "postgres-major",
        "postgres-minor",
        "postgres9-major",
        "postgres9-minor",
        "mysql-major",
        "mysql-minor",
        "mariadb-minor",
        "minor-upgrades-off",
        "version-absent",
        "oracle-not-judged",
        "redis7-major-minor",
        "valkey-major-minor",
        "redis6-floating",
        "redis5-no-auto-upgrades",
        "cache-upgrades-off",
        "other-type",
    ],
)
def test_pinned_minor_version_is_reported(type_: str, props: dict[str, Any], expect: bool) -> None:
    stack = Stack()
    stack.add(type_, "db", props)
    assert bool(run_stack(PIN, stack)) == expect


def test_ignored_engine_version_changes_pass() -> None:
    stack = Stack()
    db = stack.add(INSTANCE, "db", {"engine": "postgres", "engineVersion": "16.4"})
    db.opts.ignore_changes = ["engineVersion"]
    assert run_stack(PIN, stack) == []


def aurora(member_upgrades: bool = True) -> Stack:
    stack = Stack()
    cluster = stack.add(
        CLUSTER, "catalog", {"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0"}
    )
    stack.add(
        MEMBER,
        "catalog-1",
        {
            "engine": "aurora-mysql",
            "engineVersion": "8.0.mysql_aurora.3.08.0",
            "autoMinorVersionUpgrade": member_upgrades,
        },
        deps={"clusterIdentifier": [cluster]},
    )
    return stack


def test_aurora_cluster_is_reported_once_for_its_members() -> None:
    assert _names(run_stack(PIN, aurora())) == ["catalog"]


def test_aurora_cluster_whose_members_do_not_upgrade_passes() -> None:
    assert run_stack(PIN, aurora(member_upgrades=False)) == []


@pytest.mark.parametrize(
    ("upgrades", "expect"), [(None, True), (False, False)], ids=["default-on", "off"]
)
def test_multi_az_db_cluster_uses_its_own_setting(upgrades: bool | None, expect: bool) -> None:
    stack = Stack()
    props: dict[str, Any] = {
        "engine": "postgres",
        "engineVersion": "16.4",
        "dbClusterInstanceClass": "db.r6gd.large",
    }
    if upgrades is not None:
        props["autoMinorVersionUpgrade"] = upgrades
    stack.add(CLUSTER, "multi-az", props)
    assert bool(run_stack(PIN, stack)) == expect


def test_aurora_major_only_passes() -> None:
    stack = aurora()
    stack.replace("catalog", {"engine": "aurora-mysql", "engineVersion": "8.0"})
    stack.replace("catalog-1", {"engine": "aurora-mysql", "engineVersion": "8.0"})
    assert run_stack(PIN, stack) == []


# --- multi-Region key policy --------------------------------------------------------------

ROOT = "arn:aws:iam::111122223333:root"


def _policy(actions: list[str]) -> str:
    return json.dumps(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": actions, "Resource": "*"}
            ]
        }
    )


def key_estate(actions: list[str], multi_region: bool = True, separate: bool = True) -> Stack:
    stack = Stack()
    props: dict[str, Any] = {"multiRegion": multi_region}
    if not separate:
        props["policy"] = _policy(actions)
    key = stack.add(KEY, "key", props)
    if separate:
        stack.add(KEY_POLICY, "key-policy", {"policy": _policy(actions)}, deps={"keyId": [key]})
    return stack


@pytest.mark.parametrize(
    ("actions", "multi_region", "separate", "expect"),
    [
        (["kms:Describe*", "kms:ReplicateKey"], True, True, False),
        (["kms:*"], True, True, False),
        (["kms:Describe*", "kms:Put*"], True, True, True),
        (["kms:Describe*", "kms:Put*"], True, False, True),
        (["kms:Describe*", "kms:Put*"], False, True, False),
    ],
    ids=["allowed", "wildcard", "key-policy-resource", "inline-policy", "single-region"],
)
def test_multi_region_key_policy_must_allow_replication(
    actions: list[str], multi_region: bool, separate: bool, expect: bool
) -> None:
    found = run_stack(
        "kms-key-configure-replicate-permission", key_estate(actions, multi_region, separate)
    )
    assert _names(found) == (["key"] if expect else [])


def test_multi_region_key_without_policy_gets_the_default_and_passes() -> None:
    stack = Stack()
    stack.add(KEY, "key", {"multiRegion": True})
    assert run_stack("kms-key-configure-replicate-permission", stack) == []


# --- replication destination expiration ---------------------------------------------------


def _lifecycle(days: int | None, prefix: str = "") -> dict[str, Any]:
    rule: dict[str, Any] = {"id": "r", "status": "Enabled", "filter": {"prefix": prefix}}
    if days is not None:
        rule["expiration"] = {"days": days}
    else:
        rule["noncurrentVersionExpiration"] = {"noncurrentDays": 30}
    return {"rules": [rule]}


def replication_estate(
    source_days: int | None, dest_days: int | None, dest_prefix: str = ""
) -> Stack:
    stack = Stack()
    source = stack.add(BUCKET, "uploads")
    replica = stack.add(BUCKET, "uploads-dr", region="eu-central-1")
    stack.add(
        LIFECYCLE, "uploads-lifecycle", _lifecycle(source_days, "tmp/"), deps={"bucket": [source]}
    )
    stack.add(
        LIFECYCLE,
        "uploads-dr-lifecycle",
        _lifecycle(dest_days, dest_prefix),
        deps={"bucket": [replica]},
        region="eu-central-1",
    )
    stack.add(
        REPLICATION,
        "uploads-replication",
        {"rules": [{"status": "Enabled", "destination": {"bucket": "arn:aws:s3:::uploads-dr"}}]},
        deps={"bucket": [source], "rules": [replica]},
    )
    return stack


@pytest.mark.parametrize(
    ("source_days", "dest_days", "dest_prefix", "expect"),
    [
        (180, 180, "", False),
        (180, 90, "tmp/", False),
        (180, None, "", True),
        (180, 365, "", True),
        (180, 180, "other/", True),
        (None, None, "", False),
    ],
    ids=["same", "shorter-same-prefix", "absent", "longer", "other-prefix", "source-never-expires"],
)
def test_replication_destination_needs_the_source_expiration(
    source_days: int | None, dest_days: int | None, dest_prefix: str, expect: bool
) -> None:
    found = run_stack(
        "s3-replication-destination-configure-expiration",
        replication_estate(source_days, dest_days, dest_prefix),
    )
    assert _names(found) == (["uploads-replication"] if expect else [])


def test_replication_to_a_bucket_outside_the_stack_is_not_judged() -> None:
    stack = replication_estate(180, None)
    stack.drop("uploads-dr")
    stack.named("uploads-replication").property_dependencies["rules"] = []
    assert run_stack("s3-replication-destination-configure-expiration", stack) == []


# --- fixed final snapshot identifier ------------------------------------------------------

SNAPSHOT = "aws-database-disallow-fixed-final-snapshot-identifier"


@pytest.mark.parametrize(
    ("type_", "props", "expect"),
    [
        (INSTANCE, {"finalSnapshotIdentifier": "orders-final", "skipFinalSnapshot": False}, True),
        (CLUSTER, {"finalSnapshotIdentifier": "catalog-final"}, True),
        (GROUP, {"finalSnapshotIdentifier": "sessions-final"}, True),
        (INSTANCE, {"finalSnapshotIdentifier": "orders-final", "skipFinalSnapshot": True}, False),
        (INSTANCE, {"skipFinalSnapshot": False}, False),
        ("aws:sns/topic:Topic", {"finalSnapshotIdentifier": "x-final"}, False),
    ],
    ids=["instance", "cluster", "cache", "skipped", "absent", "other-type"],
)
def test_fixed_final_snapshot_identifier_is_reported(
    type_: str, props: dict[str, Any], expect: bool
) -> None:
    stack = Stack()
    stack.add(type_, "store", props)
    assert bool(run_stack(SNAPSHOT, stack)) == expect


def test_final_snapshot_identifier_derived_from_another_resource_passes() -> None:
    stack = Stack()
    suffix = stack.add("random:index/randomId:RandomId", "suffix", {"byteLength": 4})
    stack.add(
        INSTANCE,
        "store",
        {"finalSnapshotIdentifier": "orders-final-1a2b3c4d"},
        deps={"finalSnapshotIdentifier": [suffix]},
    )
    assert run_stack(SNAPSHOT, stack) == []


# --- ON/OFF in an instance parameter group -----------------------------------------------

MYSQL_GROUP = {
    "family": "mysql8.0",
    "parameters": [
        {"name": "require_secure_transport", "value": "1"},
        {"name": "log_output", "value": "FILE"},
    ],
}

CASES = [
    RuleCases(
        "rds-parameter-group-configure-boolean-values",
        PARAMETER_GROUP,
        MYSQL_GROUP,
        {
            "on": {"parameters": [{"name": "require_secure_transport", "value": "ON"}]},
            "off": {"parameters": [{"name": "require_secure_transport", "value": "OFF"}]},
            "mariadb-on": {
                "family": "mariadb10.11",
                "parameters": [{"name": "require_secure_transport", "value": "ON"}],
            },
        },
        "family",
        False,
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    ),
    RuleCases(
        "rds-parameter-group-configure-boolean-values",
        PARAMETER_GROUP,
        {"family": "postgres16", "parameters": [{"name": "rds.force_ssl", "value": "1"}]},
        {
            "on": {
                "family": "mysql8.0",
                "parameters": [{"name": "require_secure_transport", "value": "on"}],
            }
        },
        "parameters",
        False,
    ),
]


@pytest.mark.parametrize(("case", "props", "type_", "expect"), expand(CASES))
def test_parameter_group_rule_reports_exactly_the_failing_cases(case, props, type_, expect) -> None:
    check_case(case, props, type_, expect)
