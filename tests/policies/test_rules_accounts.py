"""S3.6 with the owning account derived from the stack, and its advisory twin for when the
stack does not say; credential-named tag keys."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy import PolicyProviderResource
from pulumi_policy.proxy import unknown_checking_proxy

from tests.policies.harness import UNKNOWN, Stack, run_stack, urn

BUCKET = "aws:s3/bucket:Bucket"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
OWNER = "111122223333"
FOREIGN = "999988887777"
ADMIN = "s3-bucket-policy-disallow-cross-account-admin"
UNKNOWN_OWNER = "s3-bucket-policy-configure-trusted-accounts"


def _grant(principal: Any, action: Any = "s3:*") -> str:
    return json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": principal},
                    "Action": action,
                    "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"],
                }
            ]
        }
    )


def estate(
    principal: Any = f"arn:aws:iam::{FOREIGN}:root", *, owner_arn: bool = True, action: Any = "s3:*"
) -> Stack:
    """A bucket whose policy grants `action` to `principal`; the stack's own key ARN names OWNER."""
    stack = Stack()
    bucket = stack.add(BUCKET, "data")
    stack.add(
        POLICY, "data-policy", {"policy": _grant(principal, action)}, deps={"bucket": [bucket]}
    )
    if owner_arn:
        stack.add("aws:kms/key:Key", "key", {"arn": f"arn:aws:kms:eu-west-1:{OWNER}:key/1"})
    return stack


def _names(found: list[tuple[str | None, str]]) -> list[str]:
    return [str(u).rsplit("::", 1)[1] for u, _ in found]


@pytest.mark.parametrize(
    ("principal", "action", "expect"),
    [
        (f"arn:aws:iam::{FOREIGN}:root", "s3:*", True),
        (FOREIGN, "s3:PutBucketPolicy", True),
        (f"arn:aws:iam::{FOREIGN}:role/reader", ["s3:PutObjectAcl", "s3:GetObject"], True),
        (f"arn:aws:iam::{FOREIGN}:root", "s3:GetObject", False),
        (f"arn:aws:iam::{OWNER}:root", "s3:*", False),
        ("*", "s3:*", False),
    ],
    ids=[
        "foreign-root-s3-star",
        "bare-account",
        "foreign-role",
        "read-only",
        "owner",
        "wildcard-is-s3-2",
    ],
)
def test_cross_account_admin_grant_is_reported(principal: Any, action: Any, expect: bool) -> None:
    stack = estate(principal, action=action)
    assert _names(run_stack(ADMIN, stack)) == (["data-policy"] if expect else [])
    assert run_stack(UNKNOWN_OWNER, stack) == []


def test_owner_from_provider_allowed_account_ids() -> None:
    stack = estate(owner_arn=False)
    provider = PolicyProviderResource(
        "pulumi:providers:aws",
        unknown_checking_proxy({"region": "eu-west-1", "allowedAccountIds": json.dumps([OWNER])}),
        urn("pulumi:providers:aws", "default_7_0_0"),
        "default_7_0_0",
    )
    for resource in stack.resources:
        resource.provider = provider
    assert _names(run_stack(ADMIN, stack)) == ["data-policy"]


def test_owner_from_an_explicit_provider_resource_in_the_stack() -> None:
    stack = estate(owner_arn=False)
    stack.add(
        "pulumi:providers:aws", "dr", {"region": "eu-central-1", "allowedAccountIds": [OWNER]}
    )
    assert _names(run_stack(ADMIN, stack)) == ["data-policy"]


def test_owner_from_trusted_accounts_config() -> None:
    stack = estate(owner_arn=False)
    assert _names(run_stack(ADMIN, stack, {"trustedAccounts": [OWNER]})) == ["data-policy"]
    assert run_stack(ADMIN, stack, {"trustedAccounts": [OWNER, FOREIGN]}) == []


def test_unknown_owner_is_reported_by_the_advisory_rule_only() -> None:
    stack = estate(owner_arn=False)
    assert run_stack(ADMIN, stack) == []
    (found,) = run_stack(UNKNOWN_OWNER, stack)
    assert found[0] == stack.named("data-policy").urn and "trustedAccounts" in found[1]


def test_grantee_account_inside_a_policy_document_is_not_an_owner() -> None:
    # The foreign account appears in the bucket policy only: it must not count as "own".
    stack = estate(owner_arn=False)
    stack.add("aws:iam/policy:Policy", "p", {"policy": _grant(f"arn:aws:iam::{FOREIGN}:root")})
    assert run_stack(ADMIN, stack) == [] and run_stack(UNKNOWN_OWNER, stack)


def test_unknown_arns_are_skipped_not_judged() -> None:
    stack = estate(owner_arn=False)
    stack.add("aws:kms/key:Key", "key", {"arn": UNKNOWN})
    assert run_stack(ADMIN, stack) == [] and run_stack(UNKNOWN_OWNER, stack)


# --- credential tag keys ------------------------------------------------------------------

TAGS_RULE = "aws-resource-disallow-credential-tag-keys"


@pytest.mark.parametrize(
    ("tags", "expect"),
    [
        ({"owner": "platform", "cost-center": "4711"}, False),
        ({"owner": "platform", "db-password": "hunter2-very-secret"}, True),
        ({"ApiToken": "x"}, True),
        ({"client_secret": "x"}, True),
        ({}, False),
    ],
    ids=["neutral", "password", "token-camel-case", "secret-snake-case", "absent"],
)
def test_credential_named_tag_keys_are_reported(tags: dict[str, str], expect: bool) -> None:
    stack = Stack()
    stack.add("aws:rds/instance:Instance", "db", {"tags": tags})
    found = run_stack(TAGS_RULE, stack)
    assert bool(found) == expect
    assert all("hunter2" not in message for _, message in found)


def test_credential_named_default_tag_is_reported_once_on_the_provider() -> None:
    stack = Stack()
    provider = stack.add(
        "pulumi:providers:aws", "aws", {"defaultTags": json.dumps({"tags": {"deployToken": "x"}})}
    )
    stack.add(
        BUCKET, "data", {"tags": {"owner": "x"}, "tagsAll": {"owner": "x", "deployToken": "x"}}
    )
    assert [u for u, _ in run_stack(TAGS_RULE, stack)] == [provider.urn]


KEYS = [
    "db-password",
    "DB_PASSWORD",
    "apiToken",
    "x-api-key",
    "client_secret",
    "secretArn",
    "masterSecretArn",
    "passwordWoVersion",
    "authentication",
    "authenticationMode",
    "REDIS_AUTH",
    "basicAuth",
    "legacy-app:apiToken",
    "secretsmanager:VersionStage",
    "owner",
    "cost-center",
    "data-classification",
    "private_key",
    "session-key",
    "cookie",
    "tokenTtl",
    "token-expiration",
    "",
]


def test_credential_tag_rule_matches_the_driver_redaction() -> None:
    import storage_policies.tagging as tagging

    from storagectl import redact

    assert tagging.CREDENTIAL_WORD.pattern == redact.CREDENTIAL_WORD.pattern
    assert tagging.DESCRIPTORS == redact.DESCRIPTORS
    assert [tagging.names_credential(k) for k in KEYS] == [
        redact.is_credential_key(k) for k in KEYS
    ]


def test_component_passing_tags_through_is_not_reported_again() -> None:
    stack = Stack()
    stack.add("backend-storage:s3:ObjectBucket", "uploads", {"tags": {"apiToken": "x"}})
    bucket = stack.add(BUCKET, "uploads-bucket", {"tags": {"apiToken": "x"}})
    assert [u for u, _ in run_stack(TAGS_RULE, stack)] == [bucket.urn]
