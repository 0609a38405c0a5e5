"""Cross-resource rules no single-resource check can express.

* stateful resources of protected environments carry `protect` (a resource option);
* everything encrypted uses a KMS key of its own region (cross-region replicas above all);
* an S3 replication role can use both the source and the destination key.
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import (
    PolicyResource,
    ResourceValidationArgs,
    Severity,
    StackValidationArgs,
)

from . import documents, tokens
from .graph import each_decidable, linked, of_type, region, satellites
from .props import arn_region, environment, first, is_true, objects
from .registry import REGISTRY, Report

_PROTECTED_ENVIRONMENTS = ["prod"]


@REGISTRY.resource_rule(
    "aws-stateful-resource-enforce-protect",
    "Checks that stateful resources (buckets, databases, caches) of protected environments "
    "set the protect resource option.",
    # KMS keys are left to kms-key-enable-deletion-protection (KMS.3), which judges the same
    # option in every environment: one missing `protect` is one finding, not two.
    types=tuple(t for t in tokens.STATEFUL if t not in tokens.KMS_KEYS),
    severity=Severity.HIGH,
    remediation="Pass pulumi.ResourceOptions(protect=True) (and retain_on_delete=True) to the "
    "resource.",
    notes="The environment comes from the rule's `environment` config, else the stack name. "
    "KMS keys are judged by kms-key-enable-deletion-protection (KMS.3) instead.",
    config={
        "environment": {"type": "string"},
        "protectedEnvironments": {
            "type": "array",
            "items": {"type": "string"},
            "default": _PROTECTED_ENVIRONMENTS,
        },
    },
    controls=("BS.1",),
    causes=("protect",),
)
def _protect(args: ResourceValidationArgs, report: Report) -> None:
    config = args.get_config()
    env = environment(config, args.urn)
    if (
        env in config.get("protectedEnvironments", _PROTECTED_ENVIRONMENTS)
        and not args.opts.protect
    ):
        report(f"{args.name} holds {env} data but is not protected; set protect=True on it.")


# --- keys in the resource's own region ----------------------------------------------------

#: Encryptable types and the inputs that name their KMS key.
_KEY_INPUTS: dict[str, tuple[str, ...]] = {
    tokens.RDS_INSTANCE[0]: ("kmsKeyId", "performanceInsightsKmsKeyId", "masterUserSecretKmsKeyId"),
    tokens.RDS_CLUSTER[0]: ("kmsKeyId", "performanceInsightsKmsKeyId", "masterUserSecretKmsKeyId"),
    tokens.ELASTICACHE_REPLICATION_GROUP[0]: ("kmsKeyId",),
    tokens.ELASTICACHE_SERVERLESS[0]: ("kmsKeyId",),
}


def _key_regions(resource: PolicyResource, prop: str) -> list[tuple[str, str]]:
    """(key label, region) for the keys `prop` names: by dependency first, else by ARN."""
    keys = linked(resource, prop, tokens.KMS_KEYS)
    if keys:
        return [(key.name, key_region) for key in keys if (key_region := region(key))]
    value = resource.props.get(prop)
    literal = arn_region(value)
    return [(str(value), literal)] if literal else []


def _wrong_region(label: str, home: str | None, keys: Iterable[tuple[str, str]]) -> list[str]:
    if home is None:
        return []
    return [
        f"{label} uses key {key} of {key_region}" for key, key_region in keys if key_region != home
    ]


def _cross_region_source(instance: PolicyResource) -> bool:
    sources = linked(instance, "replicateSourceDb", tokens.RDS_INSTANCE)
    home = region(instance)
    if sources:
        return any(region(s) not in (None, home) for s in sources)
    return arn_region(instance.props.get("replicateSourceDb")) not in (None, home)


def _encryption_findings(resource: PolicyResource, args: StackValidationArgs) -> list[str]:
    home = region(resource)
    findings: list[str] = []
    kind = resource.resource_type
    if kind in _KEY_INPUTS:
        for prop in _KEY_INPUTS[kind]:
            findings += _wrong_region(resource.name, home, _key_regions(resource, prop))
        if (
            kind in tokens.RDS_INSTANCE
            and _cross_region_source(resource)
            and is_true(resource.props.get("storageEncrypted"))
            and not _key_regions(resource, "kmsKeyId")
        ):
            findings.append(f"cross-region replica {resource.name} names no key of {home}")
    elif kind in tokens.S3_ENCRYPTION:
        owners = linked(resource, "bucket", tokens.S3_BUCKET)
        home = region(owners[0]) if owners else home
        keys = (
            _key_regions(resource, "rules")
            if linked(resource, "rules", tokens.KMS_KEYS)
            else [
                (str(arn), r)
                for rule in objects(resource.props.get("rules"))
                if (
                    arn := first(rule.get("applyServerSideEncryptionByDefault")).get(
                        "kmsMasterKeyId"
                    )
                )
                and (r := arn_region(arn))
            ]
        )
        findings += _wrong_region(f"encryption of {resource.name}", home, keys)
    elif kind in tokens.S3_REPLICATION:
        findings += _replication_findings(resource)
    elif kind in tokens.KMS_REPLICA_KEY:
        primary = [
            (k.name, r)
            for k in linked(resource, "primaryKeyArn", tokens.KMS_KEY)
            if (r := region(k))
        ]
        if not primary and (r := arn_region(resource.props.get("primaryKeyArn"))):
            primary = [("primary", r)]
        if home and any(r == home for _, r in primary):
            findings.append(f"replica key {resource.name} sits in its primary's region {home}")
    return findings


def _replication_findings(config: PolicyResource) -> list[str]:
    sources = {b.urn for b in linked(config, "bucket", tokens.S3_BUCKET)}
    targets = [b for b in linked(config, "rules", tokens.S3_BUCKET) if b.urn not in sources]
    homes = {r for b in targets if (r := region(b))}
    if len(homes) != 1:
        # No destination in the stack, or several: which key serves which cannot be told.
        return []
    (home,) = homes
    keys = (
        _key_regions(config, "rules")
        if linked(config, "rules", tokens.KMS_KEYS)
        else [
            (str(arn), r)
            for rule in objects(config.props.get("rules"))
            if (
                arn := first(first(rule.get("destination")).get("encryptionConfiguration")).get(
                    "replicaKmsKeyId"
                )
            )
            and (r := arn_region(arn))
        ]
    )
    return _wrong_region(f"replication {config.name}", home, keys)


@REGISTRY.stack_rule(
    "kms-key-enforce-same-region",
    "Checks that encrypted resources, cross-region replicas above all, use a KMS key of their "
    "own region (and that replica keys live outside their primary's region).",
    types=tuple(_KEY_INPUTS)
    + tokens.S3_ENCRYPTION
    + tokens.S3_REPLICATION
    + tokens.KMS_REPLICA_KEY,
    severity=Severity.HIGH,
    remediation="Encrypt each resource with a key (or aws.kms.ReplicaKey) created by a provider "
    "of the resource's own region.",
    notes="Regions come from each resource's `region` input or its provider; a key named by a "
    "non-ARN alias or id cannot be placed and is not judged.",
    controls=("BS.2",),
    causes=("kmsKeyId:region",),
)
def _same_region(args: StackValidationArgs, report: Report) -> None:
    types = (*_KEY_INPUTS, *tokens.S3_ENCRYPTION, *tokens.S3_REPLICATION, *tokens.KMS_REPLICA_KEY)

    def check(resource: PolicyResource) -> None:
        for finding in _encryption_findings(resource, args):
            report(f"{finding}; use a key of the resource's own region.", resource.urn)

    each_decidable(of_type(args, types), check)


# --- replication role reaches both keys ---------------------------------------------------


def role_statements(role: PolicyResource, args: StackValidationArgs) -> list[documents.Statement]:
    """Every statement granted to `role`: inline, role policies and attached managed ones."""
    docs = [entry.get("policy") for entry in objects(role.props.get("inlinePolicies"))]
    docs += [
        rp.props.get("policy") for rp in satellites(role, args, tokens.IAM_ROLE_POLICY, "role")
    ]
    for attachment in satellites(role, args, tokens.IAM_ROLE_POLICY_ATTACHMENT, "role"):
        docs += [p.props.get("policy") for p in linked(attachment, "policyArn", tokens.IAM_POLICY)]
    return [s for doc in docs for s in documents.parse(doc) or []]


def _key_arns(resource: PolicyResource, prop: str, literals: list[str]) -> list[tuple[str, str]]:
    """(label, ARN) of the keys `prop` depends on, else of literal ARNs."""
    keys = linked(resource, prop, tokens.KMS_KEYS)
    if keys:
        return [(key.name, str(key.props.get("arn"))) for key in keys]
    return [(arn, arn) for arn in literals if arn.startswith("arn:")]


def _can(statements: list[documents.Statement], action: str, arn: str) -> bool:
    return any(
        statement.grants(action)
        and any(documents.resource_matches(r, arn) for r in statement.resources)
        for statement in statements
    )


@REGISTRY.stack_rule(
    "s3-replication-role-configure-kms-access",
    "Checks that the role of an S3 replication of KMS-encrypted objects can decrypt with the "
    "source key and encrypt with the destination key.",
    types=tokens.S3_REPLICATION + tokens.IAM_ROLE + tokens.IAM_ROLE_POLICY + tokens.KMS_KEYS,
    severity=Severity.HIGH,
    remediation="Grant the replication role kms:Decrypt on the source bucket's key and "
    "kms:Encrypt on the destination key (by ARN).",
    notes="Roles named by a literal ARN (not declared in the stack) cannot be read and are not "
    "judged.",
    controls=("BS.3",),
    causes=("replicationRole:kms-access",),
)
def _replication_keys(args: StackValidationArgs, report: Report) -> None:
    def check(config: PolicyResource) -> None:
        roles = linked(config, "role", tokens.IAM_ROLE)
        sources = linked(config, "bucket", tokens.S3_BUCKET)
        if not roles or not sources:
            return
        needs: list[tuple[str, str, str]] = []
        for sse in satellites(sources[0], args, tokens.S3_ENCRYPTION):
            literals = [
                str(
                    first(rule.get("applyServerSideEncryptionByDefault")).get("kmsMasterKeyId")
                    or ""
                )
                for rule in objects(sse.props.get("rules"))
            ]
            needs += [
                ("kms:Decrypt", label, arn) for label, arn in _key_arns(sse, "rules", literals)
            ]
        literals = [
            str(
                first(first(rule.get("destination")).get("encryptionConfiguration")).get(
                    "replicaKmsKeyId"
                )
                or ""
            )
            for rule in objects(config.props.get("rules"))
        ]
        needs += [
            ("kms:Encrypt", label, arn) for label, arn in _key_arns(config, "rules", literals)
        ]
        statements = [s for role in roles for s in role_statements(role, args)]
        missing = [
            f"{action} on {label}"
            for action, label, arn in needs
            if not _can(statements, action, arn)
        ]
        if missing:
            report(
                f"Replication {config.name}'s role {roles[0].name} lacks {', '.join(missing)}; "
                "grant it both keys.",
                config.urn,
            )

    each_decidable(of_type(args, tokens.S3_REPLICATION), check)
