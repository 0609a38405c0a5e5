"""S3 bucket checks: encryption key, public access block, versioning, TLS-only, replication."""

from __future__ import annotations

import json
from typing import Any

from ..verdict import Verdict
from .session import guarded

_PUBLIC_ACCESS_FLAGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)


def key_id(key: str) -> str:
    """The key id of a KMS key ARN (`arn:...:key/<id>`) or the value itself."""
    return key.rsplit("key/", 1)[-1] if "key/" in key else key


def encrypted_with_key(s3: Any, bucket: str, key_arn: str) -> Verdict:
    """Default encryption is SSE-KMS with this environment's key."""

    def check() -> Verdict:
        config = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
        for rule in config.get("Rules", []):
            default = rule.get("ApplyServerSideEncryptionByDefault", {})
            algorithm = default.get("SSEAlgorithm")
            used = default.get("KMSMasterKeyID") or ""
            if algorithm not in ("aws:kms", "aws:kms:dsse"):
                return Verdict.failed(f"default encryption is {algorithm}, not SSE-KMS")
            if key_id(used) != key_id(key_arn):
                return Verdict.failed(
                    f"SSE-KMS uses {used or 'the AWS managed key'}, not {key_arn}"
                )
            return Verdict.passed(f"SSE-KMS with {key_arn}")
        return Verdict.failed("no default encryption rule")

    return guarded(
        "GetBucketEncryption",
        check,
        {
            "NoSuchBucket": f"bucket {bucket} does not exist",
            "ServerSideEncryptionConfigurationNotFoundError": "no default encryption configured",
        },
    )


def public_access_blocked(s3: Any, bucket: str) -> Verdict:
    """All four S3 Block Public Access flags are on for the bucket."""

    def check() -> Verdict:
        config = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        off = [flag for flag in _PUBLIC_ACCESS_FLAGS if not config.get(flag)]
        if off:
            return Verdict.failed(f"public access block flags off: {', '.join(off)}")
        return Verdict.passed("all four public access block flags on")

    return guarded(
        "GetPublicAccessBlock",
        check,
        {
            "NoSuchBucket": f"bucket {bucket} does not exist",
            "NoSuchPublicAccessBlockConfiguration": "no public access block configured",
        },
    )


def versioning_enabled(s3: Any, bucket: str) -> Verdict:
    """Versioning is Enabled (not absent, not Suspended)."""

    def check() -> Verdict:
        status = s3.get_bucket_versioning(Bucket=bucket).get("Status")
        if status != "Enabled":
            return Verdict.failed(f"versioning is {status or 'off'}")
        return Verdict.passed("versioning enabled")

    return guarded(
        "GetBucketVersioning", check, {"NoSuchBucket": f"bucket {bucket} does not exist"}
    )


def _is_tls_deny(statement: dict[str, Any]) -> bool:
    if statement.get("Effect") != "Deny":
        return False
    principal = statement.get("Principal")
    if principal not in ("*", {"AWS": "*"}):
        return False
    actions = statement.get("Action")
    actions = [actions] if isinstance(actions, str) else actions or []
    if not {"s3:*", "*"} & set(actions):
        return False
    condition = statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")
    values = condition if isinstance(condition, list) else [condition]
    return any(str(v).lower() == "false" for v in values)


def tls_only_policy(s3: Any, bucket: str) -> Verdict:
    """The bucket policy denies every request made without TLS (aws:SecureTransport false)."""

    def check() -> Verdict:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        statements = policy.get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else statements
        if any(_is_tls_deny(s) for s in statements):
            return Verdict.passed("policy denies s3:* when aws:SecureTransport is false")
        return Verdict.failed("no statement denies requests without TLS (aws:SecureTransport)")

    return guarded(
        "GetBucketPolicy",
        check,
        {
            "NoSuchBucket": f"bucket {bucket} does not exist",
            "NoSuchBucketPolicy": "no bucket policy: add the TLS-only deny statement",
        },
    )


def replicates_to(s3: Any, bucket: str, dr_bucket_arn: str) -> Verdict:
    """An enabled replication rule sends objects to the DR bucket."""

    def check() -> Verdict:
        config = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]
        for rule in config.get("Rules", []):
            if (
                rule.get("Status") == "Enabled"
                and rule.get("Destination", {}).get("Bucket") == dr_bucket_arn
            ):
                return Verdict.passed(f"replicates to {dr_bucket_arn}")
        return Verdict.failed(f"no enabled replication rule to {dr_bucket_arn}")

    return guarded(
        "GetBucketReplication",
        check,
        {
            "NoSuchBucket": f"bucket {bucket} does not exist",
            "ReplicationConfigurationNotFoundError": "no replication configured",
        },
    )
