"""DocumentDB rules: compliant baseline, one change per failure, absent, other type; the
public-snapshot rule as a stack rule over clusters and the snapshots that name them."""

from __future__ import annotations

import pytest

from tests.policies.harness import RuleCases, Stack, check_case, expand, run_stack

CLUSTER = "aws:docdb/cluster:Cluster"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"

GOOD = {
    "engine": "docdb",
    "storageEncrypted": True,
    "kmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/mrk-1",
    "backupRetentionPeriod": 35,
    "enabledCloudwatchLogsExports": ["audit", "profiler"],
    "deletionProtection": True,
}

PARAMS = "aws:docdb/clusterParameterGroup:ClusterParameterGroup"
GOOD_PARAMS = {
    "family": "docdb5.0",
    "parameters": [
        {"name": "audit_logs", "value": "enabled"},
        {"name": "tls", "value": "enabled"},
    ],
}

CASES = [
    RuleCases(
        "docdb-cluster-parameter-group-enforce-tls",
        PARAMS,
        GOOD_PARAMS,
        {
            "disabled": {"parameters": [{"name": "tls", "value": "disabled"}]},
            "any-other-value": {"parameters": [{"name": "tls", "value": "off"}]},
        },
        "parameters",
        False,
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    ),
    RuleCases(
        "docdb-cluster-enable-storage-encryption",
        CLUSTER,
        GOOD,
        {"off": {"storageEncrypted": False}},
        "storageEncrypted",
        True,
        RDS_CLUSTER,
    ),
    RuleCases(
        "docdb-cluster-configure-backup-retention",
        CLUSTER,
        GOOD,
        {"one-day": {"backupRetentionPeriod": 1}, "six-days": {"backupRetentionPeriod": 6}},
        "backupRetentionPeriod",
        True,
        RDS_CLUSTER,
    ),
    RuleCases(
        "docdb-cluster-configure-backup-retention",
        CLUSTER,
        {**GOOD, "backupRetentionPeriod": 3},
        {"below-configured": {"backupRetentionPeriod": 2}},
        "backupRetentionPeriod",
        True,
        RDS_CLUSTER,
        config={"minimumRetentionDays": 3},
    ),
    RuleCases(
        "docdb-cluster-enable-audit-log-export",
        CLUSTER,
        GOOD,
        {"profiler-only": {"enabledCloudwatchLogsExports": ["profiler"]}},
        "enabledCloudwatchLogsExports",
        True,
        RDS_CLUSTER,
    ),
    RuleCases(
        "docdb-cluster-enable-deletion-protection",
        CLUSTER,
        GOOD,
        {"off": {"deletionProtection": False}},
        "deletionProtection",
        True,
        RDS_CLUSTER,
    ),
]


@pytest.mark.parametrize(("case", "props", "type_", "expect"), expand(CASES))
def test_docdb_rule_reports_exactly_the_failing_cases(case, props, type_, expect) -> None:
    check_case(case, props, type_, expect)


# DocumentDB.3: no public manual snapshots ------------------------------------------------

PUBLIC = "docdb-cluster-snapshot-disallow-public-access"


def snapshot_stack(cluster_type: str, shared: list[str] | None) -> Stack:
    stack = Stack()
    cluster = stack.add(cluster_type, "profiles", GOOD)
    props = {"dbClusterIdentifier": "profiles", "dbClusterSnapshotIdentifier": "manual-1"}
    if shared is not None:
        props["sharedAccounts"] = shared
    stack.add(SNAPSHOT, "manual", props, deps={"dbClusterIdentifier": [cluster]})
    return stack


def test_private_snapshot_of_a_docdb_cluster_passes() -> None:
    assert run_stack(PUBLIC, snapshot_stack(CLUSTER, ["210987654321"])) == []


def test_public_snapshot_of_a_docdb_cluster_fails() -> None:
    (only,) = run_stack(PUBLIC, snapshot_stack(CLUSTER, ["210987654321", "all"]))
    assert only[0].endswith("::manual") and "public" in only[1]


def test_snapshot_without_sharing_passes() -> None:
    assert run_stack(PUBLIC, snapshot_stack(CLUSTER, None)) == []


def test_public_snapshot_of_an_rds_cluster_is_left_to_the_rds_rules() -> None:
    assert run_stack(PUBLIC, snapshot_stack(RDS_CLUSTER, ["all"])) == []
