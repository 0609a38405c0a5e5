"""ObjectBucket under the SDK mocks (the real program, via the offline engine): one invariant per test."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.plans import STACKS, by_urn, plan_of, resources_of, satellites

BUCKET = "aws:s3/bucket:Bucket"


def buckets(stack: str) -> list[dict[str, Any]]:
    return resources_of(plan_of(stack), BUCKET)


def cases() -> list[tuple[str, str]]:
    return [(stack, b["urn"]) for stack in STACKS for b in buckets(stack)]


@pytest.mark.parametrize(("stack", "urn"), cases())
def test_bucket_blocks_all_public_access(stack: str, urn: str) -> None:
    (block,) = satellites(
        plan_of(stack), "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", urn
    )
    flags = [
        block["inputs"].get(k)
        for k in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    ]
    assert flags == [True] * 4, urn


@pytest.mark.parametrize(("stack", "urn"), cases())
def test_bucket_enforces_bucket_owner(stack: str, urn: str) -> None:
    (controls,) = satellites(
        plan_of(stack), "aws:s3/bucketOwnershipControls:BucketOwnershipControls", urn
    )
    assert controls["inputs"]["rule"]["objectOwnership"] == "BucketOwnerEnforced", urn


@pytest.mark.parametrize(("stack", "urn"), cases())
def test_bucket_is_versioned(stack: str, urn: str) -> None:
    (versioning,) = satellites(plan_of(stack), "aws:s3/bucketVersioning:BucketVersioning", urn)
    assert versioning["inputs"]["versioningConfiguration"]["status"] == "Enabled", urn


@pytest.mark.parametrize(("stack", "urn"), cases())
def test_bucket_policy_denies_insecure_transport(stack: str, urn: str) -> None:
    (policy,) = satellites(plan_of(stack), "aws:s3/bucketPolicy:BucketPolicy", urn)
    statements = json.loads(policy["inputs"]["policy"])["Statement"]
    assert any(
        s["Effect"] == "Deny"
        and s["Condition"].get("Bool", {}).get("aws:SecureTransport") == "false"
        for s in statements
    ), urn


@pytest.mark.parametrize(("stack", "urn"), cases())
def test_data_bucket_uses_this_environments_key(stack: str, urn: str) -> None:
    plan = plan_of(stack)
    bucket = by_urn(plan)[urn]
    (sse,) = satellites(
        plan,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        urn,
    )
    rule = sse["inputs"]["rules"][0]
    default = rule["applyServerSideEncryptionByDefault"]
    if bucket["outputs"]["tags"].get("purpose") == "s3-server-access-logs":
        assert default["sseAlgorithm"] == "AES256", urn  # log targets need SSE-S3
        return
    keys = {k["outputs"]["arn"] for k in resources_of(plan, "aws:kms/key:Key")}
    keys |= {k["outputs"]["arn"] for k in resources_of(plan, "aws:kms/replicaKey:ReplicaKey")}
    assert (
        default["sseAlgorithm"],
        default["kmsMasterKeyId"] in keys,
        rule["bucketKeyEnabled"],
    ) == ("aws:kms", True, True), urn


@pytest.mark.parametrize(("stack", "urn"), cases())
def test_bucket_expires_noncurrent_versions_and_aborted_uploads(stack: str, urn: str) -> None:
    (lifecycle,) = satellites(
        plan_of(stack), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", urn
    )
    first = lifecycle["inputs"]["rules"][0]
    assert "noncurrentVersionExpiration" in first or "expiration" in first, urn
    assert first["abortIncompleteMultipartUpload"]["daysAfterInitiation"] >= 1, urn


@pytest.mark.parametrize("stack", STACKS)
def test_data_buckets_log_to_the_log_bucket(stack: str) -> None:
    plan = plan_of(stack)
    logged = {
        urn
        for r in resources_of(plan, "aws:s3/bucketLogging:BucketLogging")
        for urn in r["property_dependencies"]["bucket"]
    }
    data = {b["urn"] for b in buckets(stack) if "purpose" not in b["outputs"]["tags"]}
    assert data <= logged, sorted(data - logged)


@pytest.mark.parametrize("stack", STACKS)
def test_invoices_bucket_has_object_lock(stack: str) -> None:
    plan = plan_of(stack)
    (invoices,) = [
        b for b in buckets(stack) if b["name"] == f"backend-storage-{stack}-invoices-bucket"
    ]
    (lock,) = satellites(
        plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", invoices["urn"]
    )
    assert (
        invoices["inputs"]["objectLockEnabled"],
        lock["inputs"]["rule"]["defaultRetention"]["days"] > 0,
    ) == (True, True)


@pytest.mark.parametrize(("stack", "urn"), cases())
def test_bucket_carries_required_tags(stack: str, urn: str) -> None:
    tags = by_urn(plan_of(stack))[urn]["inputs"]["tags"]
    assert {"environment", "owner", "data-classification", "managed-by"} <= set(tags), urn


@pytest.mark.parametrize(("stack", "urn"), cases())
def test_prod_buckets_are_protected(stack: str, urn: str) -> None:
    bucket = by_urn(plan_of(stack))[urn]
    assert (bucket["protect"], bucket["retain_on_delete"]) == ((stack == "prod",) * 2), urn


def test_dev_has_no_dr_resources() -> None:
    plan = plan_of("dev")
    assert [r["name"] for r in plan["resources"] if r["type"] == "pulumi:providers:aws"] == []


def test_prod_dr_buckets_use_the_dr_provider_and_dr_key() -> None:
    plan = plan_of("prod")
    (provider,) = resources_of(plan, "pulumi:providers:aws")
    dr_buckets = [b for b in buckets("prod") if b["name"].endswith("-dr-bucket")]
    replica_keys = {
        k["outputs"]["arn"] for k in resources_of(plan, "aws:kms/replicaKey:ReplicaKey")
    }
    assert dr_buckets and all(b["provider"] == provider["urn"] for b in dr_buckets)
    for bucket in dr_buckets:
        (sse,) = satellites(
            plan,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            bucket["urn"],
        )
        key = sse["inputs"]["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
        assert key in replica_keys and ":eu-central-1:" in key, bucket["urn"]


def test_prod_replication_covers_replicated_buckets_only() -> None:
    plan = plan_of("prod")
    replicated = {
        urn
        for r in resources_of(plan, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")
        for urn in r["property_dependencies"]["bucket"]
    }
    names = {by_urn(plan)[u]["name"] for u in replicated}
    assert names == {"backend-storage-prod-invoices-bucket", "backend-storage-prod-uploads-bucket"}


def test_replication_role_may_use_exactly_the_two_keys() -> None:
    plan = plan_of("prod")
    for policy in resources_of(plan, "aws:iam/rolePolicy:RolePolicy"):
        if "replication" not in policy["name"]:
            continue
        doc = json.loads(policy["inputs"]["policy"])
        kms = sorted(
            s["Resource"]
            for s in doc["Statement"]
            if str(s["Action"]).startswith(("kms:", "['kms:"))
        )
        assert (
            len(kms) == 2
            and ":eu-west-1:" in kms[0] + kms[1]
            and ":eu-central-1:" in kms[0] + kms[1]
        ), policy["urn"]


def _replication_statement(sid: str) -> list[dict[str, Any]]:
    plan = plan_of("prod")
    policies = [
        json.loads(p["inputs"]["policy"])
        for p in resources_of(plan, "aws:iam/rolePolicy:RolePolicy")
        if "replication" in p["name"]
    ]
    return [s for doc in policies for s in doc["Statement"] if s["Sid"] == sid]


def test_replication_role_may_decrypt_objects_under_bucket_keys() -> None:
    # With S3 Bucket Keys on, the KMS encryption context is the bucket ARN itself.
    sources = {
        b["outputs"]["arn"]
        for b in buckets("prod")
        if b["name"]
        in ("backend-storage-prod-invoices-bucket", "backend-storage-prod-uploads-bucket")
    }
    allowed = {
        arn
        for s in _replication_statement("DecryptSource")
        for arn in s["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"]
    }
    assert sources <= allowed, sorted(sources - allowed)


def test_dr_key_policy_lets_the_replication_role_encrypt() -> None:
    plan = plan_of("prod")
    roles = {
        r["outputs"]["arn"]
        for r in resources_of(plan, "aws:iam/role:Role")
        if r["name"].endswith("-replication-role")
    }
    dr_policies = [
        json.loads(p["inputs"]["policy"])
        for p in resources_of(plan, "aws:kms/keyPolicy:KeyPolicy")
        if p["name"].endswith("-replica-policy")
    ]
    encrypters = {
        principal
        for doc in dr_policies
        for s in doc["Statement"]
        if "kms:Encrypt" in s["Action"] and s["Sid"] == "AllowUseByGrantedRoles"
        for principal in s["Principal"]["AWS"]
    }
    assert roles and roles <= encrypters, sorted(roles - encrypters)


def dr_lifecycle(stack: str, logical: str) -> dict[str, Any]:
    """The lifecycle configuration of the DR copy of bucket `logical`."""
    (found,) = [
        r
        for r in resources_of(
            plan_of(stack), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
        )
        if r["name"] == f"backend-storage-{stack}-{logical}-dr-lifecycle"
    ]
    return found


def expirations(lifecycle: dict[str, Any]) -> dict[str, Any]:
    """What the rules expire: current versions after days, delete markers, noncurrent."""
    found: dict[str, Any] = {}
    for rule in lifecycle["inputs"]["rules"]:
        expiration = rule.get("expiration") or {}
        if "days" in expiration:
            found["current"] = expiration["days"]
        if expiration.get("expiredObjectDeleteMarker"):
            found["markers"] = True
        if "noncurrentVersionExpiration" in rule:
            found["noncurrent"] = rule["noncurrentVersionExpiration"]["noncurrentDays"]
    return found


def test_dr_copy_of_uploads_expires_like_the_source() -> None:
    # Delete markers created by lifecycle expiration are not replicated: the DR copy
    # needs the source's expiration rules of its own (issue 10, item 4).
    assert expirations(dr_lifecycle("prod", "uploads")) == {
        "current": 180,
        "markers": True,
        "noncurrent": 30,
    }


@pytest.mark.parametrize(("stack", "urn"), cases())
def test_every_bucket_removes_expired_delete_markers(stack: str, urn: str) -> None:
    (lifecycle,) = satellites(
        plan_of(stack), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", urn
    )
    assert expirations(lifecycle).get("markers") is True, urn


def test_no_expiration_rule_mixes_days_and_delete_markers() -> None:
    # S3 refuses ExpiredObjectDeleteMarker beside Days in one Expiration.
    mixed = [
        r["urn"]
        for stack in STACKS
        for r in resources_of(
            plan_of(stack), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
        )
        for rule in r["inputs"]["rules"]
        if {"days", "expiredObjectDeleteMarker"} <= set(rule.get("expiration") or {})
    ]
    assert mixed == [], mixed
