"""S3 control plane: every bucket encrypted, private, versioned, TLS-only, replicated."""

from __future__ import annotations

from storagectl.verify.aws import s3
from storagectl.verify.context import Context
from storagectl.verify.facts import BucketTarget
from storagectl.verify.verdict import Verdict


def test_bucket_encrypted_with_environment_key(bucket: BucketTarget, ctx: Context) -> Verdict:
    """Default encryption is SSE-KMS with the bucket's environment key."""
    outputs = bucket.bucket
    return s3.encrypted_with_key(ctx.aws("s3", outputs.region), outputs.bucket, outputs.kms_key_arn)


def test_bucket_public_access_blocked(bucket: BucketTarget, ctx: Context) -> Verdict:
    """All four Block Public Access flags are on."""
    return s3.public_access_blocked(ctx.aws("s3", bucket.bucket.region), bucket.bucket.bucket)


def test_bucket_versioning_enabled(bucket: BucketTarget, ctx: Context) -> Verdict:
    """Versioning is enabled."""
    return s3.versioning_enabled(ctx.aws("s3", bucket.bucket.region), bucket.bucket.bucket)


def test_bucket_tls_only_policy_present(bucket: BucketTarget, ctx: Context) -> Verdict:
    """The bucket policy denies requests made without TLS."""
    return s3.tls_only_policy(ctx.aws("s3", bucket.bucket.region), bucket.bucket.bucket)


def test_bucket_replicates_to_dr(replicated_bucket: BucketTarget, ctx: Context) -> Verdict:
    """Buckets declared with replication replicate to their DR bucket."""
    outputs = replicated_bucket.bucket
    dr_arn = outputs.dr_arn or f"arn:aws:s3:::{outputs.dr_bucket}"
    return s3.replicates_to(ctx.aws("s3", outputs.region), outputs.bucket, dr_arn)
