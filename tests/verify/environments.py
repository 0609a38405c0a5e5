"""Stack outputs documents pointing at the test servers and moto, as `pulumi` would print."""

from __future__ import annotations

from typing import Any

from components import outputs as out
from storagectl.verify.expectations import (
    BucketExpectation,
    CacheExpectation,
    DatabaseExpectation,
    Expectations,
)
from tests.verify.aws_world import DR_REGION, REGION, Shape

ENV = "verifytest"

# What tests/verify/data/stacks/Pulumi.verifytest.yaml declares (staging tier defaults).
EXPECTATIONS = Expectations(
    tier="staging",
    databases={
        name: DatabaseExpectation(
            replicas=1, max_replica_lag_seconds=30, multi_az=True, deletion_protection=True
        )
        for name in ("orders", "catalog")
    },
    caches={"sessions": CacheExpectation(replicas=1, authentication="password")},
    buckets={"data": BucketExpectation(replication=True)},
)


def database(
    engine: str, writer: str, replicas: list[str], port: int, identifier: str, secret: str, key: str
) -> dict[str, Any]:
    """One databases.<name> entry."""
    return {
        out.DB_ENGINE: engine,
        out.DB_FLAVOUR: "instance",
        out.DB_WRITER_ENDPOINT: writer,
        out.DB_READER_ENDPOINT: replicas[0] if replicas else writer,
        out.DB_REPLICA_ENDPOINTS: replicas,
        out.DB_PORT: port,
        out.DB_NAME: "postgres" if engine == "postgres" else None,
        out.DB_IDENTIFIER: identifier,
        out.DB_ARN: f"arn:aws:rds:{REGION}:123456789012:db:{identifier}",
        out.DB_MASTER_SECRET_ARN: secret,
        out.DB_KMS_KEY_ARN: key,
        out.DB_REPLICA_IDENTIFIERS: [f"{identifier}-replica-1"] if replicas else [],
    }


def document(
    shape: Shape,
    databases: dict[str, dict[str, Any]],
    cache_primary: str,
    cache_reader: str | None,
    cache_port: int,
    cache_secret: str,
) -> dict[str, Any]:
    """A whole outputs document for environment `verifytest`."""
    return {
        out.ENVIRONMENT: {
            out.ENV_NAME: ENV,
            out.ENV_TIER: "staging",
            out.ENV_REGION: REGION,
            out.ENV_DR_REGION: DR_REGION,
            out.ENV_ACCOUNT_ID: "123456789012",
        },
        out.KEYS: {"confidential": {out.KEY_ARN: shape.key_arn, out.KEY_DR_ARN: shape.dr_key_arn}},
        out.BUCKETS: {
            "data": {
                out.BUCKET_NAME: shape.bucket,
                out.BUCKET_ARN: f"arn:aws:s3:::{shape.bucket}",
                out.BUCKET_REGION: REGION,
                out.BUCKET_KMS_KEY_ARN: shape.key_arn,
                out.BUCKET_DR_NAME: shape.dr_bucket,
                out.BUCKET_DR_ARN: f"arn:aws:s3:::{shape.dr_bucket}",
                out.BUCKET_DR_REGION: DR_REGION,
            }
        },
        out.DATABASES: databases,
        out.CACHES: {
            "sessions": {
                out.CACHE_ENGINE: "redis",
                out.CACHE_PRIMARY_ENDPOINT: cache_primary,
                out.CACHE_READER_ENDPOINT: cache_reader,
                out.CACHE_PORT: cache_port,
                out.CACHE_REPLICATION_GROUP_ID: shape.replication_group,
                out.CACHE_USER_GROUP_ID: shape.user_group,
                out.CACHE_USER_IDS: ["app"],
                out.CACHE_USER_SECRET_ARNS: {"orders-api": cache_secret},
                out.CACHE_KMS_KEY_ARN: shape.key_arn,
            }
        },
        out.ROLES: {
            "orders-api": {
                out.ROLE_NAME: shape.role,
                out.ROLE_ARN: f"arn:aws:iam::123456789012:role/{shape.role}",
            }
        },
    }
