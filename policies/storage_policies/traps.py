"""Day-2 traps: settings that pass every FSBP check, deploy fine, and then break a later
`pulumi up` or quietly lose money or data.

Each rule says in its notes what goes wrong and where that behaviour is documented; none of
them is an FSBP control, so each carries the pack's own control id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from . import documents, tokens
from .graph import each_decidable, linked, of_type, satellites
from .props import as_int, first, has, is_false, is_true, objects, shown, version_tuple
from .registry import REGISTRY, Report

# --- engine version pinned to a minor while minor upgrades are automatic ------------------

_RDS_TYPES = tokens.RDS_INSTANCE + tokens.RDS_CLUSTER + tokens.RDS_CLUSTER_INSTANCE
_CACHE_TYPES = tokens.ELASTICACHE_REPLICATION_GROUP + tokens.ELASTICACHE_CLUSTER


def _major_parts(engine: str, version: tuple[int, ...]) -> int | None:
    """How many numeric parts name the major version of `engine`; None when not judged.

    PostgreSQL 10+ majors are one number (``16``), 9.x majors two (``9.6``); MySQL and
    MariaDB majors are two (``8.0``, ``10.11``), as RDS documents them. Oracle and SQL Server
    version strings carry release updates and are not judged.
    """
    if engine in ("postgres", "aurora-postgresql"):
        return 1 if version[0] >= 10 else 2
    if engine in ("mysql", "mariadb", "aurora-mysql", "aurora"):
        return 2
    return None


def pinned_minor(engine: str, version_text: str) -> bool:
    """True when `version_text` names more than the engine's major version.

    ``"16.4"`` (postgres), ``"8.0.35"`` (mysql) and ``"8.0.mysql_aurora.3.08.0"`` are pinned;
    ``"16"`` and ``"8.0"`` are not. ElastiCache Redis OSS 6+/Valkey versions are
    ``major.minor`` (``"7.1"``), which auto minor upgrades move; ``"6.x"`` floats.
    """
    if engine in ("redis", "valkey"):
        parsed = version_tuple(version_text)
        if parsed is None or (engine == "redis" and parsed < (6,)):
            return False  # Redis OSS before 6.0 has no automatic minor upgrades.
        return not version_text.endswith(".x") and len(parsed) >= 2
    parsed = version_tuple(version_text)
    if parsed is None:
        return False
    parts = _major_parts(engine, parsed)
    if parts is None:
        return False
    # Anything beyond the major, numeric or not (``mysql_aurora.3.08.0``), pins a release.
    return len(version_text.split(".")) > parts


def _auto_minor(props: Mapping[str, Any], default: bool) -> bool:
    value = props.get("autoMinorVersionUpgrade")
    return default if value is None else not is_false(value)


def _ignores_version(resource: PolicyResource) -> bool:
    return "engineVersion" in (resource.opts.ignore_changes or [])


# Sources: RDS refuses to modify to a lower engine version (ModifyDBInstance: "Cannot
# upgrade ... from 16.6 to 16.4"); ElastiCache cannot downgrade in place (ElastiCache user
# guide, "Upgrading engine versions"), so terraform-provider-aws, which pulumi-aws bridges,
# forces a replacement (internal/service/elasticache, customizeDiffEngineVersionForceNewOnDowngrade
# on aws_elasticache_replication_group and aws_elasticache_cluster).
@REGISTRY.stack_rule(
    "aws-database-disallow-pinned-minor-version",
    "Checks that RDS, Aurora and ElastiCache engine versions that upgrade their minor version "
    "automatically name only the major version (or ignore engine version changes).",
    types=_RDS_TYPES + _CACHE_TYPES,
    controls=("BS.9",),
    severity=Severity.MEDIUM,
    security=False,
    remediation='Pin only the major version (engine_version "16", "8.0"), or add '
    'ignore_changes=["engineVersion"] to the resource options (ElastiCache 7+ needs '
    "major.minor: ignore the changes there).",
    notes="After AWS applies a minor upgrade, the program still asks for the old minor: the "
    "next `pulumi up` tries to downgrade (RDS refuses it; for ElastiCache pulumi-aws plans a "
    "replacement). Aurora members follow their cluster, which is judged for them.",
    causes=("engineVersion:minor-pin",),
)
def _pinned_minor(args: StackValidationArgs, report: Report) -> None:
    def check(resource: PolicyResource) -> None:
        if _ignores_version(resource):
            return
        version = resource.props.get("engineVersion")
        engine = str(resource.props.get("engine") or "")
        if resource.resource_type in _CACHE_TYPES and not engine:
            engine = "redis"
        if not isinstance(version, str) or not pinned_minor(engine, version):
            return
        kind = resource.resource_type
        if kind in tokens.RDS_CLUSTER_INSTANCE:
            if linked(resource, "clusterIdentifier", tokens.RDS_CLUSTER):
                return  # its cluster's version is the one that drifts; judged there
            upgrades = _auto_minor(resource.props, True)
        elif kind in tokens.RDS_CLUSTER:
            # Aurora applies minor upgrades through its instances' setting; Multi-AZ DB
            # clusters (db_cluster_instance_class) through their own, on by default.
            own = satellites(resource, args, tokens.RDS_CLUSTER_INSTANCE, "clusterIdentifier")
            multi_az = has(resource.props, "dbClusterInstanceClass")
            upgrades = _auto_minor(resource.props, multi_az) or any(
                _auto_minor(m.props, True) for m in own
            )
        elif kind in tokens.ELASTICACHE_CLUSTER and has(resource.props, "replicationGroupId"):
            return  # a member of a replication group is judged through the group
        else:
            upgrades = _auto_minor(resource.props, True)
        if upgrades:
            report(
                f"{resource.name} pins engine version {version} while minor upgrades are "
                "automatic; the next update after one tries to downgrade. Pin the major only "
                "or ignore engineVersion changes.",
                resource.urn,
            )

    each_decidable(of_type(args, _RDS_TYPES + _CACHE_TYPES), check)


# --- multi-Region key whose policy forbids replication ------------------------------------


def _key_documents(key: PolicyResource, args: StackValidationArgs) -> list[Any]:
    docs = [key.props.get("policy")]
    docs += [p.props.get("policy") for p in satellites(key, args, tokens.KMS_KEY_POLICY, "keyId")]
    return [doc for doc in docs if doc is not None]


@REGISTRY.stack_rule(
    "kms-key-configure-replicate-permission",
    "Checks that the key policy of a multi-Region KMS key allows kms:ReplicateKey.",
    types=tokens.KMS_KEY + tokens.KMS_KEY_POLICY,
    controls=("BS.10",),
    severity=Severity.MEDIUM,
    security=False,
    remediation="Add kms:ReplicateKey (with kms:CreateKey, kms:DescribeKey in the replica "
    "Region) for the deploying principal to the key policy of the multi-Region key.",
    notes="Without it, creating an aws.kms.ReplicaKey (DR) fails with AccessDenied long after "
    "the key was created; a key with no policy at all gets the default policy (the account "
    "root may do everything, IAM decides) and passes.",
    causes=("policy:kms-replicate-key",),
)
def _replicate_key(args: StackValidationArgs, report: Report) -> None:
    def check(key: PolicyResource) -> None:
        if not is_true(key.props.get("multiRegion")):
            return
        docs = _key_documents(key, args)
        if not docs:
            return
        statements = [s for doc in docs for s in documents.parse(doc) or []]
        if not any(s.grants("kms:ReplicateKey") for s in statements):
            report(
                f"Multi-Region key {key.name}'s policy does not allow kms:ReplicateKey; replica "
                "keys cannot be created. Grant it to the deploying principal.",
                key.urn,
            )

    each_decidable(of_type(args, tokens.KMS_KEY), check)


# --- replication destination without the source's expiration ------------------------------


def _prefix(rule: Mapping[str, Any]) -> str:
    rule_filter = first(rule.get("filter"))
    prefix = rule_filter.get("prefix")
    if prefix is None:
        prefix = first(rule_filter.get("and")).get("prefix")
    if prefix is None:
        prefix = rule.get("prefix")
    return shown(prefix or "")


def _expirations(bucket: PolicyResource, args: StackValidationArgs) -> list[tuple[str, int]]:
    """(prefix, days) of the bucket's enabled current-version expiration rules."""
    found: list[tuple[str, int]] = []
    for config in satellites(bucket, args, tokens.S3_LIFECYCLE):
        for rule in objects(config.props.get("rules")):
            days = as_int(first(rule.get("expiration")).get("days"))
            if rule.get("status") == "Enabled" and days:
                found.append((_prefix(rule), days))
    for rule in objects(bucket.props.get("lifecycleRules")):
        days = as_int(first(rule.get("expiration")).get("days"))
        if is_true(rule.get("enabled")) and days:
            found.append((_prefix(rule), days))
    return found


@REGISTRY.stack_rule(
    "s3-replication-destination-configure-expiration",
    "Checks that the destination of an S3 replication expires objects at least as soon as its "
    "source does.",
    types=tokens.S3_BUCKET + tokens.S3_REPLICATION + tokens.S3_LIFECYCLE,
    controls=("BS.11",),
    severity=Severity.MEDIUM,
    security=False,
    remediation="Give the destination bucket a lifecycle rule with the same (or a shorter) "
    "current-version expiration for the same prefix as the source's.",
    notes="Delete markers that lifecycle expiration creates are not replicated (S3 replication "
    "docs), so a replica without the source's expiration keeps every object forever and grows "
    "without bound. Destinations outside the stack cannot be read and are not judged; prefixes "
    "are compared, tag filters and the replication rule's own filter are not.",
    causes=("destinationLifecycle:expiration",),
)
def _destination_expiration(args: StackValidationArgs, report: Report) -> None:
    def check(config: PolicyResource) -> None:
        sources = linked(config, "bucket", tokens.S3_BUCKET)
        source_urns = {s.urn for s in sources}
        targets = [b for b in linked(config, "rules", tokens.S3_BUCKET) if b.urn not in source_urns]
        wanted = [e for source in sources for e in _expirations(source, args)]
        for target in targets:
            have = _expirations(target, args)
            missing = [
                (prefix, days)
                for prefix, days in wanted
                if not any(prefix.startswith(p) and d <= days for p, d in have)
            ]
            if missing:
                prefix, days = missing[0]
                where = f" under {prefix!r}" if prefix else ""
                report(
                    f"Replication {config.name} copies objects that its source expires after "
                    f"{days} days{where} into {target.name}, which never expires them; add the "
                    "same expiration rule to the destination.",
                    config.urn,
                )

    each_decidable(of_type(args, tokens.S3_REPLICATION), check)


# --- a fixed final snapshot identifier ----------------------------------------------------


@REGISTRY.stack_rule(
    "aws-database-disallow-fixed-final-snapshot-identifier",
    "Checks that RDS instances and clusters and ElastiCache replication groups that take a "
    "final snapshot do not name it with a fixed identifier.",
    types=tokens.RDS_INSTANCE + tokens.RDS_CLUSTER + tokens.ELASTICACHE_REPLICATION_GROUP,
    controls=("BS.12",),
    severity=Severity.MEDIUM,
    security=False,
    remediation="Derive the final snapshot identifier from something unique per resource "
    "instance (a random suffix, e.g. pulumi_random.RandomId), so each replacement leaves its "
    "own snapshot.",
    notes="The first replacement leaves '<name>-final'; the second one's delete fails because "
    "a snapshot of that name exists (DBSnapshotAlreadyExists / SnapshotAlreadyExistsFault), "
    "blocking the update. A value that depends on another resource counts as unique.",
    causes=("finalSnapshotIdentifier",),
)
def _fixed_final_snapshot(args: StackValidationArgs, report: Report) -> None:
    def check(resource: PolicyResource) -> None:
        ident = resource.props.get("finalSnapshotIdentifier")
        if not isinstance(ident, str) or not ident:
            return
        if is_true(resource.props.get("skipFinalSnapshot")):
            return
        if resource.property_dependencies.get("finalSnapshotIdentifier"):
            return
        report(
            f"{resource.name} names its final snapshot {ident!r}, the same for every "
            "replacement; the second replacement fails. Add a unique suffix.",
            resource.urn,
        )

    each_decidable(
        of_type(
            args, tokens.RDS_INSTANCE + tokens.RDS_CLUSTER + tokens.ELASTICACHE_REPLICATION_GROUP
        ),
        check,
    )


# --- ON/OFF where an RDS for MySQL instance parameter group takes 0/1 ---------------------

_BOOLEAN_MYSQL_PARAMETERS = ("require_secure_transport",)
_MYSQL_FAMILY = re.compile(r"^(mysql|mariadb)\d", re.IGNORECASE)


@REGISTRY.resource_rule(
    "rds-parameter-group-configure-boolean-values",
    "Checks that RDS for MySQL and MariaDB instance parameter groups set "
    "require_secure_transport to 1 or 0, not ON or OFF.",
    types=tokens.RDS_PARAMETER_GROUP,
    controls=("BS.13",),
    severity=Severity.MEDIUM,
    security=False,
    remediation="Set require_secure_transport to 1 (instance parameter groups); ON/OFF belong "
    "to Aurora MySQL cluster parameter groups.",
    notes="RDS for MySQL instance groups take 0/1; RDS stores 1, so ON shows a change on every "
    "update (or is refused). Aurora cluster parameter groups (a different type) are not judged.",
    causes=("parameters:boolean-format",),
)
def _boolean_values(args: ResourceValidationArgs, report: Report) -> None:
    if not _MYSQL_FAMILY.match(str(args.props.get("family") or "")):
        return
    for parameter in objects(args.props.get("parameters")):
        name = parameter.get("name")
        value = shown(parameter.get("value"))
        if name in _BOOLEAN_MYSQL_PARAMETERS and value not in ("0", "1"):
            report(
                f"Parameter group {args.name} sets {name}={value}; instance parameter groups "
                "take 1 or 0, set it to 1."
            )
            return
