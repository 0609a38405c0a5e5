"""S3 stack rules: a fully compliant estate, then one change per failing case.

Satellites are linked to their bucket through property dependencies only, as in preview.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.policies.harness import DR_REGION, Stack, run_stack

BUCKET = "aws:s3/bucket:Bucket"
KEY = "aws:kms/key:Key"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1111"
DR_KEY_ARN = "arn:aws:kms:eu-central-1:123456789012:key/2222"
SSL_DENY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def _satellites(stack: Stack, bucket, name: str, key, *, sse: str = "aws:kms") -> None:
    on = {"bucket": [bucket]}
    stack.add(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        f"{name}-bpa",
        dict.fromkeys(
            ("blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"),
            True,
        ),
        deps=on,
        region=_region(bucket),
    )
    rule = {"applyServerSideEncryptionByDefault": {"sseAlgorithm": sse}}
    if sse != "AES256":
        rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] = key.props["arn"]
    stack.add(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        f"{name}-sse",
        {"rules": [rule]},
        deps={**on, **({"rules": [key]} if sse != "AES256" else {})},
        region=_region(bucket),
    )
    stack.add(
        "aws:s3/bucketVersioning:BucketVersioning",
        f"{name}-versioning",
        {"versioningConfiguration": {"status": "Enabled"}},
        deps=on,
        region=_region(bucket),
    )
    stack.add(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        f"{name}-lifecycle",
        {"rules": [{"id": "noncurrent", "status": "Enabled"}]},
        deps=on,
        region=_region(bucket),
    )
    stack.add(
        "aws:s3/bucketPolicy:BucketPolicy",
        f"{name}-policy",
        {"policy": json.dumps({"Version": "2012-10-17", "Statement": [SSL_DENY]})},
        deps=on,
        region=_region(bucket),
    )
    stack.add(
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        f"{name}-ownership",
        {"rule": {"objectOwnership": "BucketOwnerEnforced"}},
        deps=on,
        region=_region(bucket),
    )
    stack.add(
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        f"{name}-lock",
        {
            "objectLockEnabled": "Enabled",
            "rule": {"defaultRetention": {"mode": "GOVERNANCE", "days": 30}},
        },
        deps=on,
        region=_region(bucket),
    )


def _region(resource) -> str:
    return resource.provider.props["region"]


def estate() -> Stack:
    """Bucket `data` (replicated to `replica` in the DR region, logging to `logs`): compliant."""
    stack = Stack()
    key = stack.add(KEY, "key", {"arn": KEY_ARN})
    dr_key = stack.add(KEY, "dr-key", {"arn": DR_KEY_ARN}, region=DR_REGION)
    role = stack.add("aws:iam/role:Role", "replication-role", {})
    logs = stack.add(BUCKET, "logs", {"objectLockEnabled": True})
    data = stack.add(BUCKET, "data", {"objectLockEnabled": True})
    replica = stack.add(BUCKET, "replica", {"objectLockEnabled": True}, region=DR_REGION)
    _satellites(stack, logs, "logs", key, sse="AES256")
    _satellites(stack, data, "data", key)
    _satellites(stack, replica, "replica", dr_key)
    for source in ("data", "replica"):
        stack.add(
            "aws:s3/bucketLogging:BucketLogging",
            f"{source}-logging",
            {"targetBucket": "logs", "targetPrefix": f"{source}/"},
            deps={"bucket": [stack.named(source)], "targetBucket": [logs]},
        )
    stack.add(
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "data-replication",
        {
            "role": "arn:aws:iam::123456789012:role/replication",
            "rules": [
                {
                    "status": "Enabled",
                    "destination": {
                        "bucket": "arn:aws:s3:::replica",
                        "encryptionConfiguration": {"replicaKmsKeyId": DR_KEY_ARN},
                    },
                }
            ],
        },
        deps={"bucket": [data], "rules": [replica, dr_key], "role": [role]},
    )
    # The log bucket replicates too, so that S3.7 holds for every non-replica bucket.
    stack.add(
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "logs-replication",
        {"rules": [{"status": "Enabled", "destination": {"bucket": "arn:aws:s3:::replica"}}]},
        deps={"bucket": [logs], "rules": [replica], "role": [role]},
    )
    return stack


def _set(name: str, props: dict) -> Callable[[Stack], None]:
    return lambda stack: stack.replace(name, props)


def _drop(name: str) -> Callable[[Stack], None]:
    return lambda stack: stack.drop(name)


PUBLIC_READ = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::data/*",
            },
            SSL_DENY,
        ],
    }
)
PUBLIC_WRITE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:PutObject"],
                "Resource": "arn:aws:s3:::data/*",
            },
            SSL_DENY,
        ],
    }
)
BPA_OFF = dict.fromkeys(
    ("blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"), False
)

# rule -> {case id: mutation}; every mutation touches the bucket `data` and must fail alone.
FAILING: dict[str, dict[str, Callable[[Stack], None]]] = {
    "s3-bucket-enforce-public-access-block": {
        "absent": _drop("data-bpa"),
        "one-flag-off": _set(
            "data-bpa",
            {
                "blockPublicAcls": True,
                "ignorePublicAcls": True,
                "blockPublicPolicy": True,
                "restrictPublicBuckets": False,
            },
        ),
    },
    "s3-bucket-disallow-public-read": {
        "policy-and-no-block": lambda s: (
            _set("data-policy", {"policy": PUBLIC_READ})(s),
            _set("data-bpa", BPA_OFF)(s),
        ),
        "acl-and-no-block": lambda s: (
            s.add(
                "aws:s3/bucketAcl:BucketAcl",
                "data-acl",
                {"acl": "public-read"},
                deps={"bucket": [s.named("data")]},
            ),
            _set("data-bpa", BPA_OFF)(s),
        ),
    },
    "s3-bucket-disallow-public-write": {
        "policy-and-no-block": lambda s: (
            _set("data-policy", {"policy": PUBLIC_WRITE})(s),
            _set("data-bpa", BPA_OFF)(s),
        ),
    },
    "s3-bucket-enforce-ssl-requests": {
        "absent": _drop("data-policy"),
        "allow-instead": _set(
            "data-policy", {"policy": json.dumps({"Statement": {**SSL_DENY, "Effect": "Allow"}})}
        ),
    },
    "s3-bucket-enable-cross-region-replication": {
        "absent": _drop("data-replication"),
        "disabled-rule": lambda s: s.replace(
            "data-replication", {"rules": [{"status": "Disabled"}]}
        ),
    },
    "s3-bucket-enable-access-logging": {"absent": _drop("data-logging")},
    "s3-bucket-configure-versioned-lifecycle": {
        "absent": _drop("data-lifecycle"),
        "disabled": _set("data-lifecycle", {"rules": [{"status": "Disabled"}]}),
    },
    "s3-bucket-configure-lifecycle": {
        "absent-unversioned": lambda s: (_drop("data-lifecycle")(s), _drop("data-versioning")(s))
    },
    "s3-bucket-disallow-acls": {
        "object-writer": _set("data-ownership", {"rule": {"objectOwnership": "ObjectWriter"}}),
        "canned-acl": lambda s: s.add(
            "aws:s3/bucketAcl:BucketAcl",
            "data-acl",
            {"acl": "log-delivery-write"},
            deps={"bucket": [s.named("data")]},
        ),
    },
    "s3-bucket-enable-versioning": {
        "absent": _drop("data-versioning"),
        "suspended": _set("data-versioning", {"versioningConfiguration": {"status": "Suspended"}}),
    },
    "s3-bucket-enable-object-lock": {
        "absent": lambda s: (s.replace("data", {}), s.drop("data-lock")),
    },
    "s3-bucket-enforce-kms-encryption": {
        "absent": _drop("data-sse"),
        "sse-s3": _set(
            "data-sse",
            {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]},
        ),
    },
}

PARAMS = [
    pytest.param(rule, mutate, id=f"{rule}/{label}")
    for rule, cases in FAILING.items()
    for label, mutate in cases.items()
]


@pytest.mark.parametrize("rule", list(FAILING))
def test_s3_rule_passes_compliant_estate(rule: str) -> None:
    assert run_stack(rule, estate()) == []


@pytest.mark.parametrize(("rule", "mutate"), PARAMS)
def test_s3_rule_fails_on_the_changed_bucket_only(rule: str, mutate) -> None:
    stack = estate()
    mutate(stack)
    found = run_stack(rule, stack)
    assert [urn for urn, _ in found] == [stack.named("data").urn], found


@pytest.mark.parametrize("rule", list(FAILING))
def test_s3_rule_ignores_other_resource_types(rule: str) -> None:
    stack = Stack()
    stack.add("aws:sns/topic:Topic", "topic", {"policy": PUBLIC_WRITE})
    assert run_stack(rule, stack) == []


def test_log_target_bucket_may_use_sse_s3() -> None:
    found = run_stack("s3-bucket-enforce-kms-encryption", estate())
    assert all("logs" not in message for _, message in found)


def test_object_lock_mode_is_configurable() -> None:
    found = run_stack("s3-bucket-enable-object-lock", estate(), {"mode": "COMPLIANCE"})
    assert {urn.rsplit("::", 1)[1] for urn, _ in found} == {"data", "logs", "replica"}


def test_versioned_bucket_without_lifecycle_is_reported_by_s3_10_only() -> None:
    stack = estate()
    _drop("data-lifecycle")(stack)
    assert run_stack("s3-bucket-configure-versioned-lifecycle", stack)
    assert run_stack("s3-bucket-configure-lifecycle", stack) == []
