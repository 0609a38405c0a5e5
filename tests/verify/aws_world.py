"""AWS resources in moto, in a compliant and a non-compliant shape, created with boto3."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

REGION, DR_REGION = "eu-west-1", "eu-central-1"
ACCOUNT = "123456789012"

TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::{bucket}", "arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}


@dataclass(frozen=True)
class Shape:
    """Names and ARNs of one shape's resources (what the stack outputs would export)."""

    key_arn: str
    dr_key_arn: str
    bucket: str
    dr_bucket: str
    database: str
    mysql_database: str
    aurora_cluster: str
    replication_group: str
    user_group: str
    role: str


def _client(service: str, endpoint: str, region: str = REGION) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=endpoint)


def create_secret(endpoint: str, name: str, username: str, password: str) -> str:
    """A Secrets Manager secret in the RDS managed-secret JSON shape; returns its ARN."""
    sm = _client("secretsmanager", endpoint)
    value = json.dumps({"username": username, "password": password})
    return sm.create_secret(Name=name, SecretString=value)["ARN"]


def build_shape(endpoint: str, prefix: str, compliant: bool) -> Shape:
    """Create one shape's key, buckets, databases, cache, role; return their names."""
    kms, dr_kms = _client("kms", endpoint), _client("kms", endpoint, DR_REGION)
    key_arn = kms.create_key(Description=prefix)["KeyMetadata"]["Arn"]
    dr_key_arn = dr_kms.create_key(Description=f"{prefix}-dr")["KeyMetadata"]["Arn"]
    if compliant:
        kms.enable_key_rotation(KeyId=key_arn)
        dr_kms.enable_key_rotation(KeyId=dr_key_arn)
    shape = Shape(
        key_arn=key_arn,
        dr_key_arn=dr_key_arn,
        bucket=f"{prefix}-data",
        dr_bucket=f"{prefix}-data-dr",
        database=f"{prefix}-orders",
        mysql_database=f"{prefix}-inventory",
        aurora_cluster=f"{prefix}-catalog",
        replication_group=f"{prefix}-sessions",
        user_group=f"{prefix}-users",
        role=f"{prefix}-orders-api",
    )
    _buckets(endpoint, shape, compliant)
    _databases(endpoint, shape, compliant)
    _cache(endpoint, shape, compliant)
    iam = _client("iam", endpoint)
    trust = {"Version": "2012-10-17", "Statement": []}
    iam.create_role(RoleName=shape.role, AssumeRolePolicyDocument=json.dumps(trust))
    if compliant:
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        }
        iam.put_role_policy(
            RoleName=shape.role, PolicyName="grants", PolicyDocument=json.dumps(policy)
        )
    return shape


def _buckets(endpoint: str, shape: Shape, compliant: bool) -> None:
    s3, dr_s3 = _client("s3", endpoint), _client("s3", endpoint, DR_REGION)
    s3.create_bucket(Bucket=shape.bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    dr_s3.create_bucket(
        Bucket=shape.dr_bucket, CreateBucketConfiguration={"LocationConstraint": DR_REGION}
    )
    if not compliant:
        return
    s3.put_bucket_encryption(
        Bucket=shape.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": shape.key_arn,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    s3.put_public_access_block(
        Bucket=shape.bucket, PublicAccessBlockConfiguration=dict.fromkeys(flags, True)
    )
    for client, bucket in ((s3, shape.bucket), (dr_s3, shape.dr_bucket)):
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    policy = json.dumps(TLS_ONLY).replace("{bucket}", shape.bucket)
    s3.put_bucket_policy(Bucket=shape.bucket, Policy=policy)
    s3.put_bucket_replication(
        Bucket=shape.bucket,
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{ACCOUNT}:role/replication",
            "Rules": [
                {
                    "ID": "dr",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Enabled"},
                    "Destination": {"Bucket": f"arn:aws:s3:::{shape.dr_bucket}"},
                }
            ],
        },
    )


def _databases(endpoint: str, shape: Shape, compliant: bool) -> None:
    rds = _client("rds", endpoint)
    secure = {
        "StorageEncrypted": compliant,
        "PubliclyAccessible": not compliant,
        "DeletionProtection": compliant,
        "EnableIAMDatabaseAuthentication": compliant,
    }
    if compliant:
        secure["KmsKeyId"] = shape.key_arn
    for identifier, engine in ((shape.database, "postgres"), (shape.mysql_database, "mysql")):
        rds.create_db_instance(
            DBInstanceIdentifier=identifier,
            Engine=engine,
            DBInstanceClass="db.t4g.medium",
            AllocatedStorage=20,
            MasterUsername="storage_admin",
            MasterUserPassword="not-used-by-checks-1",
            MultiAZ=compliant,
            **secure,
        )
        if compliant:
            rds.create_db_instance_read_replica(
                DBInstanceIdentifier=f"{identifier}-replica-1",
                SourceDBInstanceIdentifier=identifier,
            )
    cluster = {key: value for key, value in secure.items() if key != "PubliclyAccessible"}
    rds.create_db_cluster(
        DBClusterIdentifier=shape.aurora_cluster,
        Engine="aurora-mysql",
        MasterUsername="storage_admin",
        MasterUserPassword="not-used-by-checks-1",
        **cluster,
    )
    for index in range(2 if compliant else 1):
        rds.create_db_instance(
            DBInstanceIdentifier=f"{shape.aurora_cluster}-{index}",
            DBClusterIdentifier=shape.aurora_cluster,
            Engine="aurora-mysql",
            DBInstanceClass="db.r6g.large",
            AvailabilityZone=f"{REGION}{'ab'[index]}",
            PubliclyAccessible=not compliant,
        )


def _cache(endpoint: str, shape: Shape, compliant: bool) -> None:
    ec = _client("elasticache", endpoint)
    ec.create_user(
        UserId=f"{shape.user_group}-default",
        UserName="default",
        Engine="redis",
        AccessString="off -@all" if compliant else "on ~* +@all",
        NoPasswordRequired=True,
    )
    ec.create_replication_group(
        ReplicationGroupId=shape.replication_group,
        ReplicationGroupDescription="sessions",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheClusters=2 if compliant else 1,
        AutomaticFailoverEnabled=compliant,
        AtRestEncryptionEnabled=compliant,
        TransitEncryptionEnabled=compliant,
        **({"KmsKeyId": shape.key_arn, "UserGroupIds": [shape.user_group]} if compliant else {}),
    )
