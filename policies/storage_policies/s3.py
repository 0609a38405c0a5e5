"""S3 rules: FSBP S3.2, S3.3, S3.5-S3.10, S3.12-S3.15, S3.17.

In pulumi-aws v7 a bucket's settings are separate resources (public access block,
encryption, versioning, policy, ACL, logging, lifecycle, replication, object lock,
ownership controls). Most rules are therefore stack rules: they find each bucket's
satellites through property dependencies and judge the bucket as a whole, so a bucket with
no such satellite fails exactly like one with a bad satellite. The deprecated inline
arguments of `aws.s3.Bucket` are honoured too, for programs that still use them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import (
    PolicyResource,
    Severity,
    StackValidationArgs,
)

from . import documents, tokens
from .accounts import account_of, owner_accounts
from .graph import each_decidable, linked, of_type, region, satellites
from .props import as_list, first, is_true, objects, shown
from .registry import REGISTRY, Report

_PUBLIC_GROUP_URIS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions")
_WRITE_ACTIONS = (
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectAcl",
    "s3:PutBucketAcl",
    "s3:PutBucketPolicy",
    "s3:DeleteBucket",
)
#: Actions S3.6 forbids granting to other accounts (its `blacklistedActionPatterns`).
_CROSS_ACCOUNT_BLOCKED = (
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketPolicy",
    "s3:PutEncryptionConfiguration",
    "s3:PutObjectAcl",
)
_KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
_BPA_FLAGS = ("blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets")


# --- what a bucket's satellites say -------------------------------------------------------


def _public_access_flags(bucket: PolicyResource, args: StackValidationArgs) -> dict[str, bool]:
    """Effective block-public-access flags: the bucket's own block OR the account's."""
    flags = dict.fromkeys(_BPA_FLAGS, False)
    blocks = satellites(bucket, args, tokens.S3_PUBLIC_ACCESS_BLOCK) + of_type(
        args, tokens.S3_ACCOUNT_PUBLIC_ACCESS_BLOCK
    )
    for block in blocks:
        for flag in _BPA_FLAGS:
            flags[flag] = flags[flag] or is_true(block.props.get(flag))
    return flags


def _bucket_level_flags(bucket: PolicyResource, args: StackValidationArgs) -> dict[str, bool]:
    flags = dict.fromkeys(_BPA_FLAGS, False)
    for block in satellites(bucket, args, tokens.S3_PUBLIC_ACCESS_BLOCK):
        for flag in _BPA_FLAGS:
            flags[flag] = flags[flag] or is_true(block.props.get(flag))
    return flags


def _policy_statements(
    bucket: PolicyResource, args: StackValidationArgs
) -> list[documents.Statement]:
    statements: list[documents.Statement] = []
    sources = [sat.props.get("policy") for sat in satellites(bucket, args, tokens.S3_POLICY)]
    sources.append(bucket.props.get("policy"))
    for source in sources:
        statements.extend(documents.parse(source) or [])
    return statements


def _public_acl_permissions(bucket: PolicyResource, args: StackValidationArgs) -> set[str]:
    """Permissions the bucket's ACLs give to everyone (``READ``, ``WRITE``, ...)."""
    permissions: set[str] = set()
    canned = [sat.props.get("acl") for sat in satellites(bucket, args, tokens.S3_ACL)]
    canned.append(bucket.props.get("acl"))
    for acl in canned:
        if acl in ("public-read", "authenticated-read"):
            permissions.add("READ")
        elif acl == "public-read-write":
            permissions.update({"READ", "WRITE"})
    for grantee, permission in _acl_grants(bucket, args):
        if grantee.get("uri") in _PUBLIC_GROUP_URIS:
            permissions.update({"READ", "WRITE"} if permission == "FULL_CONTROL" else {permission})
    return permissions


def _acl_grants(
    bucket: PolicyResource, args: StackValidationArgs
) -> list[tuple[Mapping[str, Any], str]]:
    """(grantee, permission) pairs from BucketAcl satellites and inline `grants`."""
    grants: list[tuple[Mapping[str, Any], str]] = []
    for sat in satellites(bucket, args, tokens.S3_ACL):
        policy = first(sat.props.get("accessControlPolicy"))
        for grant in objects(policy.get("grants")):
            grants.append((first(grant.get("grantee")), str(grant.get("permission"))))
    for grant in objects(bucket.props.get("grants")):
        for permission in as_list(grant.get("permissions")):
            grants.append((grant, str(permission)))
    return grants


def _uses_acls(bucket: PolicyResource, args: StackValidationArgs) -> str | None:
    """Why the bucket relies on ACLs for access, or None when it does not."""
    for ownership in satellites(bucket, args, tokens.S3_OWNERSHIP):
        setting = first(ownership.props.get("rule")).get("objectOwnership")
        # Only BucketOwnerEnforced disables ACLs; any other value, a list or an object
        # included (no S3 setting), leaves them in effect as far as anyone can tell.
        if setting != "BucketOwnerEnforced":
            return f"object ownership is {shown(setting)}"
    canned = [sat.props.get("acl") for sat in satellites(bucket, args, tokens.S3_ACL)]
    canned.append(bucket.props.get("acl"))
    for acl in canned:
        if acl not in (None, "private"):
            return f"it sets the canned ACL {shown(acl)}"
    for sat in satellites(bucket, args, tokens.S3_ACL):
        policy = first(sat.props.get("accessControlPolicy"))
        owner = first(policy.get("owner")).get("id")
        for grant in objects(policy.get("grants")):
            grantee = first(grant.get("grantee"))
            if grantee.get("type") != "CanonicalUser" or grantee.get("id") != owner:
                return "its ACL grants access to someone other than the owner"
    if as_list(bucket.props.get("grants")):
        return "it declares ACL grants"
    return None


def _versioning_enabled(bucket: PolicyResource, args: StackValidationArgs) -> bool:
    for sat in satellites(bucket, args, tokens.S3_VERSIONING):
        if first(sat.props.get("versioningConfiguration")).get("status") == "Enabled":
            return True
    return is_true(first(bucket.props.get("versioning")).get("enabled"))


def _lifecycle_enabled(bucket: PolicyResource, args: StackValidationArgs) -> bool:
    for sat in satellites(bucket, args, tokens.S3_LIFECYCLE):
        if any(rule.get("status") == "Enabled" for rule in objects(sat.props.get("rules"))):
            return True
    return any(is_true(rule.get("enabled")) for rule in objects(bucket.props.get("lifecycleRules")))


def _encryption_algorithms(bucket: PolicyResource, args: StackValidationArgs) -> list[str]:
    algorithms: list[str] = []
    for sat in satellites(bucket, args, tokens.S3_ENCRYPTION):
        for rule in objects(sat.props.get("rules")):
            default = first(rule.get("applyServerSideEncryptionByDefault"))
            algorithms.append(str(default.get("sseAlgorithm")))
    inline = first(bucket.props.get("serverSideEncryptionConfiguration"))
    for rule in objects(inline.get("rule")) if inline else []:
        default = first(rule.get("applyServerSideEncryptionByDefault"))
        algorithms.append(str(default.get("sseAlgorithm")))
    return algorithms


def log_targets(args: StackValidationArgs) -> set[str]:
    """URNs of buckets that receive server access logs (they have their own exemptions)."""
    urns: set[str] = set()
    for logging in of_type(args, tokens.S3_LOGGING):
        urns.update(dep.urn for dep in linked(logging, "targetBucket", tokens.S3_BUCKET))
    for bucket in of_type(args, tokens.S3_BUCKET):
        urns.update(dep.urn for dep in linked(bucket, "logging", tokens.S3_BUCKET))
    return urns


def replication_destinations(args: StackValidationArgs) -> dict[str, PolicyResource]:
    """Destination buckets of replication rules, by URN, mapped to the replication config."""
    destinations: dict[str, PolicyResource] = {}
    for config in of_type(args, tokens.S3_REPLICATION):
        sources = {dep.urn for dep in linked(config, "bucket", tokens.S3_BUCKET)}
        for dep in linked(config, "rules", tokens.S3_BUCKET):
            if dep.urn not in sources:
                destinations[dep.urn] = config
    return destinations


def _buckets(args: StackValidationArgs) -> list[PolicyResource]:
    return of_type(args, tokens.S3_BUCKET)


def _each_bucket(args: StackValidationArgs, check: Any) -> None:
    each_decidable(_buckets(args), check)


# --- S3.8, S3.2, S3.3: public access ------------------------------------------------------


@REGISTRY.stack_rule(
    "s3-bucket-enforce-public-access-block",
    "Checks that every S3 bucket has a public access block with all four settings enabled.",
    types=tokens.S3_BUCKET + tokens.S3_PUBLIC_ACCESS_BLOCK,
    controls=("S3.8",),
    severity=Severity.HIGH,
    remediation="Add an aws.s3.BucketPublicAccessBlock for the bucket with block_public_acls, "
    "ignore_public_acls, block_public_policy and restrict_public_buckets all True.",
    causes=("bucketPublicAccessBlock",),
)
def _public_access_block(args: StackValidationArgs, report: Report) -> None:
    def check(bucket: PolicyResource) -> None:
        if not satellites(bucket, args, tokens.S3_PUBLIC_ACCESS_BLOCK):
            report(
                f"Bucket {bucket.name} has no public access block; add a "
                "BucketPublicAccessBlock with all four settings true.",
                bucket.urn,
            )
            return
        off = [flag for flag, on in _bucket_level_flags(bucket, args).items() if not on]
        if off:
            report(
                f"Bucket {bucket.name} leaves {', '.join(off)} disabled in its public access "
                "block; set all four settings to true.",
                bucket.urn,
            )

    _each_bucket(args, check)


def _public_via(
    bucket: PolicyResource, args: StackValidationArgs, actions: Iterable[str], acl: str
) -> str | None:
    flags = _public_access_flags(bucket, args)
    if not (flags["blockPublicPolicy"] or flags["restrictPublicBuckets"]):
        for statement in _policy_statements(bucket, args):
            if documents.is_public(statement) and any(statement.grants(a) for a in actions):
                return "its bucket policy allows anyone"
    acls_blocked = flags["blockPublicAcls"] or flags["ignorePublicAcls"]
    if not acls_blocked and acl in _public_acl_permissions(bucket, args):
        return "its ACL grants everyone"
    return None


@REGISTRY.stack_rule(
    "s3-bucket-disallow-public-read",
    "Checks that no S3 bucket policy or ACL grants public read access that public access "
    "blocks leave in effect.",
    types=tokens.S3_BUCKET + tokens.S3_POLICY + tokens.S3_ACL,
    controls=("S3.2",),
    severity=Severity.CRITICAL,
    remediation="Remove the public read grant from the bucket policy or ACL, or enable the "
    "bucket's public access block.",
    causes=("policy:public-read", "acl:public-read"),
)
def _public_read(args: StackValidationArgs, report: Report) -> None:
    def check(bucket: PolicyResource) -> None:
        reason = _public_via(bucket, args, _READ_ACTIONS, "READ")
        if reason:
            report(
                f"Bucket {bucket.name} is publicly readable because {reason} read access; "
                "remove the grant or block public access.",
                bucket.urn,
            )

    _each_bucket(args, check)


@REGISTRY.stack_rule(
    "s3-bucket-disallow-public-write",
    "Checks that no S3 bucket policy or ACL grants public write access that public access "
    "blocks leave in effect.",
    types=tokens.S3_BUCKET + tokens.S3_POLICY + tokens.S3_ACL,
    controls=("S3.3",),
    severity=Severity.CRITICAL,
    remediation="Remove the public write grant from the bucket policy or ACL, or enable the "
    "bucket's public access block.",
    causes=("policy:public-write", "acl:public-write"),
)
def _public_write(args: StackValidationArgs, report: Report) -> None:
    def check(bucket: PolicyResource) -> None:
        reason = _public_via(bucket, args, _WRITE_ACTIONS, "WRITE")
        if reason:
            report(
                f"Bucket {bucket.name} is publicly writable because {reason} write access; "
                "remove the grant or block public access.",
                bucket.urn,
            )

    _each_bucket(args, check)


# --- S3.5: TLS only -----------------------------------------------------------------------


def _denies_insecure_transport(statement: documents.Statement) -> bool:
    return (
        statement.denies
        and statement.principal_is_wildcard
        and documents.covers_action(statement, "s3:GetObject")
        and "false" in documents.condition_value(statement, "Bool", "aws:SecureTransport")
    )


@REGISTRY.stack_rule(
    "s3-bucket-enforce-ssl-requests",
    "Checks that every S3 bucket policy denies requests that do not use TLS "
    "(aws:SecureTransport false).",
    types=tokens.S3_BUCKET + tokens.S3_POLICY,
    controls=("S3.5",),
    severity=Severity.MEDIUM,
    remediation='Add a bucket policy statement: Effect Deny, Principal "*", Action "s3:*", '
    'Resource the bucket and its objects, Condition {"Bool": {"aws:SecureTransport": "false"}}.',
    causes=("policy:deny-insecure-transport",),
)
def _ssl_requests(args: StackValidationArgs, report: Report) -> None:
    def check(bucket: PolicyResource) -> None:
        if not any(_denies_insecure_transport(s) for s in _policy_statements(bucket, args)):
            report(
                f"Bucket {bucket.name} has no bucket policy statement denying non-TLS requests; "
                "add a Deny on aws:SecureTransport false.",
                bucket.urn,
            )

    _each_bucket(args, check)


# --- S3.6: other accounts -----------------------------------------------------------------


def _account_grants(statement: documents.Statement) -> list[str]:
    """Accounts an Allow statement names as AWS principals (wildcards are S3.2/S3.3's)."""
    if not statement.allows or documents.is_public(statement):
        return []
    accounts = [account_of(value) for value in statement.principals.get("AWS", ())]
    return [account for account in accounts if account is not None]


def _admin_grants(
    args: StackValidationArgs,
) -> list[tuple[PolicyResource, list[str], list[str]]]:
    """(carrier, blocked actions, grantee accounts) of each bucket policy's first admin grant.

    Carriers are BucketPolicy resources and buckets with an inline `policy`.
    """
    grants: list[tuple[PolicyResource, list[str], list[str]]] = []

    def check(carrier: PolicyResource) -> None:
        for statement in documents.parse(carrier.props.get("policy")) or []:
            blocked = [a for a in _CROSS_ACCOUNT_BLOCKED if statement.grants(a)]
            accounts = _account_grants(statement)
            if blocked and accounts:
                grants.append((carrier, blocked, accounts))
                return

    each_decidable(of_type(args, tokens.S3_POLICY + tokens.S3_BUCKET), check)
    return grants


_TRUSTED_CONFIG = {"trustedAccounts": {"type": "array", "items": {"type": "string"}, "default": []}}


@REGISTRY.stack_rule(
    "s3-bucket-policy-disallow-cross-account-admin",
    "Checks that S3 bucket policies do not let other accounts change the bucket's policy, "
    "ACLs or encryption.",
    types=tokens.S3_POLICY + tokens.S3_BUCKET,
    controls=("S3.6",),
    severity=Severity.HIGH,
    remediation="Remove s3:DeleteBucketPolicy, s3:PutBucketAcl, s3:PutBucketPolicy, "
    "s3:PutEncryptionConfiguration and s3:PutObjectAcl (and s3:*) from statements granted to "
    "other accounts.",
    notes="The owning account comes from the `trustedAccounts` config, the providers' "
    "allowedAccountIds (aws:allowedAccountIds) and the account ids of the program's own ARNs; "
    "when none names one, s3-bucket-policy-configure-trusted-accounts reports the grant "
    "instead. Wildcard principals are public access, judged by S3.2/S3.3.",
    config=_TRUSTED_CONFIG,
    causes=("policy:cross-account-admin",),
)
def _cross_account(args: StackValidationArgs, report: Report) -> None:
    grants = _admin_grants(args)
    if not grants:
        return
    owners = owner_accounts(args.resources, args.get_config().get("trustedAccounts", []))
    if not owners:
        return
    for carrier, blocked, accounts in grants:
        foreign = sorted(set(accounts) - owners)
        if foreign:
            report(
                f"Bucket policy {carrier.name} grants {', '.join(blocked)} to account "
                f"{', '.join(foreign)}; restrict these actions to the owning account.",
                carrier.urn,
            )


@REGISTRY.stack_rule(
    "s3-bucket-policy-configure-trusted-accounts",
    "Checks that a bucket policy granting bucket administration to an AWS account can be "
    "judged: the stack must say which account owns it.",
    types=tokens.S3_POLICY + tokens.S3_BUCKET,
    controls=("S3.6",),
    severity=Severity.MEDIUM,
    security=False,
    remediation="Declare the owning account: aws:allowedAccountIds in the stack config (or "
    "allowed_account_ids on the provider), or the trustedAccounts config of this rule and of "
    "s3-bucket-policy-disallow-cross-account-admin.",
    notes="The advisory half of S3.6: it reports only when the owning account is unknown, so "
    "a grant is never passed silently; once it is known, the mandatory rule takes over.",
    config=_TRUSTED_CONFIG,
    causes=("policy:cross-account-admin",),
)
def _unknown_owner(args: StackValidationArgs, report: Report) -> None:
    grants = _admin_grants(args)
    if not grants or owner_accounts(args.resources, args.get_config().get("trustedAccounts", [])):
        return
    for carrier, blocked, accounts in grants:
        report(
            f"Bucket policy {carrier.name} grants {', '.join(blocked)} to account "
            f"{', '.join(sorted(set(accounts)))}, and the stack names no owning account; declare "
            "aws:allowedAccountIds or the trustedAccounts policy config.",
            carrier.urn,
        )


# --- S3.7: cross-region replication -------------------------------------------------------


@REGISTRY.stack_rule(
    "s3-bucket-enable-cross-region-replication",
    "Checks that every S3 bucket replicates to a bucket in another region.",
    types=tokens.S3_BUCKET + tokens.S3_REPLICATION,
    controls=("S3.7",),
    severity=Severity.LOW,
    security=False,
    remediation="Add an aws.s3.BucketReplicationConfig with an Enabled rule whose destination "
    "bucket lives in another region.",
    notes="Replication destinations are exempt (a replica replicating again would loop). A "
    "destination bucket outside the stack is accepted: its region cannot be read.",
    causes=("bucketReplicationConfig",),
)
def _cross_region_replication(args: StackValidationArgs, report: Report) -> None:
    destinations = replication_destinations(args)

    def check(bucket: PolicyResource) -> None:
        if bucket.urn in destinations:
            return
        for config in satellites(bucket, args, tokens.S3_REPLICATION):
            if not any(r.get("status") == "Enabled" for r in objects(config.props.get("rules"))):
                continue
            targets = [d for d in linked(config, "rules", tokens.S3_BUCKET) if d.urn != bucket.urn]
            # A destination outside the stack, or a region nobody declared, cannot be
            # judged: accept it rather than guess.
            if not targets or any(
                region(t) is None or region(bucket) is None or region(t) != region(bucket)
                for t in targets
            ):
                return
        report(
            f"Bucket {bucket.name} does not replicate to another region; add a "
            "BucketReplicationConfig to a bucket in another region.",
            bucket.urn,
        )

    _each_bucket(args, check)


# --- S3.9: server access logging ----------------------------------------------------------


@REGISTRY.stack_rule(
    "s3-bucket-enable-access-logging",
    "Checks that every S3 bucket except log-target buckets has server access logging.",
    types=tokens.S3_BUCKET + tokens.S3_LOGGING,
    controls=("S3.9",),
    severity=Severity.MEDIUM,
    remediation="Add an aws.s3.BucketLogging for the bucket with a target_bucket that collects "
    "access logs.",
    notes="Buckets that receive access logs are exempt: logging them into themselves loops.",
    causes=("bucketLogging",),
)
def _access_logging(args: StackValidationArgs, report: Report) -> None:
    targets = log_targets(args)

    def check(bucket: PolicyResource) -> None:
        if bucket.urn in targets:
            return
        logged = any(
            sat.props.get("targetBucket") for sat in satellites(bucket, args, tokens.S3_LOGGING)
        ) or bool(first(bucket.props.get("logging")).get("targetBucket"))
        if not logged:
            report(
                f"Bucket {bucket.name} has no server access logging; add a BucketLogging with "
                "a target bucket.",
                bucket.urn,
            )

    _each_bucket(args, check)


# --- S3.10, S3.13: lifecycle --------------------------------------------------------------


@REGISTRY.stack_rule(
    "s3-bucket-configure-versioned-lifecycle",
    "Checks that every versioned S3 bucket has an enabled lifecycle rule.",
    types=tokens.S3_BUCKET + tokens.S3_VERSIONING + tokens.S3_LIFECYCLE,
    controls=("S3.10",),
    severity=Severity.MEDIUM,
    security=False,
    remediation="Add an aws.s3.BucketLifecycleConfiguration with an Enabled rule (for example "
    "expiring noncurrent versions).",
    causes=("bucketLifecycleConfiguration",),
)
def _versioned_lifecycle(args: StackValidationArgs, report: Report) -> None:
    def check(bucket: PolicyResource) -> None:
        if _versioning_enabled(bucket, args) and not _lifecycle_enabled(bucket, args):
            report(
                f"Versioned bucket {bucket.name} has no enabled lifecycle rule; add a "
                "BucketLifecycleConfiguration that expires noncurrent versions.",
                bucket.urn,
            )

    _each_bucket(args, check)


@REGISTRY.stack_rule(
    "s3-bucket-configure-lifecycle",
    "Checks that every S3 bucket has an enabled lifecycle rule.",
    types=tokens.S3_BUCKET + tokens.S3_LIFECYCLE,
    controls=("S3.13",),
    severity=Severity.LOW,
    security=False,
    remediation="Add an aws.s3.BucketLifecycleConfiguration with at least one Enabled rule.",
    notes="Versioned buckets are reported by s3-bucket-configure-versioned-lifecycle (S3.10) "
    "alone: one missing lifecycle, one finding.",
    causes=("bucketLifecycleConfiguration",),
)
def _lifecycle(args: StackValidationArgs, report: Report) -> None:
    def check(bucket: PolicyResource) -> None:
        # A versioned bucket without lifecycle is s3-bucket-configure-versioned-lifecycle's
        # finding (S3.10); reporting it here too would count one cause twice.
        if _versioning_enabled(bucket, args):
            return
        if not _lifecycle_enabled(bucket, args):
            report(
                f"Bucket {bucket.name} has no enabled lifecycle rule; add a "
                "BucketLifecycleConfiguration with an Enabled rule.",
                bucket.urn,
            )

    _each_bucket(args, check)


# --- S3.12: no ACLs -----------------------------------------------------------------------


@REGISTRY.stack_rule(
    "s3-bucket-disallow-acls",
    "Checks that S3 buckets do not use ACLs to manage access (object ownership "
    "BucketOwnerEnforced, no ACL grants).",
    types=tokens.S3_BUCKET + tokens.S3_ACL + tokens.S3_OWNERSHIP,
    controls=("S3.12",),
    severity=Severity.MEDIUM,
    remediation="Remove BucketAcl resources and ACL grants, and set object ownership to "
    "BucketOwnerEnforced; grant access through the bucket policy or IAM instead.",
    notes="A bucket without ownership controls counts as BucketOwnerEnforced, which is what "
    "S3 applies to new buckets since April 2023.",
    causes=("acl:in-use",),
)
def _no_acls(args: StackValidationArgs, report: Report) -> None:
    def check(bucket: PolicyResource) -> None:
        reason = _uses_acls(bucket, args)
        if reason:
            report(
                f"Bucket {bucket.name} uses ACLs because {reason}; set object ownership to "
                "BucketOwnerEnforced and grant access through policies.",
                bucket.urn,
            )

    _each_bucket(args, check)


# --- S3.14: versioning --------------------------------------------------------------------


@REGISTRY.stack_rule(
    "s3-bucket-enable-versioning",
    "Checks that every S3 bucket has versioning enabled.",
    types=tokens.S3_BUCKET + tokens.S3_VERSIONING,
    controls=("S3.14",),
    severity=Severity.LOW,
    remediation='Add an aws.s3.BucketVersioning with versioning_configuration status "Enabled".',
    causes=("bucketVersioning",),
)
def _versioning(args: StackValidationArgs, report: Report) -> None:
    def check(bucket: PolicyResource) -> None:
        if not _versioning_enabled(bucket, args):
            report(
                f"Bucket {bucket.name} does not have versioning enabled; add a BucketVersioning "
                'with status "Enabled".',
                bucket.urn,
            )

    _each_bucket(args, check)


# --- S3.15: object lock -------------------------------------------------------------------


@REGISTRY.stack_rule(
    "s3-bucket-enable-object-lock",
    "Checks that every S3 bucket has Object Lock enabled (with the configured retention mode, "
    "if any).",
    types=tokens.S3_BUCKET + tokens.S3_OBJECT_LOCK,
    controls=("S3.15",),
    severity=Severity.MEDIUM,
    security=False,
    remediation="Create the bucket with object_lock_enabled=True and add an "
    "aws.s3.BucketObjectLockConfiguration with a default retention rule.",
    notes="Enabling Object Lock on an existing bucket may need AWS support; plan it at creation.",
    config={"mode": {"type": "string", "enum": ["GOVERNANCE", "COMPLIANCE"]}},
    causes=("bucketObjectLockConfiguration",),
)
def _object_lock(args: StackValidationArgs, report: Report) -> None:
    mode = args.get_config().get("mode")

    def check(bucket: PolicyResource) -> None:
        configs = satellites(bucket, args, tokens.S3_OBJECT_LOCK)
        inline = first(bucket.props.get("objectLockConfiguration"))
        enabled = (
            is_true(bucket.props.get("objectLockEnabled"))
            or any(c.props.get("objectLockEnabled") == "Enabled" for c in configs)
            or inline.get("objectLockEnabled") == "Enabled"
        )
        if not enabled:
            report(
                f"Bucket {bucket.name} does not have Object Lock enabled; create it with "
                "object_lock_enabled and a default retention.",
                bucket.urn,
            )
            return
        if mode:
            modes = [
                first(first(c.props.get("rule")).get("defaultRetention")).get("mode")
                for c in configs
            ]
            if mode not in modes:
                report(
                    f"Bucket {bucket.name} has no {mode} default retention; add a "
                    f"BucketObjectLockConfiguration rule with mode {mode}.",
                    bucket.urn,
                )

    _each_bucket(args, check)


# --- S3.17: SSE-KMS -----------------------------------------------------------------------


@REGISTRY.stack_rule(
    "s3-bucket-enforce-kms-encryption",
    "Checks that every S3 bucket encrypts by default with AWS KMS keys (SSE-KMS or DSSE-KMS); "
    "log-target buckets may use SSE-S3.",
    types=tokens.S3_BUCKET + tokens.S3_ENCRYPTION,
    controls=("S3.17",),
    severity=Severity.MEDIUM,
    remediation="Add an aws.s3.BucketServerSideEncryptionConfiguration whose rule sets "
    'sse_algorithm "aws:kms" with a customer managed key.',
    notes="Server access log target buckets only support SSE-S3, so AES256 (or the S3 default) "
    "is accepted for them.",
    causes=("bucketServerSideEncryptionConfiguration",),
)
def _kms_encryption(args: StackValidationArgs, report: Report) -> None:
    targets = log_targets(args)

    def check(bucket: PolicyResource) -> None:
        algorithms = _encryption_algorithms(bucket, args)
        if bucket.urn in targets and all(a in ("AES256", *_KMS_ALGORITHMS) for a in algorithms):
            return
        if not algorithms or any(a not in _KMS_ALGORITHMS for a in algorithms):
            report(
                f"Bucket {bucket.name} is not encrypted by default with a KMS key; add a "
                'BucketServerSideEncryptionConfiguration with sse_algorithm "aws:kms".',
                bucket.urn,
            )

    _each_bucket(args, check)
