"""KMS rules: FSBP KMS.1-KMS.5.

KMS.1 and KMS.2 judge IAM documents (customer managed and inline) for decryption on every
key; KMS.3-KMS.5 judge the keys themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import ResourceValidationArgs, Severity

from . import documents, tokens
from .props import as_int, has, is_true, objects
from .registry import REGISTRY, Report

#: KMS.1/KMS.2's `blockedActionsPatterns`.
_DECRYPT_ACTIONS = ("kms:Decrypt", "kms:ReEncryptFrom")


def _all_keys(resource: str) -> bool:
    """True for ``*`` and key ARNs whose key id is a wildcard (``...:key/*``)."""
    if resource == "*":
        return True
    return (
        resource.startswith("arn:") and ":kms:" in resource and resource.endswith(("key/*", ":*"))
    )


def _decrypts_all_keys(statements: Iterable[documents.Statement]) -> list[str]:
    granted: list[str] = []
    for statement in statements:
        if not any(_all_keys(resource) for resource in statement.resources):
            continue
        if documents.is_full_admin(statement):
            # "*" on "*" is iam-policy-disallow-full-admin's finding (IAM.1); its fix removes
            # this one too, so it is reported once, there.
            continue
        granted.extend(a for a in _DECRYPT_ACTIONS if statement.grants(a) and a not in granted)
    return granted


def inline_documents(args: ResourceValidationArgs) -> list[object]:
    """The policy documents a resource carries inline (role `inlinePolicies` or `policy`)."""
    if args.resource_type in tokens.IAM_ROLE:
        return [entry.get("policy") for entry in objects(args.props.get("inlinePolicies"))]
    return [args.props.get("policy")]


@REGISTRY.resource_rule(
    "iam-policy-disallow-kms-decrypt-all-keys",
    "Checks that IAM customer managed policies do not allow kms:Decrypt or kms:ReEncryptFrom "
    "on all KMS keys.",
    types=tokens.IAM_POLICY,
    controls=("KMS.1",),
    severity=Severity.MEDIUM,
    remediation="Scope kms:Decrypt and kms:ReEncryptFrom to the ARNs of the keys the principal "
    "needs.",
    causes=("policy:kms-decrypt-all-keys",),
    notes="Statements allowing every action on every resource are left to "
    "iam-policy-disallow-full-admin (IAM.1): one statement, one finding.",
)
def _managed_decrypt(args: ResourceValidationArgs, report: Report) -> None:
    granted = _decrypts_all_keys(documents.parse(args.props.get("policy")) or [])
    if granted:
        report(
            f"Policy {args.name} allows {', '.join(granted)} on all KMS keys; scope the Resource "
            "to specific key ARNs."
        )


@REGISTRY.resource_rule(
    "iam-inline-policy-disallow-kms-decrypt-all-keys",
    "Checks that IAM inline policies do not allow kms:Decrypt or kms:ReEncryptFrom on all KMS "
    "keys.",
    types=tokens.IAM_INLINE_POLICIES + tokens.IAM_ROLE,
    controls=("KMS.2",),
    severity=Severity.MEDIUM,
    remediation="Scope kms:Decrypt and kms:ReEncryptFrom to the ARNs of the keys the principal "
    "needs.",
    causes=("policy:kms-decrypt-all-keys",),
    notes="Statements allowing every action on every resource are left to "
    "iam-policy-disallow-full-admin (IAM.1): one statement, one finding.",
)
def _inline_decrypt(args: ResourceValidationArgs, report: Report) -> None:
    statements = [s for doc in inline_documents(args) for s in documents.parse(doc) or []]
    granted = _decrypts_all_keys(statements)
    if granted:
        report(
            f"Inline policy of {args.name} allows {', '.join(granted)} on all KMS keys; scope "
            "the Resource to specific key ARNs."
        )


@REGISTRY.resource_rule(
    "kms-key-enable-deletion-protection",
    "Checks that KMS keys are protected from deletion by the program (protect option) and keep "
    "the full 30-day deletion window.",
    types=tokens.KMS_KEYS,
    controls=("KMS.3",),
    severity=Severity.CRITICAL,
    remediation="Create the key with pulumi.ResourceOptions(protect=True) and leave "
    "deletion_window_in_days at 30.",
    notes="An interpretation of KMS.3: Security Hub checks for keys already scheduled for "
    "deletion, which only exists in AWS; statically, a key the program can delete is the risk, "
    "so unprotected keys fail, in every environment (this rule, not "
    "aws-stateful-resource-enforce-protect, reports a key's missing protect).",
    causes=("protect", "deletionWindowInDays"),
)
def _key_deletion(args: ResourceValidationArgs, report: Report) -> None:
    if not args.opts.protect:
        report(
            f"Key {args.name} can be scheduled for deletion by removing it from the program; set "
            "protect=True."
        )
    window = as_int(args.props.get("deletionWindowInDays"))
    if window is not None and window < 30:
        report(f"Key {args.name} has a {window}-day deletion window; set it to 30 days.")


def _rotatable(args: ResourceValidationArgs) -> bool:
    """Only symmetric encryption keys with AWS-generated material support rotation."""
    props = args.props
    spec = props.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    usage = props.get("keyUsage") or "ENCRYPT_DECRYPT"
    external = has(props, "customKeyStoreId") or has(props, "xksKeyId")
    return spec == "SYMMETRIC_DEFAULT" and usage == "ENCRYPT_DECRYPT" and not external


@REGISTRY.resource_rule(
    "kms-key-enable-rotation",
    "Checks that symmetric KMS keys have automatic key rotation enabled.",
    types=tokens.KMS_KEY,
    controls=("KMS.4",),
    severity=Severity.MEDIUM,
    remediation="Set enable_key_rotation=True.",
    notes="Asymmetric, HMAC and custom key store keys cannot rotate and are not applicable; "
    "replica keys follow their primary.",
    causes=("enableKeyRotation",),
)
def _rotation(args: ResourceValidationArgs, report: Report) -> None:
    if _rotatable(args) and not is_true(args.props.get("enableKeyRotation")):
        report(f"Key {args.name} does not rotate automatically; set enable_key_rotation to True.")


@REGISTRY.resource_rule(
    "kms-key-disallow-public-access",
    "Checks that KMS key policies do not allow access to any principal without a narrowing "
    "condition.",
    types=tokens.KMS_KEYS + tokens.KMS_KEY_POLICY,
    controls=("KMS.5",),
    severity=Severity.CRITICAL,
    remediation="Replace the wildcard principal with account or role ARNs, or add an "
    "aws:PrincipalAccount / aws:PrincipalOrgID condition.",
    causes=("policy:public-principal",),
)
def _public_key(args: ResourceValidationArgs, report: Report) -> None:
    for statement in documents.parse(args.props.get("policy")) or []:
        if documents.is_public(statement):
            report(
                f"Key policy of {args.name} allows any principal; name the principals or add an "
                "aws:PrincipalAccount condition."
            )
            return
