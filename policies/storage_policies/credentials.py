"""Plaintext credentials: passwords and tokens written into the program instead of managed.

Whatever the program passes in `password`, `masterPassword`, `authToken` or a user's
`passwords` lands in the Pulumi state (encrypted or not) and must be rotated by hand. The
managed alternatives keep it out: RDS `manageMasterUserPassword` (Secrets Manager), the
write-only `*Wo` arguments, and ElastiCache IAM authentication. Values are never read, let
alone printed: presence alone is the finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from . import tokens
from .props import as_mapping, has
from .registry import REGISTRY, Report

#: Type token -> (credential inputs, the managed alternative to name in the message).
_CREDENTIALS: dict[str, tuple[tuple[str, ...], str]] = {
    tokens.RDS_INSTANCE[0]: (("password",), "manage_master_user_password=True"),
    tokens.RDS_CLUSTER[0]: (("masterPassword",), "manage_master_user_password=True"),
    tokens.ELASTICACHE_REPLICATION_GROUP[0]: (
        ("authToken",),
        "auth_token_wo or RBAC user groups with IAM authentication",
    ),
    tokens.ELASTICACHE_USER[0]: (("passwords",), 'authentication_mode type "iam"'),
}


def _set_credentials(args: ResourceValidationArgs) -> list[str]:
    names, _ = _CREDENTIALS[args.resource_type]
    found = [name for name in names if has(args.props, name)]
    mode: Mapping[str, Any] = as_mapping(args.props.get("authenticationMode"))
    if has(mode, "passwords"):
        found.append("authenticationMode.passwords")
    return found


@REGISTRY.resource_rule(
    "aws-resource-disallow-plaintext-credentials",
    "Checks that database and cache credentials are not set directly in the program but "
    "managed (Secrets Manager, write-only arguments or IAM authentication).",
    types=tuple(_CREDENTIALS),
    severity=Severity.HIGH,
    remediation="Use manage_master_user_password=True for RDS, auth_token_wo or IAM-authenticated "
    "RBAC users for ElastiCache, instead of passing the secret as an argument.",
    controls=("BS.5",),
    causes=("credentials:plaintext",),
)
def _plaintext_credentials(args: ResourceValidationArgs, report: Report) -> None:
    found = _set_credentials(args)
    if found:
        _, managed = _CREDENTIALS[args.resource_type]
        report(f"{args.name} sets {', '.join(found)} directly; use {managed} instead.")
