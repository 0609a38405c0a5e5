"""RDS and Aurora rules: FSBP RDS.2-RDS.3, RDS.5-RDS.13, RDS.15-RDS.18, RDS.23-RDS.25,
RDS.27, RDS.34-RDS.39 (and RDS.44 with RDS.39).

Read replicas inherit engine, encryption, port and backups from their source, so rules
whose setting a replica cannot change skip replicas that leave it unset; the source is
judged instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    PolicyResource,
    ResourceValidationArgs,
    Severity,
    StackValidationArgs,
)

from . import tokens
from .graph import each_decidable, linked, of_type, satellites
from .props import as_int, as_list, has, is_false, is_true, objects, version_tuple
from .registry import REGISTRY, Report

_INSTANCES = tokens.RDS_INSTANCE + tokens.RDS_CLUSTER_INSTANCE
#: Engines whose instances support IAM database authentication.
_IAM_AUTH_ENGINES = ("mysql", "mariadb", "postgres")
_MONITORING_INTERVALS = (1, 5, 10, 15, 30, 60)
#: FSBP RDS.9's log types per engine family (RDS.36 is the postgres part).
_INSTANCE_LOGS = {
    "postgres": ("postgresql", "upgrade"),
    "mysql": ("audit", "error", "general", "slowquery"),
    "mariadb": ("audit", "error", "general", "slowquery"),
    "oracle": ("alert", "audit", "trace", "listener"),
    "sqlserver": ("error", "agent"),
}
#: FSBP RDS.37 (Aurora PostgreSQL) and RDS.34 (Aurora MySQL audit).
_CLUSTER_LOGS = {"aurora-postgresql": ("postgresql",), "aurora-mysql": ("audit",)}
_DEFAULT_PORTS = {
    "postgres": 5432,
    "aurora-postgresql": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "aurora-mysql": 3306,
    "aurora": 3306,
    "oracle": 1521,
    "sqlserver": 1433,
}
_DEFAULT_ADMIN_NAMES = ("admin", "postgres")


def _family(engine: Any) -> str:
    """``oracle-ee`` -> ``oracle``, ``sqlserver-se`` -> ``sqlserver``; others unchanged."""
    text = str(engine or "")
    for prefix in ("oracle", "sqlserver"):
        if text.startswith(prefix):
            return prefix
    return text


def _is_replica(props: Mapping[str, Any]) -> bool:
    return has(props, "replicateSourceDb")


def _cross_region_replica(props: Mapping[str, Any]) -> bool:
    """A replica named by ARN may live in another region (same-region ones use identifiers)."""
    return _is_replica(props) and str(props.get("replicateSourceDb")).startswith("arn:")


# --- instances ---------------------------------------------------------------------------


@REGISTRY.resource_rule(
    "rds-instance-disallow-public-access",
    "Checks that RDS DB instances are not publicly accessible.",
    types=_INSTANCES,
    controls=("RDS.2",),
    severity=Severity.CRITICAL,
    remediation="Set publicly_accessible=False and reach the database through the VPC.",
    causes=("publiclyAccessible",),
)
def _public_access(args: ResourceValidationArgs, report: Report) -> None:
    if is_true(args.props.get("publiclyAccessible")):
        report(f"DB instance {args.name} is publicly accessible; set publicly_accessible to False.")


@REGISTRY.resource_rule(
    "rds-instance-enable-storage-encryption",
    "Checks that RDS DB instances have storage encryption at rest enabled.",
    types=tokens.RDS_INSTANCE,
    controls=("RDS.3",),
    severity=Severity.HIGH,
    remediation="Set storage_encrypted=True with a customer managed kms_key_id (encryption "
    "cannot be added in place: restore from an encrypted snapshot copy).",
    notes="Replicas and snapshot restores that leave storage_encrypted unset inherit it from "
    "their source, which is judged instead.",
    causes=("storageEncrypted",),
)
def _instance_encryption(args: ResourceValidationArgs, report: Report) -> None:
    props = args.props
    inherits = _is_replica(props) or has(props, "snapshotIdentifier")
    if inherits and not has(props, "storageEncrypted"):
        return
    if not is_true(props.get("storageEncrypted")):
        report(f"DB instance {args.name} is not encrypted at rest; set storage_encrypted to True.")


@REGISTRY.resource_rule(
    "rds-instance-enable-multi-az",
    "Checks that RDS DB instances are deployed in multiple Availability Zones.",
    types=tokens.RDS_INSTANCE,
    controls=("RDS.5",),
    severity=Severity.MEDIUM,
    security=False,
    remediation="Set multi_az=True so a standby in another Availability Zone takes over on "
    "failure.",
    notes="Aurora instances are judged at the cluster (RDS.15), as AWS Config does.",
    causes=("multiAz",),
)
def _multi_az(args: ResourceValidationArgs, report: Report) -> None:
    if not is_true(args.props.get("multiAz")):
        report(f"DB instance {args.name} runs in a single Availability Zone; set multi_az to True.")


@REGISTRY.resource_rule(
    "rds-instance-enable-enhanced-monitoring",
    "Checks that RDS DB instances have Enhanced Monitoring enabled.",
    types=_INSTANCES,
    controls=("RDS.6",),
    severity=Severity.LOW,
    security=False,
    remediation="Set monitoring_interval to 1, 5, 10, 15, 30 or 60 seconds and a "
    "monitoring_role_arn.",
    causes=("monitoringInterval",),
)
def _enhanced_monitoring(args: ResourceValidationArgs, report: Report) -> None:
    if as_int(args.props.get("monitoringInterval")) not in _MONITORING_INTERVALS:
        report(
            f"DB instance {args.name} has no Enhanced Monitoring; set monitoring_interval to 60 "
            "or less with a monitoring role."
        )


@REGISTRY.resource_rule(
    "rds-instance-enable-deletion-protection",
    "Checks that RDS DB instances have deletion protection enabled.",
    types=tokens.RDS_INSTANCE,
    controls=("RDS.8",),
    severity=Severity.LOW,
    remediation="Set deletion_protection=True.",
    causes=("deletionProtection",),
)
def _instance_deletion_protection(args: ResourceValidationArgs, report: Report) -> None:
    if not is_true(args.props.get("deletionProtection")):
        report(
            f"DB instance {args.name} has no deletion protection; set deletion_protection to True."
        )


@REGISTRY.resource_rule(
    "rds-instance-enable-log-exports",
    "Checks that RDS DB instances publish their engine's logs to CloudWatch Logs.",
    types=tokens.RDS_INSTANCE,
    controls=("RDS.9", "RDS.36"),
    severity=Severity.MEDIUM,
    remediation="List the engine's log types in enabled_cloudwatch_logs_exports (PostgreSQL: "
    "postgresql, upgrade; MySQL/MariaDB: audit, error, general, slowquery).",
    notes="Replicas that do not name their engine inherit it and cannot be judged.",
    causes=("enabledCloudwatchLogsExports",),
)
def _instance_logs(args: ResourceValidationArgs, report: Report) -> None:
    required = _INSTANCE_LOGS.get(_family(args.props.get("engine")), ())
    exported = {str(log) for log in as_list(args.props.get("enabledCloudwatchLogsExports"))}
    missing = [log for log in required if log not in exported]
    if missing:
        report(
            f"DB instance {args.name} does not export {', '.join(missing)} logs; add them to "
            "enabled_cloudwatch_logs_exports."
        )


@REGISTRY.resource_rule(
    "rds-instance-enable-iam-authentication",
    "Checks that RDS DB instances (MySQL, MariaDB, PostgreSQL) have IAM database "
    "authentication enabled.",
    types=tokens.RDS_INSTANCE,
    controls=("RDS.10",),
    severity=Severity.MEDIUM,
    remediation="Set iam_database_authentication_enabled=True.",
    notes="Engines without IAM authentication (Oracle, SQL Server) are not applicable.",
    causes=("iamDatabaseAuthenticationEnabled",),
)
def _instance_iam_auth(args: ResourceValidationArgs, report: Report) -> None:
    if _family(args.props.get("engine")) not in _IAM_AUTH_ENGINES:
        return
    if not is_true(args.props.get("iamDatabaseAuthenticationEnabled")):
        report(
            f"DB instance {args.name} does not allow IAM database authentication; set "
            "iam_database_authentication_enabled to True."
        )


@REGISTRY.resource_rule(
    "rds-instance-configure-backup-retention",
    "Checks that RDS DB instances keep automated backups for at least the minimum retention "
    "period (7 days by default); read replicas are exempt.",
    types=tokens.RDS_INSTANCE,
    controls=("RDS.11",),
    severity=Severity.MEDIUM,
    remediation="Set backup_retention_period to 7 days or more.",
    config={
        "minimumRetentionDays": {"type": "integer", "minimum": 1, "maximum": 35, "default": 7},
        "checkReadReplicas": {"type": "boolean", "default": False},
    },
    causes=("backupRetentionPeriod",),
)
def _backup_retention(args: ResourceValidationArgs, report: Report) -> None:
    config = args.get_config()
    if _is_replica(args.props) and not config.get("checkReadReplicas", False):
        return
    minimum = int(config.get("minimumRetentionDays", 7))
    # CreateDBInstance defaults to one day of retention when the period is not given.
    days = as_int(args.props.get("backupRetentionPeriod"))
    if (days if days is not None else 1) < minimum:
        report(
            f"DB instance {args.name} keeps automated backups for fewer than {minimum} days; set "
            f"backup_retention_period to {minimum} or more."
        )


@REGISTRY.resource_rule(
    "rds-instance-enable-minor-version-upgrade",
    "Checks that RDS DB instances apply minor engine upgrades automatically.",
    types=_INSTANCES,
    controls=("RDS.13",),
    severity=Severity.HIGH,
    remediation="Remove auto_minor_version_upgrade=False (the default is True).",
    causes=("autoMinorVersionUpgrade",),
)
def _instance_minor_upgrade(args: ResourceValidationArgs, report: Report) -> None:
    if is_false(args.props.get("autoMinorVersionUpgrade")):
        report(
            f"DB instance {args.name} disables automatic minor version upgrades; set "
            "auto_minor_version_upgrade to True."
        )


@REGISTRY.resource_rule(
    "rds-instance-enable-copy-tags-to-snapshot",
    "Checks that RDS DB instances copy their tags to snapshots.",
    types=tokens.RDS_INSTANCE,
    controls=("RDS.17",),
    severity=Severity.LOW,
    security=False,
    remediation="Set copy_tags_to_snapshot=True.",
    causes=("copyTagsToSnapshot",),
)
def _instance_copy_tags(args: ResourceValidationArgs, report: Report) -> None:
    if not is_true(args.props.get("copyTagsToSnapshot")):
        report(
            f"DB instance {args.name} does not copy tags to snapshots; set copy_tags_to_snapshot "
            "to True."
        )


@REGISTRY.resource_rule(
    "rds-instance-configure-subnet-group",
    "Checks that RDS DB instances are placed in a VPC through an explicit DB subnet group.",
    types=tokens.RDS_INSTANCE,
    controls=("RDS.18",),
    severity=Severity.HIGH,
    remediation="Set db_subnet_group_name to a subnet group of the intended VPC's private subnets.",
    notes="Since EC2-Classic retired every instance is in some VPC; statically we require an "
    "explicit subnet group so the instance does not land in the default VPC. Same-region "
    "replicas inherit the source's subnet group.",
    causes=("dbSubnetGroupName",),
)
def _subnet_group(args: ResourceValidationArgs, report: Report) -> None:
    if _is_replica(args.props) and not _cross_region_replica(args.props):
        return
    if not has(args.props, "dbSubnetGroupName"):
        report(
            f"DB instance {args.name} names no DB subnet group and lands in the default VPC; set "
            "db_subnet_group_name."
        )


def _default_port(args: ResourceValidationArgs, report: Report, kind: str) -> None:
    engine = args.props.get("engine")
    default = _DEFAULT_PORTS.get(_family(engine))
    if default is None:
        return
    if not has(args.props, "port"):
        if not _is_replica(args.props):
            report(
                f"{kind} {args.name} uses the {engine} default port {default}; set port to a "
                "non-default value."
            )
        return
    if as_int(args.props.get("port")) == default:
        report(
            f"{kind} {args.name} uses the {engine} default port {default}; set port to a "
            "non-default value."
        )


@REGISTRY.resource_rule(
    "rds-instance-disallow-default-port",
    "Checks that RDS DB instances and clusters do not listen on their engine's default port.",
    types=tokens.RDS_INSTANCE + tokens.RDS_CLUSTER,
    controls=("RDS.23",),
    severity=Severity.LOW,
    security=False,
    remediation="Set port to a value other than the engine default (5432, 3306, 1521, 1433).",
    notes="Aurora instances listen on their cluster's port, so the cluster is judged.",
    causes=("port",),
)
def _port(args: ResourceValidationArgs, report: Report) -> None:
    kind = "DB cluster" if args.resource_type in tokens.RDS_CLUSTER else "DB instance"
    _default_port(args, report, kind)


@REGISTRY.resource_rule(
    "rds-instance-disallow-default-admin-username",
    "Checks that RDS DB instances use a custom administrator username.",
    types=tokens.RDS_INSTANCE,
    controls=("RDS.25",),
    severity=Severity.MEDIUM,
    security=False,
    remediation="Set username to a name other than admin or postgres (this replaces the instance).",
    causes=("username",),
)
def _instance_admin(args: ResourceValidationArgs, report: Report) -> None:
    if str(args.props.get("username") or "").lower() in _DEFAULT_ADMIN_NAMES:
        report(
            f"DB instance {args.name} uses a default administrator username; set username to a "
            "custom name."
        )


# --- clusters ----------------------------------------------------------------------------


@REGISTRY.resource_rule(
    "rds-cluster-enable-deletion-protection",
    "Checks that RDS DB clusters have deletion protection enabled.",
    types=tokens.RDS_CLUSTER,
    controls=("RDS.7",),
    severity=Severity.LOW,
    remediation="Set deletion_protection=True.",
    causes=("deletionProtection",),
)
def _cluster_deletion_protection(args: ResourceValidationArgs, report: Report) -> None:
    if not is_true(args.props.get("deletionProtection")):
        report(
            f"DB cluster {args.name} has no deletion protection; set deletion_protection to True."
        )


@REGISTRY.resource_rule(
    "rds-cluster-enable-iam-authentication",
    "Checks that RDS DB clusters have IAM database authentication enabled.",
    types=tokens.RDS_CLUSTER,
    controls=("RDS.12",),
    severity=Severity.MEDIUM,
    remediation="Set iam_database_authentication_enabled=True.",
    causes=("iamDatabaseAuthenticationEnabled",),
)
def _cluster_iam_auth(args: ResourceValidationArgs, report: Report) -> None:
    if not is_true(args.props.get("iamDatabaseAuthenticationEnabled")):
        report(
            f"DB cluster {args.name} does not allow IAM database authentication; set "
            "iam_database_authentication_enabled to True."
        )


@REGISTRY.resource_rule(
    "rds-cluster-enable-copy-tags-to-snapshot",
    "Checks that RDS DB clusters copy their tags to snapshots.",
    types=tokens.RDS_CLUSTER,
    controls=("RDS.16",),
    severity=Severity.LOW,
    security=False,
    remediation="Set copy_tags_to_snapshot=True.",
    causes=("copyTagsToSnapshot",),
)
def _cluster_copy_tags(args: ResourceValidationArgs, report: Report) -> None:
    if not is_true(args.props.get("copyTagsToSnapshot")):
        report(
            f"DB cluster {args.name} does not copy tags to snapshots; set copy_tags_to_snapshot "
            "to True."
        )


@REGISTRY.resource_rule(
    "rds-cluster-disallow-default-admin-username",
    "Checks that RDS DB clusters use a custom administrator username.",
    types=tokens.RDS_CLUSTER,
    controls=("RDS.24",),
    severity=Severity.MEDIUM,
    security=False,
    remediation="Set master_username to a name other than admin or postgres (this replaces the "
    "cluster).",
    causes=("masterUsername",),
)
def _cluster_admin(args: ResourceValidationArgs, report: Report) -> None:
    if str(args.props.get("masterUsername") or "").lower() in _DEFAULT_ADMIN_NAMES:
        report(
            f"DB cluster {args.name} uses a default administrator username; set master_username "
            "to a custom name."
        )


@REGISTRY.resource_rule(
    "rds-cluster-enable-storage-encryption",
    "Checks that RDS DB clusters have storage encryption at rest enabled.",
    types=tokens.RDS_CLUSTER,
    controls=("RDS.27",),
    severity=Severity.HIGH,
    remediation="Set storage_encrypted=True with a customer managed kms_key_id.",
    notes="Snapshot restores that leave storage_encrypted unset inherit the snapshot's "
    "encryption and are not judged.",
    causes=("storageEncrypted",),
)
def _cluster_encryption(args: ResourceValidationArgs, report: Report) -> None:
    props = args.props
    if has(props, "snapshotIdentifier") and not has(props, "storageEncrypted"):
        return
    if not is_true(props.get("storageEncrypted")):
        report(f"DB cluster {args.name} is not encrypted at rest; set storage_encrypted to True.")


@REGISTRY.resource_rule(
    "rds-cluster-enable-minor-version-upgrade",
    "Checks that RDS DB clusters apply minor engine upgrades automatically.",
    types=tokens.RDS_CLUSTER,
    controls=("RDS.35",),
    severity=Severity.MEDIUM,
    remediation="Remove auto_minor_version_upgrade=False (the default is True).",
    causes=("autoMinorVersionUpgrade",),
)
def _cluster_minor_upgrade(args: ResourceValidationArgs, report: Report) -> None:
    if is_false(args.props.get("autoMinorVersionUpgrade")):
        report(
            f"DB cluster {args.name} disables automatic minor version upgrades; set "
            "auto_minor_version_upgrade to True."
        )


@REGISTRY.resource_rule(
    "rds-cluster-enable-log-exports",
    "Checks that Aurora PostgreSQL clusters publish postgresql logs and Aurora MySQL clusters "
    "publish audit logs to CloudWatch Logs.",
    types=tokens.RDS_CLUSTER,
    controls=("RDS.37", "RDS.34"),
    severity=Severity.MEDIUM,
    remediation="Add postgresql (Aurora PostgreSQL) or audit (Aurora MySQL) to "
    "enabled_cloudwatch_logs_exports.",
    causes=("enabledCloudwatchLogsExports",),
)
def _cluster_logs(args: ResourceValidationArgs, report: Report) -> None:
    required = _CLUSTER_LOGS.get(str(args.props.get("engine") or ""), ())
    exported = {str(log) for log in as_list(args.props.get("enabledCloudwatchLogsExports"))}
    missing = [log for log in required if log not in exported]
    if missing:
        report(
            f"DB cluster {args.name} does not export {', '.join(missing)} logs; add them to "
            "enabled_cloudwatch_logs_exports."
        )


# --- stack rules -------------------------------------------------------------------------


@REGISTRY.stack_rule(
    "rds-cluster-enable-multi-az",
    "Checks that RDS DB clusters have instances in more than one Availability Zone.",
    types=tokens.RDS_CLUSTER + tokens.RDS_CLUSTER_INSTANCE,
    controls=("RDS.15",),
    severity=Severity.MEDIUM,
    security=False,
    remediation="Add a second aws.rds.ClusterInstance (a reader) to the cluster, in another "
    "Availability Zone.",
    notes="Multi-AZ DB clusters (db_cluster_instance_class set) always span three zones.",
    causes=("clusterInstance:availabilityZone",),
)
def _cluster_multi_az(args: StackValidationArgs, report: Report) -> None:
    def check(cluster: PolicyResource) -> None:
        if has(cluster.props, "dbClusterInstanceClass"):
            return
        instances = satellites(cluster, args, tokens.RDS_CLUSTER_INSTANCE, "clusterIdentifier")
        # Only a zone name places an instance: a pin of another shape (a list, an object)
        # shows no second zone, so it cannot make the cluster multi-AZ.
        zones = {
            zone for m in instances if isinstance(zone := m.props.get("availabilityZone"), str)
        }
        # Instances without an explicit zone are spread by RDS; pinned ones must differ.
        if len(instances) < 2 or (
            len(zones) <= 1 and all(has(m.props, "availabilityZone") for m in instances)
        ):
            report(
                f"DB cluster {cluster.name} has {len(instances)} instance(s) in one Availability "
                "Zone; add a reader instance in another zone.",
                cluster.urn,
            )

    each_decidable(of_type(args, tokens.RDS_CLUSTER), check)


def _parameter_value(group: PolicyResource, name: str) -> str | None:
    for parameter in objects(group.props.get("parameters")):
        if parameter.get("name") == name:
            return str(parameter.get("value"))
    return None


#: Engine -> (parameter, accepted values); RDS.38 postgres, RDS.39 mysql, RDS.44 mariadb.
_TLS_PARAMETERS = {
    "postgres": ("rds.force_ssl", ("1",)),
    "mysql": ("require_secure_transport", ("1", "ON", "on")),
    "mariadb": ("require_secure_transport", ("1", "ON", "on")),
}


def _tls_by_default(engine: str, version: Any) -> bool:
    # RDS for PostgreSQL 15 and later default rds.force_ssl to 1 in their default groups.
    parsed = version_tuple(version)
    return engine == "postgres" and parsed is not None and parsed[0] >= 15


@REGISTRY.stack_rule(
    "rds-instance-enforce-tls-connections",
    "Checks that RDS for PostgreSQL, MySQL and MariaDB instances reject unencrypted "
    "connections through their parameter group.",
    types=tokens.RDS_INSTANCE + tokens.RDS_PARAMETER_GROUP,
    controls=("RDS.38", "RDS.39", "RDS.44"),
    severity=Severity.MEDIUM,
    remediation="Attach an aws.rds.ParameterGroup that sets rds.force_ssl=1 (PostgreSQL) or "
    "require_secure_transport=1 (MySQL, MariaDB).",
    notes="A parameter group named by a literal and not declared in the stack cannot be read "
    "and is not judged; PostgreSQL 15+ default groups already force TLS.",
    causes=("parameterGroup:tls",),
)
def _tls_connections(args: StackValidationArgs, report: Report) -> None:
    def check(instance: PolicyResource) -> None:
        engine = str(instance.props.get("engine") or "")
        if engine not in _TLS_PARAMETERS:
            return
        parameter, accepted = _TLS_PARAMETERS[engine]
        groups = linked(instance, "parameterGroupName", tokens.RDS_PARAMETER_GROUP)
        if groups:
            enforced = all(_parameter_value(g, parameter) in accepted for g in groups)
        else:
            named = instance.props.get("parameterGroupName")
            if named and not str(named).startswith("default."):
                return
            enforced = _tls_by_default(engine, instance.props.get("engineVersion"))
        if not enforced:
            report(
                f"DB instance {instance.name} accepts unencrypted connections; set {parameter}=1 "
                "in its parameter group.",
                instance.urn,
            )

    each_decidable(of_type(args, tokens.RDS_INSTANCE), check)
