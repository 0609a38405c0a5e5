"""S3 control plane: every bucket encrypted, private, versioned, TLS-only, replicated."""

from __future__ import annotations

from storagectl.verify.aws import s3


def test_bucket_encrypted_with_environment_key(bucket, aws, record) -> None:
    """Default encryption is SSE-KMS with the bucket's environment key."""
    client = aws("s3", bucket.bucket.region)
    verdict = record(s3.encrypted_with_key(client, bucket.bucket.bucket, bucket.bucket.kms_key_arn))
    assert verdict.ok, verdict.detail


def test_bucket_public_access_blocked(bucket, aws, record) -> None:
    """All four Block Public Access flags are on."""
    verdict = record(
        s3.public_access_blocked(aws("s3", bucket.bucket.region), bucket.bucket.bucket)
    )
    assert verdict.ok, verdict.detail


def test_bucket_versioning_enabled(bucket, aws, record) -> None:
    """Versioning is enabled."""
    verdict = record(s3.versioning_enabled(aws("s3", bucket.bucket.region), bucket.bucket.bucket))
    assert verdict.ok, verdict.detail


def test_bucket_tls_only_policy_present(bucket, aws, record) -> None:
    """The bucket policy denies requests made without TLS."""
    verdict = record(s3.tls_only_policy(aws("s3", bucket.bucket.region), bucket.bucket.bucket))
    assert verdict.ok, verdict.detail


def test_bucket_replicates_to_dr(replicated_bucket, aws, record) -> None:
    """Buckets declared with replication replicate to their DR bucket."""
    outputs = replicated_bucket.bucket
    dr_arn = outputs.dr_arn or f"arn:aws:s3:::{outputs.dr_bucket}"
    verdict = record(s3.replicates_to(aws("s3", outputs.region), outputs.bucket, dr_arn))
    assert verdict.ok, verdict.detail
