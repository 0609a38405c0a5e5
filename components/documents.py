"""IAM and KMS policy documents as plain dicts; `pulumi.Output.json_dumps` renders them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

KEY_ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
]
"""Administration without use: the account can manage the key, not read data with it."""

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

# DynamoDB creates its grant on the key through `dynamodb.<region>` when a table (or a
# replica) is created with it; DocumentDB goes through `rds.<region>` like RDS.
STORAGE_SERVICES = ("rds", "elasticache", "secretsmanager", "dynamodb")


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    """A policy document with version 2012-10-17."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def account_root(account_id: str, partition: str = "aws") -> str:
    """The account principal ARN (`arn:aws:iam::<account>:root`)."""
    return f"arn:{partition}:iam::{account_id}:root"


def key_policy(
    account_id: str,
    region: str,
    users: Sequence[pulumi.Input[str]] = (),
    user_services: Sequence[str] = ("s3",),
    user_actions: Sequence[str] = ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"),
) -> pulumi.Output[str]:
    """Key policy: the account administers, storage services use it for the account.

    Only `users` (role ARNs) may use it directly, with `user_actions`, and only through
    `user_services` (`kms:ViaService`), so a stolen role session cannot decrypt a
    downloaded ciphertext offline.
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
    if users:
        statements.append(
            {
                "Sid": "AllowUseByGrantedRoles",
                "Effect": "Allow",
                "Principal": {"AWS": list(users)},
                "Action": list(user_actions),
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": [f"{s}.{region}.amazonaws.com" for s in user_services]
                    }
                },
            }
        )
    return pulumi.Output.json_dumps(document(*statements))
