"""ElastiCache resource rules: compliant baseline, one change per failure, absent, other type."""

from __future__ import annotations

import pytest

from tests.policies.harness import RuleCases, check_case, expand

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CLUSTER = "aws:elasticache/cluster:Cluster"

GOOD = {
    "engine": "redis",
    "engineVersion": "7.1",
    "snapshotRetentionLimit": 7,
    "autoMinorVersionUpgrade": True,
    "automaticFailoverEnabled": True,
    "atRestEncryptionEnabled": True,
    "transitEncryptionEnabled": True,
    "subnetGroupName": "backend-storage-prod-cache",
}
OLD_REDIS = {**GOOD, "engineVersion": "5.0.6", "authTokenWo": "[secret]"}

CASES = [
    RuleCases(
        "elasticache-cluster-enable-automatic-backups",
        GROUP,
        GOOD,
        {"off": {"snapshotRetentionLimit": 0}},
        "snapshotRetentionLimit",
        True,
    ),
    RuleCases(
        "elasticache-cluster-enable-automatic-backups",
        CLUSTER,
        {"engine": "valkey", "snapshotRetentionLimit": 1},
        {"off": {"snapshotRetentionLimit": 0}},
        "snapshotRetentionLimit",
        True,
    ),
    RuleCases(
        "elasticache-cluster-enable-automatic-backups",
        CLUSTER,
        {"engine": "redis", "replicationGroupId": "group", "snapshotRetentionLimit": 0},
        {"standalone": {"replicationGroupId": None}},
        "replicationGroupId",
        True,
    ),
    RuleCases(
        "elasticache-cluster-enable-minor-version-upgrade",
        GROUP,
        GOOD,
        {"off": {"autoMinorVersionUpgrade": False}},
        "autoMinorVersionUpgrade",
        False,
    ),
    RuleCases(
        "elasticache-replication-group-enable-automatic-failover",
        GROUP,
        GOOD,
        {"off": {"automaticFailoverEnabled": False}},
        "automaticFailoverEnabled",
        True,
        CLUSTER,
    ),
    RuleCases(
        "elasticache-replication-group-enable-at-rest-encryption",
        GROUP,
        GOOD,
        {"off": {"atRestEncryptionEnabled": False}},
        "atRestEncryptionEnabled",
        True,
        CLUSTER,
    ),
    RuleCases(
        "elasticache-replication-group-enable-transit-encryption",
        GROUP,
        GOOD,
        {
            "off": {"transitEncryptionEnabled": False},
            "preferred": {"transitEncryptionMode": "preferred"},
        },
        "transitEncryptionEnabled",
        True,
        CLUSTER,
    ),
    RuleCases(
        "elasticache-replication-group-enable-redis-auth",
        GROUP,
        OLD_REDIS,
        {"no-token": {"authTokenWo": None}},
        "engineVersion",
        False,
        CLUSTER,
    ),
    RuleCases(
        "elasticache-cluster-disallow-default-subnet-group",
        GROUP,
        GOOD,
        {"default": {"subnetGroupName": "default"}},
        "subnetGroupName",
        True,
    ),
]


@pytest.mark.parametrize(("case", "props", "type_", "expect"), expand(CASES))
def test_elasticache_rule_reports_exactly_the_failing_cases(case, props, type_, expect) -> None:
    check_case(case, props, type_, expect)


RBAC = {**GOOD, "userGroupIds": ["backend-storage-prod-sessions"]}
AUTH_CASES = [
    RuleCases(
        "elasticache-replication-group-enable-authentication",
        GROUP,
        RBAC,
        {
            "redis7-open": {"userGroupIds": None},
            "redis7-empty-user-groups": {"userGroupIds": []},
            "valkey-open": {"engine": "valkey", "engineVersion": "8.0", "userGroupIds": None},
            "no-version-named": {"engineVersion": None, "userGroupIds": None},
        },
        "userGroupIds",
        True,
        CLUSTER,
    ),
    RuleCases(
        "elasticache-replication-group-enable-authentication",
        GROUP,
        {**GOOD, "authTokenWo": "[secret]"},
        {"no-token": {"authTokenWo": None}},
        "authTokenWo",
        True,
        CLUSTER,
    ),
    RuleCases(
        # Redis OSS before 6.0 is ElastiCache.6's: one cause, one rule.
        "elasticache-replication-group-enable-authentication",
        GROUP,
        {**GOOD, "engineVersion": "5.0.6"},
        {"upgraded-to-6": {"engineVersion": "6.2"}},
        "engine",
        False,
        CLUSTER,
    ),
]


@pytest.mark.parametrize(("case", "props", "type_", "expect"), expand(AUTH_CASES))
def test_authentication_rule_reports_exactly_the_failing_cases(case, props, type_, expect) -> None:
    check_case(case, props, type_, expect)
