"""RDS resource rules: compliant baseline, one change per failure, absent, other type."""

from __future__ import annotations

import pytest

from tests.policies.harness import RuleCases, check_case, expand

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
MEMBER = "aws:rds/clusterInstance:ClusterInstance"

GOOD_INSTANCE = {
    "engine": "postgres",
    "engineVersion": "16.3",
    "publiclyAccessible": False,
    "storageEncrypted": True,
    "multiAz": True,
    "monitoringInterval": 60,
    "deletionProtection": True,
    "enabledCloudwatchLogsExports": ["postgresql", "upgrade"],
    "iamDatabaseAuthenticationEnabled": True,
    "backupRetentionPeriod": 14,
    "autoMinorVersionUpgrade": True,
    "copyTagsToSnapshot": True,
    "dbSubnetGroupName": "backend-storage-prod-db",
    "port": 6432,
    "username": "orders_admin",
}
GOOD_CLUSTER = {
    "engine": "aurora-postgresql",
    "deletionProtection": True,
    "iamDatabaseAuthenticationEnabled": True,
    "copyTagsToSnapshot": True,
    "masterUsername": "orders_admin",
    "storageEncrypted": True,
    "autoMinorVersionUpgrade": True,
    "enabledCloudwatchLogsExports": ["postgresql"],
    "port": 6432,
}

CASES = [
    RuleCases(
        "rds-instance-disallow-public-access",
        INSTANCE,
        GOOD_INSTANCE,
        {"public": {"publiclyAccessible": True}},
        "publiclyAccessible",
        False,
    ),
    RuleCases(
        "rds-instance-disallow-public-access",
        MEMBER,
        {"publiclyAccessible": False},
        {"public-member": {"publiclyAccessible": True}},
        "publiclyAccessible",
        False,
    ),
    RuleCases(
        "rds-instance-enable-storage-encryption",
        INSTANCE,
        GOOD_INSTANCE,
        {"unencrypted": {"storageEncrypted": False}},
        "storageEncrypted",
        True,
        CLUSTER,
    ),
    RuleCases(
        "rds-instance-enable-storage-encryption",
        INSTANCE,
        {**GOOD_INSTANCE, "replicateSourceDb": "orders", "storageEncrypted": None},
        {"replica-explicitly-unencrypted": {"storageEncrypted": False}},
        "storageEncrypted",
        False,
    ),
    RuleCases(
        "rds-instance-enable-multi-az",
        INSTANCE,
        GOOD_INSTANCE,
        {"single-az": {"multiAz": False}},
        "multiAz",
        True,
        MEMBER,
    ),
    RuleCases(
        "rds-instance-enable-enhanced-monitoring",
        INSTANCE,
        GOOD_INSTANCE,
        {"off": {"monitoringInterval": 0}, "odd-interval": {"monitoringInterval": 90}},
        "monitoringInterval",
        True,
    ),
    RuleCases(
        "rds-instance-enable-deletion-protection",
        INSTANCE,
        GOOD_INSTANCE,
        {"off": {"deletionProtection": False}},
        "deletionProtection",
        True,
        CLUSTER,
    ),
    RuleCases(
        "rds-instance-enable-log-exports",
        INSTANCE,
        GOOD_INSTANCE,
        {
            "no-upgrade-log": {"enabledCloudwatchLogsExports": ["postgresql"]},
            "mysql-missing-audit": {
                "engine": "mysql",
                "enabledCloudwatchLogsExports": ["error", "general", "slowquery"],
            },
        },
        "enabledCloudwatchLogsExports",
        True,
        CLUSTER,
    ),
    RuleCases(
        "rds-instance-enable-iam-authentication",
        INSTANCE,
        GOOD_INSTANCE,
        {"off": {"iamDatabaseAuthenticationEnabled": False}},
        "iamDatabaseAuthenticationEnabled",
        True,
        CLUSTER,
    ),
    RuleCases(
        "rds-instance-enable-iam-authentication",
        INSTANCE,
        {"engine": "sqlserver-se", "iamDatabaseAuthenticationEnabled": False},
        {"mysql-without": {"engine": "mysql"}},
        "iamDatabaseAuthenticationEnabled",
        False,
    ),
    RuleCases(
        "rds-instance-configure-backup-retention",
        INSTANCE,
        GOOD_INSTANCE,
        {"short": {"backupRetentionPeriod": 3}, "off": {"backupRetentionPeriod": 0}},
        "backupRetentionPeriod",
        True,
    ),
    RuleCases(
        "rds-instance-configure-backup-retention",
        INSTANCE,
        {**GOOD_INSTANCE, "replicateSourceDb": "orders", "backupRetentionPeriod": 0},
        {"primary-without-backups": {"replicateSourceDb": None}},
        "backupRetentionPeriod",
        False,
    ),
    RuleCases(
        "rds-instance-enable-minor-version-upgrade",
        INSTANCE,
        GOOD_INSTANCE,
        {"off": {"autoMinorVersionUpgrade": False}},
        "autoMinorVersionUpgrade",
        False,
        CLUSTER,
    ),
    RuleCases(
        "rds-instance-enable-copy-tags-to-snapshot",
        INSTANCE,
        GOOD_INSTANCE,
        {"off": {"copyTagsToSnapshot": False}},
        "copyTagsToSnapshot",
        True,
        CLUSTER,
    ),
    RuleCases(
        "rds-instance-configure-subnet-group",
        INSTANCE,
        GOOD_INSTANCE,
        {
            "cross-region-replica-without": {
                "dbSubnetGroupName": None,
                "replicateSourceDb": "arn:aws:rds:eu-west-1:123456789012:db:orders",
            }
        },
        "dbSubnetGroupName",
        True,
        CLUSTER,
    ),
    RuleCases(
        "rds-instance-disallow-default-port",
        INSTANCE,
        GOOD_INSTANCE,
        {"default": {"port": 5432}, "mysql-default": {"engine": "mysql", "port": 3306}},
        "port",
        True,
    ),
    RuleCases(
        "rds-instance-disallow-default-port",
        CLUSTER,
        GOOD_CLUSTER,
        {"default": {"port": 5432}},
        "port",
        True,
    ),
    RuleCases(
        "rds-instance-disallow-default-admin-username",
        INSTANCE,
        GOOD_INSTANCE,
        {"admin": {"username": "admin"}, "postgres": {"username": "postgres"}},
        "username",
        False,
        CLUSTER,
    ),
    RuleCases(
        "rds-cluster-enable-deletion-protection",
        CLUSTER,
        GOOD_CLUSTER,
        {"off": {"deletionProtection": False}},
        "deletionProtection",
        True,
        INSTANCE,
    ),
    RuleCases(
        "rds-cluster-enable-iam-authentication",
        CLUSTER,
        GOOD_CLUSTER,
        {"off": {"iamDatabaseAuthenticationEnabled": False}},
        "iamDatabaseAuthenticationEnabled",
        True,
        INSTANCE,
    ),
    RuleCases(
        "rds-cluster-enable-copy-tags-to-snapshot",
        CLUSTER,
        GOOD_CLUSTER,
        {"off": {"copyTagsToSnapshot": False}},
        "copyTagsToSnapshot",
        True,
        INSTANCE,
    ),
    RuleCases(
        "rds-cluster-disallow-default-admin-username",
        CLUSTER,
        GOOD_CLUSTER,
        {"admin": {"masterUsername": "admin"}},
        "masterUsername",
        False,
        INSTANCE,
    ),
    RuleCases(
        "rds-cluster-enable-storage-encryption",
        CLUSTER,
        GOOD_CLUSTER,
        {"off": {"storageEncrypted": False}},
        "storageEncrypted",
        True,
        INSTANCE,
    ),
    RuleCases(
        "rds-cluster-enable-minor-version-upgrade",
        CLUSTER,
        GOOD_CLUSTER,
        {"off": {"autoMinorVersionUpgrade": False}},
        "autoMinorVersionUpgrade",
        False,
        INSTANCE,
    ),
    RuleCases(
        "rds-cluster-enable-log-exports",
        CLUSTER,
        GOOD_CLUSTER,
        {
            "none": {"enabledCloudwatchLogsExports": []},
            "aurora-mysql-without-audit": {
                "engine": "aurora-mysql",
                "enabledCloudwatchLogsExports": ["error"],
            },
        },
        "enabledCloudwatchLogsExports",
        True,
        INSTANCE,
    ),
]


@pytest.mark.parametrize(("case", "props", "type_", "expect"), expand(CASES))
def test_rds_rule_reports_exactly_the_failing_cases(case, props, type_, expect) -> None:
    check_case(case, props, type_, expect)
