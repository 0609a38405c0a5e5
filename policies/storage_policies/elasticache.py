"""ElastiCache rules: FSBP ElastiCache.1-ElastiCache.7, and authentication for Redis 6+ and Valkey.

Replication groups carry the settings for their member clusters, so a cache cluster that
belongs to a replication group is judged through the group, as Security Hub does.
"""

from __future__ import annotations

from pulumi_policy import ResourceValidationArgs, Severity

from . import tokens
from .props import as_int, as_list, has, is_false, is_true, version_tuple
from .registry import REGISTRY, Report

_GROUP = tokens.ELASTICACHE_REPLICATION_GROUP
_CLUSTER = tokens.ELASTICACHE_CLUSTER
#: Engines with snapshots, replication groups and AUTH (memcached has none of them).
_REDIS_ENGINES = ("redis", "valkey")


def _kind(args: ResourceValidationArgs) -> str:
    return "Replication group" if args.resource_type in _GROUP else "Cache cluster"


def _judged_elsewhere(args: ResourceValidationArgs) -> bool:
    """A cluster inside a replication group takes its settings from the group."""
    return args.resource_type in _CLUSTER and has(args.props, "replicationGroupId")


def _redis(args: ResourceValidationArgs) -> bool:
    # Replication groups default to redis; stand-alone clusters must name their engine.
    engine = args.props.get("engine")
    if engine is None:
        return args.resource_type in _GROUP
    return str(engine) in _REDIS_ENGINES


@REGISTRY.resource_rule(
    "elasticache-cluster-enable-automatic-backups",
    "Checks that Redis OSS and Valkey caches keep automatic snapshots for at least the minimum "
    "retention (1 day by default).",
    types=_GROUP + _CLUSTER,
    controls=("ElastiCache.1",),
    severity=Severity.HIGH,
    remediation="Set snapshot_retention_limit to 1 or more days.",
    config={"minimumRetentionDays": {"type": "integer", "minimum": 1, "maximum": 35, "default": 1}},
    causes=("snapshotRetentionLimit",),
)
def _backups(args: ResourceValidationArgs, report: Report) -> None:
    if _judged_elsewhere(args) or not _redis(args):
        return
    minimum = int(args.get_config().get("minimumRetentionDays", 1))
    if (as_int(args.props.get("snapshotRetentionLimit")) or 0) < minimum:
        report(
            f"{_kind(args)} {args.name} keeps no automatic snapshots for {minimum} day(s); set "
            f"snapshot_retention_limit to {minimum} or more."
        )


@REGISTRY.resource_rule(
    "elasticache-cluster-enable-minor-version-upgrade",
    "Checks that ElastiCache caches apply minor engine upgrades automatically.",
    types=_GROUP + _CLUSTER,
    controls=("ElastiCache.2",),
    severity=Severity.HIGH,
    security=False,
    remediation="Remove auto_minor_version_upgrade=False (the default is True).",
    causes=("autoMinorVersionUpgrade",),
)
def _minor_upgrade(args: ResourceValidationArgs, report: Report) -> None:
    if _judged_elsewhere(args):
        return
    if is_false(args.props.get("autoMinorVersionUpgrade")):
        report(
            f"{_kind(args)} {args.name} disables automatic minor version upgrades; set "
            "auto_minor_version_upgrade to True."
        )


@REGISTRY.resource_rule(
    "elasticache-replication-group-enable-automatic-failover",
    "Checks that ElastiCache replication groups have automatic failover enabled.",
    types=_GROUP,
    controls=("ElastiCache.3",),
    severity=Severity.MEDIUM,
    security=False,
    remediation="Set automatic_failover_enabled=True with at least one replica.",
    causes=("automaticFailoverEnabled",),
)
def _failover(args: ResourceValidationArgs, report: Report) -> None:
    if not is_true(args.props.get("automaticFailoverEnabled")):
        report(
            f"Replication group {args.name} has no automatic failover; set "
            "automatic_failover_enabled to True."
        )


@REGISTRY.resource_rule(
    "elasticache-replication-group-enable-at-rest-encryption",
    "Checks that ElastiCache replication groups are encrypted at rest.",
    types=_GROUP,
    controls=("ElastiCache.4",),
    severity=Severity.MEDIUM,
    remediation="Set at_rest_encryption_enabled=True with a customer managed kms_key_id.",
    causes=("atRestEncryptionEnabled",),
)
def _at_rest(args: ResourceValidationArgs, report: Report) -> None:
    if not is_true(args.props.get("atRestEncryptionEnabled")):
        report(
            f"Replication group {args.name} is not encrypted at rest; set "
            "at_rest_encryption_enabled to True."
        )


@REGISTRY.resource_rule(
    "elasticache-replication-group-enable-transit-encryption",
    "Checks that ElastiCache replication groups require TLS in transit.",
    types=_GROUP,
    controls=("ElastiCache.5",),
    severity=Severity.MEDIUM,
    remediation="Set transit_encryption_enabled=True and leave transit_encryption_mode at "
    '"required".',
    notes='The "preferred" transit mode still accepts plaintext clients, so it fails too.',
    causes=("transitEncryptionEnabled", "transitEncryptionMode"),
)
def _in_transit(args: ResourceValidationArgs, report: Report) -> None:
    props = args.props
    if not is_true(props.get("transitEncryptionEnabled")):
        report(
            f"Replication group {args.name} is not encrypted in transit; set "
            "transit_encryption_enabled to True."
        )
    elif props.get("transitEncryptionMode") == "preferred":
        report(
            f"Replication group {args.name} still accepts plaintext clients; set "
            'transit_encryption_mode to "required".'
        )


@REGISTRY.resource_rule(
    "elasticache-replication-group-enable-redis-auth",
    "Checks that Redis OSS replication groups older than 6.0 require Redis AUTH.",
    types=_GROUP,
    controls=("ElastiCache.6",),
    severity=Severity.MEDIUM,
    remediation="Set auth_token_wo (or auth_token from a secret), or upgrade to 6.0+ and use "
    "RBAC user groups.",
    notes="Redis 6.0 and later authenticate through RBAC user groups and are not applicable.",
    causes=("authentication",),
)
def _redis_auth(args: ResourceValidationArgs, report: Report) -> None:
    version = version_tuple(args.props.get("engineVersion"))
    if str(args.props.get("engine") or "redis") != "redis" or version is None or version >= (6,):
        return
    if not (has(args.props, "authToken") or has(args.props, "authTokenWo")):
        report(
            f"Replication group {args.name} runs Redis before 6.0 without AUTH; set an auth "
            "token or upgrade to use RBAC."
        )


@REGISTRY.resource_rule(
    "elasticache-cluster-disallow-default-subnet-group",
    "Checks that ElastiCache caches do not use the default subnet group.",
    types=_GROUP + _CLUSTER,
    controls=("ElastiCache.7",),
    severity=Severity.HIGH,
    remediation="Create an aws.elasticache.SubnetGroup of private subnets and set "
    "subnet_group_name.",
    causes=("subnetGroupName",),
)
def _subnet_group(args: ResourceValidationArgs, report: Report) -> None:
    if _judged_elsewhere(args):
        return
    name = args.props.get("subnetGroupName")
    if name is None or str(name) == "default":
        report(
            f"{_kind(args)} {args.name} uses the default subnet group; set subnet_group_name to "
            "a subnet group of private subnets."
        )


def _rbac_era(args: ResourceValidationArgs) -> bool:
    """Valkey, or Redis OSS 6.0+ (also when no version is named: AWS creates the latest)."""
    engine = str(args.props.get("engine") or "redis")
    if engine == "valkey":
        return True
    version = version_tuple(args.props.get("engineVersion"))
    return engine == "redis" and (version is None or version >= (6,))


@REGISTRY.resource_rule(
    "elasticache-replication-group-enable-authentication",
    "Checks that Redis OSS 6.0+ and Valkey replication groups require authentication (an RBAC "
    "user group or an AUTH token).",
    types=_GROUP,
    controls=("BS.8",),
    severity=Severity.HIGH,
    remediation="Attach an aws.elasticache.UserGroup whose default user is disabled "
    "(user_group_ids) with IAM-authenticated users, or set auth_token_wo.",
    notes="ElastiCache.6 (elasticache-replication-group-enable-redis-auth) covers only Redis OSS "
    "before 6.0; a 6.0+ or Valkey group with neither a user group nor an AUTH token lets anyone "
    "who reaches the port read and write, so this rule covers them with the same cause.",
    causes=("authentication",),
)
def _authentication(args: ResourceValidationArgs, report: Report) -> None:
    if not _rbac_era(args):
        return
    user_groups = as_list(args.props.get("userGroupIds"))
    if user_groups or has(args.props, "authToken") or has(args.props, "authTokenWo"):
        return
    report(
        f"Replication group {args.name} requires no authentication (no user group, no AUTH "
        "token); attach a user group with the default user disabled."
    )
