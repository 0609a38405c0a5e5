"""IAM and KMS policy documents as plain dicts; `pulumi.Output.json_dumps` renders them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

KEY_ADMIN_ACTIONS = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:ReplicateKey",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
    "kms:UpdatePrimaryRegion",
]
"""Administration without use, action by action.

AWS's default "Allows key administrators" statement, spelled out, minus two wildcards
that are use in disguise: `kms:Create*` contains `kms:CreateGrant` (a grant lets anyone
it names decrypt), and `kms:Put*` is `kms:PutKeyPolicy` (an administrator could rewrite
the policy to make itself a user). `kms:PutKeyPolicy` has a statement of its own, for the
named key policy administrators only (`KEY_POLICY_ACTIONS`). Added for multi-Region keys
(AWS, "Authorizing multi-Region key administrators and users"): `kms:ReplicateKey`, so a
replica can be created later (a new DR region, a re-created replica) without first
widening the policy, and `kms:UpdatePrimaryRegion`, to make the DR replica the primary
after a regional failover. Creating a replica also needs `kms:CreateKey` (and
`kms:TagResource`) in the DR region: IAM permissions of the deploying principal, which no
key policy can grant.
"""

KEY_POLICY_ACTIONS = ["kms:PutKeyPolicy"]
"""Changing the key policy: for the key policy administrators only.

Never removed altogether: KMS's policy lockout safety check refuses a policy that would
not let the principal setting it set it again (`MalformedPolicyDocumentException`), and
a key nobody can re-policy is unmanageable. So the principal `pulumi up` runs as must be
among them (`backend-storage:keyPolicyAdministrators`; without it, the account, which
leaves the decision to IAM policies as AWS's default policy does).
"""

KEY_SERVICE_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:CreateGrant",
    "kms:ListGrants",
    "kms:DescribeKey",
]
"""What RDS, ElastiCache and Secrets Manager need on behalf of the deploying principal."""

STORAGE_SERVICES = ("rds", "elasticache", "secretsmanager")


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    """A policy document with version 2012-10-17."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def account_root(account_id: str, partition: str = "aws") -> str:
    """The account principal ARN (`arn:aws:iam::<account>:root`)."""
    return f"arn:{partition}:iam::{account_id}:root"


@dataclass(frozen=True)
class KeyUse:
    """Direct use of a key by some roles, through some services only."""

    sid: str
    """Statement id."""
    principals: Sequence[pulumi.Input[str]]
    """Role ARNs."""
    actions: Sequence[str] = ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
    """What they may do with it."""
    services: Sequence[str] = ("s3",)
    """Through which services (`kms:ViaService`), so a stolen role session cannot decrypt a
    downloaded ciphertext offline."""


def key_policy(
    account_id: str,
    region: str,
    uses: Sequence[KeyUse] = (),
    policy_administrators: Sequence[str] = (),
) -> pulumi.Output[str]:
    """Key policy: the account administers, storage services use it for the account.

    Only the roles of `uses` may use it directly. Only `policy_administrators` (role ARNs;
    none: the account, through IAM) may change the policy itself (`KEY_POLICY_ACTIONS`).
    """
    statements: list[dict[str, Any]] = [
        {
            "Sid": "EnableKeyAdministrationByTheAccount",
            "Effect": "Allow",
            "Principal": {"AWS": account_root(account_id)},
            "Action": KEY_ADMIN_ACTIONS,
            "Resource": "*",
        },
        {
            "Sid": "AllowKeyPolicyChangesByKeyPolicyAdministrators",
            "Effect": "Allow",
            "Principal": {"AWS": list(policy_administrators) or account_root(account_id)},
            "Action": KEY_POLICY_ACTIONS,
            "Resource": "*",
        },
        {
            "Sid": "AllowUseThroughStorageServices",
            "Effect": "Allow",
            "Principal": {"AWS": account_root(account_id)},
            "Action": KEY_SERVICE_ACTIONS,
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:CallerAccount": account_id,
                    "kms:ViaService": [f"{s}.{region}.amazonaws.com" for s in STORAGE_SERVICES],
                }
            },
        },
    ]
    for use in uses:
        if not use.principals:
            continue
        statements.append(
            {
                "Sid": use.sid,
                "Effect": "Allow",
                "Principal": {"AWS": list(use.principals)},
                "Action": list(use.actions),
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": [f"{s}.{region}.amazonaws.com" for s in use.services]
                    }
                },
            }
        )
    return pulumi.Output.json_dumps(document(*statements))
