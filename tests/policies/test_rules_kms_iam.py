"""KMS, IAM, tagging and credential rules: baseline, one change per failure, absent, other type."""

from __future__ import annotations

import json

import pytest

from tests.policies.harness import RuleCases, check_case, expand, resource_args, run_resource

KEY = "aws:kms/key:Key"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
POLICY = "aws:iam/policy:Policy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1111"


def doc(*statements: dict, as_json: bool = True) -> object:
    """A policy document; statements given singly stay single (not a list)."""
    body = {
        "Version": "2012-10-17",
        "Statement": statements[0] if len(statements) == 1 else list(statements),
    }
    return json.dumps(body) if as_json else body


SCOPED_DECRYPT = doc({"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": KEY_ARN})
DECRYPT_ALL = doc({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"})
KMS_STAR_ALL = doc(
    {"Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:*:*:key/*"}, as_json=False
)
ADMIN = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
S3_STAR = doc({"Effect": "Allow", "Action": ["s3:*"], "Resource": "arn:aws:s3:::x"})
TRUST_EKS = doc(
    {
        "Effect": "Allow",
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.eks"},
    }
)
TRUST_ANY = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}})
TRUST_STAR = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": "*"})
TRUST_PINNED = doc(
    {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"AWS": "*"},
        "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}},
    }
)
KEY_POLICY = doc(
    {
        "Effect": "Allow",
        "Action": "kms:*",
        "Resource": "*",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    }
)
KEY_POLICY_PUBLIC = doc(
    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Principal": "*"}
)
OWN_ENV = doc(
    {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": ["arn:aws:s3:::backend-storage-prod-invoices/*"],
    }
)
OTHER_ENV = doc(
    {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": ["arn:aws:s3:::backend-storage-staging-invoices/*"],
    }
)

GOOD_KEY = {"enableKeyRotation": True, "deletionWindowInDays": 30, "policy": KEY_POLICY}
TAGS = {
    "environment": "prod",
    "owner": "storage",
    "data-classification": "internal",
    "managed-by": "pulumi",
}

CASES = [
    RuleCases(
        "iam-policy-disallow-kms-decrypt-all-keys",
        POLICY,
        {"policy": SCOPED_DECRYPT},
        {"decrypt-all": {"policy": DECRYPT_ALL}, "kms-star-all-keys": {"policy": KMS_STAR_ALL}},
        "policy",
        False,
        ROLE_POLICY,
    ),
    RuleCases(
        "iam-inline-policy-disallow-kms-decrypt-all-keys",
        ROLE_POLICY,
        {"policy": SCOPED_DECRYPT},
        {"decrypt-all": {"policy": DECRYPT_ALL}},
        "policy",
        False,
        POLICY,
    ),
    RuleCases(
        "iam-inline-policy-disallow-kms-decrypt-all-keys",
        ROLE,
        {"inlinePolicies": [{"name": "a", "policy": SCOPED_DECRYPT}]},
        {"decrypt-all": {"inlinePolicies": [{"name": "a", "policy": DECRYPT_ALL}]}},
        "inlinePolicies",
        False,
        POLICY,
    ),
    RuleCases(
        "kms-key-enable-deletion-protection",
        KEY,
        GOOD_KEY,
        {"short-window": {"deletionWindowInDays": 7}},
        "deletionWindowInDays",
        False,
        protect=True,
    ),
    RuleCases(
        "kms-key-enable-rotation",
        KEY,
        GOOD_KEY,
        {"off": {"enableKeyRotation": False}},
        "enableKeyRotation",
        True,
        REPLICA_KEY,
    ),
    RuleCases(
        "kms-key-enable-rotation",
        KEY,
        {"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"},
        {"symmetric": {"customerMasterKeySpec": None, "keyUsage": None}},
        "customerMasterKeySpec",
        False,
    ),
    RuleCases(
        "kms-key-disallow-public-access",
        KEY,
        GOOD_KEY,
        {"public": {"policy": KEY_POLICY_PUBLIC}},
        "policy",
        False,
        POLICY,
    ),
    RuleCases(
        "iam-policy-disallow-full-admin",
        POLICY,
        {"policy": S3_STAR},
        {"admin": {"policy": ADMIN}},
        "policy",
        False,
    ),
    RuleCases(
        "iam-policy-disallow-service-wildcards",
        POLICY,
        {"policy": SCOPED_DECRYPT},
        {"s3-star": {"policy": S3_STAR}},
        "policy",
        False,
        ROLE_POLICY,
    ),
    RuleCases(
        "iam-role-disallow-wildcard-trust",
        ROLE,
        {"assumeRolePolicy": TRUST_EKS},
        {"aws-star": {"assumeRolePolicy": TRUST_ANY}, "star": {"assumeRolePolicy": TRUST_STAR}},
        "assumeRolePolicy",
        False,
        POLICY,
    ),
    RuleCases(
        "iam-policy-disallow-cross-environment-access",
        POLICY,
        {"policy": OWN_ENV},
        {"staging-bucket": {"policy": OTHER_ENV}},
        "policy",
        False,
    ),
    RuleCases(
        "iam-user-disallow-attached-policies",
        "aws:iam/policyAttachment:PolicyAttachment",
        {"policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "roles": ["app"]},
        {"users": {"users": ["alice"]}},
        "users",
        False,
        POLICY,
    ),
    RuleCases(
        "aws-resource-missing-required-tags",
        KEY,
        {"tags": TAGS},
        {"no-owner": {"tags": {k: v for k, v in TAGS.items() if k != "owner"}}},
        "tags",
        True,
        "aws:iam/rolePolicy:RolePolicy",
    ),
    RuleCases(
        "aws-resource-disallow-plaintext-credentials",
        "aws:rds/instance:Instance",
        {"manageMasterUserPassword": True},
        {"password": {"password": "[secret]"}},
        "manageMasterUserPassword",
        False,
        "aws:secretsmanager/secretVersion:SecretVersion",
    ),
    RuleCases(
        "aws-resource-disallow-plaintext-credentials",
        "aws:elasticache/user:User",
        {"authenticationMode": {"type": "iam"}},
        {
            "passwords": {"passwords": ["[secret]"]},
            "mode-passwords": {
                "authenticationMode": {"type": "password", "passwords": ["[secret]"]}
            },
        },
        "authenticationMode",
        False,
    ),
]


@pytest.mark.parametrize(("case", "props", "type_", "expect"), expand(CASES))
def test_rule_reports_exactly_the_failing_cases(case, props, type_, expect) -> None:
    check_case(case, props, type_, expect)


@pytest.mark.parametrize("protect", [True, False], ids=["protected", "unprotected"])
def test_protect_rule_ignores_unprotected_environments(protect: bool) -> None:
    args = resource_args(KEY, GOOD_KEY, protect=protect, stack="dev")
    assert run_resource("aws-stateful-resource-enforce-protect", args) == []


@pytest.mark.parametrize(
    ("type_", "protect", "expect"),
    [
        (KEY, True, False),
        (KEY, False, False),
        ("aws:rds/cluster:Cluster", False, True),
        ("aws:s3/bucket:Bucket", False, True),
        (POLICY, False, False),
    ],
    ids=[
        "protected-key",
        "unprotected-key-left-to-kms3",
        "unprotected-cluster",
        "unprotected-bucket",
        "other-type",
    ],
)
def test_protect_rule_fails_unprotected_prod_stateful_resources(type_, protect, expect) -> None:
    args = resource_args(type_, {}, protect=protect)
    assert bool(run_resource("aws-stateful-resource-enforce-protect", args)) == expect


def test_protect_rule_reads_environment_from_config() -> None:
    args = resource_args(
        "aws:rds/cluster:Cluster", {}, stack="blue", config={"environment": "prod"}
    )
    assert run_resource("aws-stateful-resource-enforce-protect", args)


def test_key_deletion_rule_fails_unprotected_key() -> None:
    assert run_resource("kms-key-enable-deletion-protection", resource_args(KEY, GOOD_KEY))


def test_public_key_policy_with_account_condition_passes() -> None:
    args = resource_args(KEY, {**GOOD_KEY, "policy": TRUST_PINNED})
    assert run_resource("kms-key-disallow-public-access", args) == []


def test_wildcard_trust_pinned_to_account_passes() -> None:
    args = resource_args(ROLE, {"assumeRolePolicy": TRUST_PINNED})
    assert run_resource("iam-role-disallow-wildcard-trust", args) == []


def test_required_tags_come_from_provider_default_tags() -> None:
    default_tags = json.dumps({"tags": TAGS})
    args = resource_args(KEY, {"tags": {}}, provider_props={"defaultTags": default_tags})
    assert run_resource("aws-resource-missing-required-tags", args) == []


def test_credential_messages_never_contain_the_secret() -> None:
    args = resource_args("aws:rds/cluster:Cluster", {"masterPassword": "hunter2-plaintext"})
    (message,) = run_resource("aws-resource-disallow-plaintext-credentials", args)
    assert "hunter2" not in message and "masterPassword" in message
