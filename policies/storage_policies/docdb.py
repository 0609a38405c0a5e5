"""Amazon DocumentDB rules: FSBP DocumentDB.1-DocumentDB.5."""

from __future__ import annotations

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from . import tokens
from .graph import each_decidable, linked, of_type
from .props import as_int, as_list, is_true, objects, shown
from .registry import REGISTRY, Report

_CLUSTER = tokens.DOCDB_CLUSTER
_DEFAULT_RETENTION = 1  # what DocumentDB keeps when backup_retention_period is not set


@REGISTRY.resource_rule(
    "docdb-cluster-enable-storage-encryption",
    "Checks that Amazon DocumentDB clusters are encrypted at rest.",
    types=_CLUSTER,
    controls=("DocumentDB.1",),
    causes=("storageEncrypted",),
    severity=Severity.MEDIUM,
    remediation="Set storage_encrypted=True with a customer-managed kms_key_id.",
)
def _encrypted(args: ResourceValidationArgs, report: Report) -> None:
    if not is_true(args.props.get("storageEncrypted")):
        report(
            f"DocumentDB cluster {args.name} is not encrypted at rest; set storage_encrypted to "
            "True."
        )


@REGISTRY.resource_rule(
    "docdb-cluster-configure-backup-retention",
    "Checks that Amazon DocumentDB clusters keep automated backups for at least the minimum "
    "retention (7 days by default).",
    types=_CLUSTER,
    controls=("DocumentDB.2",),
    causes=("backupRetentionPeriod",),
    severity=Severity.MEDIUM,
    remediation="Set backup_retention_period to 7 days or more.",
    config={"minimumRetentionDays": {"type": "integer", "minimum": 1, "maximum": 35, "default": 7}},
)
def _retention(args: ResourceValidationArgs, report: Report) -> None:
    minimum = int(args.get_config().get("minimumRetentionDays", 7))
    days = as_int(args.props.get("backupRetentionPeriod"))
    if (days if days is not None else _DEFAULT_RETENTION) < minimum:
        report(
            f"DocumentDB cluster {args.name} keeps backups {days or _DEFAULT_RETENTION} day(s); "
            f"set backup_retention_period to {minimum} or more."
        )


def _snapshot_of_docdb(snapshot: PolicyResource) -> bool:
    return bool(linked(snapshot, "dbClusterIdentifier", _CLUSTER))


@REGISTRY.stack_rule(
    "docdb-cluster-snapshot-disallow-public-access",
    "Checks that manual snapshots of Amazon DocumentDB clusters are not public.",
    types=_CLUSTER + tokens.RDS_CLUSTER_SNAPSHOT,
    controls=("DocumentDB.3",),
    causes=("sharedAccounts:docdb-snapshot",),
    severity=Severity.CRITICAL,
    remediation='Remove "all" from the snapshot\'s shared_accounts; share with named accounts.',
    notes="`aws.docdb.ClusterSnapshot` cannot share a snapshot; only `aws.rds.ClusterSnapshot` "
    "of a DocumentDB cluster (linked by dependency) can, and is judged.",
)
def _public_snapshots(args: StackValidationArgs, report: Report) -> None:
    def check(snapshot: PolicyResource) -> None:
        if not _snapshot_of_docdb(snapshot):
            return
        shared = [str(a) for a in as_list(snapshot.props.get("sharedAccounts"))]
        if "all" in shared:
            report(
                f'Snapshot {snapshot.name} of a DocumentDB cluster is public; remove "all" '
                "from shared_accounts.",
                snapshot.urn,
            )

    each_decidable(of_type(args, tokens.RDS_CLUSTER_SNAPSHOT), check)


@REGISTRY.resource_rule(
    "docdb-cluster-enable-audit-log-export",
    "Checks that Amazon DocumentDB clusters export their audit logs to CloudWatch Logs.",
    types=_CLUSTER,
    controls=("DocumentDB.4",),
    causes=("enabledCloudwatchLogsExports",),
    severity=Severity.MEDIUM,
    remediation='Add "audit" to enabled_cloudwatch_logs_exports (and set the cluster '
    "parameter audit_logs=enabled).",
    notes="The export only carries events when the parameter group enables audit_logs.",
)
def _audit_logs(args: ResourceValidationArgs, report: Report) -> None:
    exports = [str(e) for e in as_list(args.props.get("enabledCloudwatchLogsExports"))]
    if "audit" not in exports:
        report(
            f'DocumentDB cluster {args.name} does not export audit logs; add "audit" to '
            "enabled_cloudwatch_logs_exports."
        )


@REGISTRY.resource_rule(
    "docdb-cluster-enable-deletion-protection",
    "Checks that Amazon DocumentDB clusters have deletion protection enabled.",
    types=_CLUSTER,
    controls=("DocumentDB.5",),
    causes=("deletionProtection",),
    severity=Severity.MEDIUM,
    remediation="Set deletion_protection=True.",
)
def _deletion_protection(args: ResourceValidationArgs, report: Report) -> None:
    if not is_true(args.props.get("deletionProtection")):
        report(f"DocumentDB cluster {args.name} can be deleted; set deletion_protection to True.")


@REGISTRY.resource_rule(
    "docdb-cluster-parameter-group-enforce-tls",
    "Checks that Amazon DocumentDB cluster parameter groups do not turn TLS off.",
    types=tokens.DOCDB_CLUSTER_PARAMETER_GROUP,
    controls=("BS.17",),
    causes=("parameters:tls",),
    severity=Severity.HIGH,
    remediation='Remove the `tls` parameter or set it to "enabled".',
    notes="A group that does not set `tls` keeps the family default, enabled.",
)
def _tls(args: ResourceValidationArgs, report: Report) -> None:
    # An entry that is not an object names no parameter, so it cannot turn TLS off (the API
    # refuses it); a `tls` value other than "enabled", of any shape, fails.
    for parameter in objects(args.props.get("parameters")):
        value = shown(parameter.get("value"))
        if str(parameter.get("name")) == "tls" and value != "enabled":
            report(
                f"Parameter group {args.name} sets tls={value}, letting clients "
                'connect without TLS; set tls to "enabled".'
            )
