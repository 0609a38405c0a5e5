"""DynamoDB tables and DocumentDB-shaped clusters in moto, compliant and not, made with boto3.

moto refuses the engine `docdb` (its RDS backend lists aurora-mysql, aurora-postgresql,
mysql, neptune, postgres), so the clusters are created through the `docdb` client with an
Aurora engine: DescribeDBClusters and DescribeDBClusterParameters answer with the same
fields the checks read (StorageEncrypted, KmsKeyId, BackupRetentionPeriod, the cluster
parameter group and its `tls` value). moto has no global-table replicas at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from tests.verify.aws_world import ACCOUNT, REGION


@dataclass(frozen=True)
class NoSqlShape:
    """Names of one shape's table and cluster, as the stack outputs would export them."""

    key_arn: str
    table: str
    table_arn: str
    cluster: str
    role_arn: str


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def build_nosql_shape(endpoint: str, prefix: str, compliant: bool) -> NoSqlShape:
    """Create one shape's key, table and cluster; return their names."""
    key_arn = _client("kms", endpoint).create_key(Description=f"{prefix}-nosql")["KeyMetadata"][
        "Arn"
    ]
    shape = NoSqlShape(
        key_arn=key_arn,
        table=f"{prefix}-carts",
        table_arn=f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{prefix}-carts",
        cluster=f"{prefix}-profiles",
        role_arn=f"arn:aws:iam::{ACCOUNT}:role/{prefix}-reporting",
    )
    _table(endpoint, shape, compliant)
    _cluster(endpoint, shape, compliant)
    _role(endpoint, shape)
    return shape


def _role(endpoint: str, shape: NoSqlShape) -> None:
    """The granted application's role, with a policy (the roles check reads it)."""
    iam = _client("iam", endpoint)
    name = shape.role_arn.rsplit("/", 1)[-1]
    trust = {"Version": "2012-10-17", "Statement": []}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    grant = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": shape.table_arn}
        ],
    }
    iam.put_role_policy(RoleName=name, PolicyName="grants", PolicyDocument=json.dumps(grant))


def _table(endpoint: str, shape: NoSqlShape, compliant: bool) -> None:
    ddb = _client("dynamodb", endpoint)
    sse = (
        {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": shape.key_arn}
        if compliant
        else {"Enabled": False}
    )
    ddb.create_table(
        TableName=shape.table,
        KeySchema=[{"AttributeName": "cartId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "cartId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        SSESpecification=sse,
        DeletionProtectionEnabled=compliant,
    )
    if compliant:
        ddb.update_continuous_backups(
            TableName=shape.table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
        principal = {"AWS": shape.role_arn}
    else:
        principal = {"AWS": "*"}
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": principal,
                "Action": "dynamodb:GetItem",
                "Resource": shape.table_arn,
            }
        ],
    }
    ddb.put_resource_policy(ResourceArn=shape.table_arn, Policy=json.dumps(policy))


def _cluster(endpoint: str, shape: NoSqlShape, compliant: bool) -> None:
    docdb = _client("docdb", endpoint)
    group = f"{shape.cluster}-params"
    docdb.create_db_cluster_parameter_group(
        DBClusterParameterGroupName=group,
        DBParameterGroupFamily="docdb5.0",
        Description="TLS required" if compliant else "TLS off",
    )
    docdb.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=group,
        Parameters=[
            {
                "ParameterName": "tls",
                "ParameterValue": "enabled" if compliant else "disabled",
                "ApplyMethod": "pending-reboot",
            }
        ],
    )
    encryption = {"StorageEncrypted": True, "KmsKeyId": shape.key_arn} if compliant else {}
    docdb.create_db_cluster(
        DBClusterIdentifier=shape.cluster,
        Engine="aurora-postgresql",  # see the module docstring: moto refuses `docdb`
        MasterUsername="storage_admin",
        MasterUserPassword="not-used-by-checks-1",
        BackupRetentionPeriod=35 if compliant else 1,
        DBClusterParameterGroupName=group,
        DeletionProtection=compliant,
        **encryption,
    )
