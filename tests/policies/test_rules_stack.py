"""Cross-resource stack rules: regional keys, replication role keys, RDS multi-AZ and TLS."""

from __future__ import annotations

import json

import pytest

from tests.policies.harness import DR_REGION, Stack, run_stack

KEY = "aws:kms/key:Key"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
INSTANCE = "aws:rds/instance:Instance"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1111"
DR_KEY_ARN = "arn:aws:kms:eu-central-1:123456789012:key/2222"
SOURCE_ARN = "arn:aws:rds:eu-west-1:123456789012:db:orders"


def replica_estate(key_region: str = DR_REGION, *, linked: bool = True) -> Stack:
    """An encrypted primary and its cross-region replica encrypted with a DR-region key."""
    stack = Stack()
    key = stack.add(KEY, "key", {"arn": KEY_ARN})
    dr_key = stack.add(
        REPLICA_KEY,
        "dr-key",
        {"arn": DR_KEY_ARN, "primaryKeyArn": KEY_ARN},
        deps={"primaryKeyArn": [key]},
        region=key_region,
    )
    primary = stack.add(
        INSTANCE,
        "orders",
        {"storageEncrypted": True, "kmsKeyId": KEY_ARN},
        deps={"kmsKeyId": [key]},
    )
    stack.add(
        INSTANCE,
        "orders-dr",
        {
            "storageEncrypted": True,
            "replicateSourceDb": SOURCE_ARN,
            "kmsKeyId": DR_KEY_ARN if linked else KEY_ARN,
        },
        deps={"replicateSourceDb": [primary], **({"kmsKeyId": [dr_key]} if linked else {})},
        region=DR_REGION,
    )
    return stack


def test_same_region_rule_passes_replica_with_own_region_key() -> None:
    assert run_stack("kms-key-enforce-same-region", replica_estate()) == []


def test_same_region_rule_fails_replica_encrypted_with_source_key_by_arn() -> None:
    stack = replica_estate(linked=False)
    found = run_stack("kms-key-enforce-same-region", stack)
    assert [urn for urn, _ in found] == [stack.named("orders-dr").urn]


def test_same_region_rule_fails_replica_key_in_primary_region() -> None:
    stack = replica_estate(key_region="eu-west-1")
    urns = {urn for urn, _ in run_stack("kms-key-enforce-same-region", stack)}
    assert urns == {stack.named("dr-key").urn, stack.named("orders-dr").urn}


def test_same_region_rule_fails_cross_region_replica_without_key() -> None:
    stack = replica_estate()
    stack.replace("orders-dr", {"storageEncrypted": True, "replicateSourceDb": SOURCE_ARN})
    stack.named("orders-dr").property_dependencies.pop("kmsKeyId")
    assert run_stack("kms-key-enforce-same-region", stack)


def test_same_region_rule_ignores_other_resource_types() -> None:
    stack = Stack()
    stack.add("aws:sns/topic:Topic", "topic", {"kmsMasterKeyId": DR_KEY_ARN})
    assert run_stack("kms-key-enforce-same-region", stack) == []


def replication_estate(policy_actions: tuple[str, ...] = ("kms:Decrypt", "kms:Encrypt")) -> Stack:
    stack = Stack()
    key = stack.add(KEY, "key", {"arn": KEY_ARN})
    dr_key = stack.add(REPLICA_KEY, "dr-key", {"arn": DR_KEY_ARN}, region=DR_REGION)
    source = stack.add("aws:s3/bucket:Bucket", "data", {})
    replica = stack.add("aws:s3/bucket:Bucket", "replica", {}, region=DR_REGION)
    stack.add(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "data-sse",
        {
            "rules": [
                {
                    "applyServerSideEncryptionByDefault": {
                        "sseAlgorithm": "aws:kms",
                        "kmsMasterKeyId": KEY_ARN,
                    }
                }
            ]
        },
        deps={"bucket": [source], "rules": [key]},
    )
    role = stack.add("aws:iam/role:Role", "replication-role", {})
    statements = []
    if "kms:Decrypt" in policy_actions:
        statements.append({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN})
    if "kms:Encrypt" in policy_actions:
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                "Resource": [DR_KEY_ARN],
            }
        )
    stack.add(
        "aws:iam/rolePolicy:RolePolicy",
        "replication-role-kms",
        {"policy": json.dumps({"Version": "2012-10-17", "Statement": statements})},
        deps={"role": [role], "policy": [key, dr_key]},
    )
    stack.add(
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "data-replication",
        {
            "rules": [
                {
                    "status": "Enabled",
                    "destination": {
                        "bucket": "arn:aws:s3:::replica",
                        "encryptionConfiguration": {"replicaKmsKeyId": DR_KEY_ARN},
                    },
                }
            ]
        },
        deps={"bucket": [source], "rules": [replica, dr_key], "role": [role]},
    )
    return stack


@pytest.mark.parametrize(
    ("actions", "expect"),
    [
        (("kms:Decrypt", "kms:Encrypt"), False),
        (("kms:Encrypt",), True),
        (("kms:Decrypt",), True),
        ((), True),
    ],
    ids=["both-keys", "no-source-key", "no-destination-key", "neither"],
)
def test_replication_role_needs_both_keys(actions, expect: bool) -> None:
    found = run_stack("s3-replication-role-configure-kms-access", replication_estate(actions))
    assert bool(found) == expect, found


def test_replication_role_rule_ignores_other_resource_types() -> None:
    stack = Stack()
    stack.add("aws:iam/role:Role", "role", {})
    assert run_stack("s3-replication-role-configure-kms-access", stack) == []


def aurora(*zones: str | None) -> Stack:
    stack = Stack()
    cluster = stack.add("aws:rds/cluster:Cluster", "orders", {"engine": "aurora-postgresql"})
    for i, zone in enumerate(zones):
        stack.add(
            "aws:rds/clusterInstance:ClusterInstance",
            f"orders-{i}",
            {"availabilityZone": zone} if zone else {},
            deps={"clusterIdentifier": [cluster]},
        )
    return stack


@pytest.mark.parametrize(
    ("zones", "expect"),
    [
        ((None, None), False),
        (("eu-west-1a", "eu-west-1b"), False),
        ((None,), True),
        (("eu-west-1a", "eu-west-1a"), True),
        ((), True),
    ],
    ids=["two-spread", "two-zones", "single-instance", "same-zone", "no-instances"],
)
def test_cluster_multi_az(zones, expect: bool) -> None:
    assert bool(run_stack("rds-cluster-enable-multi-az", aurora(*zones))) == expect


def tls_estate(engine: str, parameters: list[dict] | None, version: str = "14.9") -> Stack:
    stack = Stack()
    deps = {}
    props = {"engine": engine, "engineVersion": version}
    if parameters is not None:
        group = stack.add(
            "aws:rds/parameterGroup:ParameterGroup", "params", {"parameters": parameters}
        )
        deps = {"parameterGroupName": [group]}
        props["parameterGroupName"] = "backend-storage-prod-params"
    stack.add(INSTANCE, "db", props, deps=deps)
    return stack


@pytest.mark.parametrize(
    ("engine", "parameters", "version", "expect"),
    [
        ("postgres", [{"name": "rds.force_ssl", "value": "1"}], "14.9", False),
        ("postgres", [{"name": "rds.force_ssl", "value": "0"}], "16.3", True),
        ("postgres", [], "14.9", True),
        ("postgres", None, "14.9", True),
        ("postgres", None, "16.3", False),
        ("mysql", [{"name": "require_secure_transport", "value": "ON"}], "8.0.36", False),
        ("mysql", [{"name": "max_connections", "value": "100"}], "8.0.36", True),
        ("mysql", None, "8.0.36", True),
        ("sqlserver-se", None, "15.0", False),
    ],
    ids=[
        "pg-forced",
        "pg-off",
        "pg-group-without",
        "pg14-default-group",
        "pg16-default-group",
        "mysql-on",
        "mysql-absent",
        "mysql-default-group",
        "other-engine",
    ],
)
def test_instance_tls_enforced_through_parameter_group(engine, parameters, version, expect) -> None:
    found = run_stack(
        "rds-instance-enforce-tls-connections", tls_estate(engine, parameters, version)
    )
    assert bool(found) == expect, found
