"""DocumentDB checks: storage encryption and key, TLS required, backup retention."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..verdict import Verdict
from .s3 import key_id
from .session import guarded


def _check(
    docdb: Any,
    identifier: str,
    judge: Callable[[dict[str, Any]], Verdict],
    operation: str = "DescribeDBClusters",
) -> Verdict:
    def action() -> Verdict:
        return judge(docdb.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0])

    missing = f"cluster {identifier} does not exist"
    return guarded(
        operation,
        action,
        {"DBClusterNotFoundFault": missing, "DBParameterGroupNotFound": "parameter group missing"},
    )


def encrypted_with_key(docdb: Any, identifier: str, key_arn: str) -> Verdict:
    """Storage is encrypted with this environment's KMS key."""

    def judge(cluster: dict[str, Any]) -> Verdict:
        if not cluster.get("StorageEncrypted"):
            return Verdict.failed("storage is not encrypted")
        used = cluster.get("KmsKeyId") or ""
        if key_id(used) != key_id(key_arn):
            return Verdict.failed(f"encrypted with {used}, not {key_arn}")
        return Verdict.passed(f"encrypted with {key_arn}")

    return _check(docdb, identifier, judge)


def tls_required(docdb: Any, identifier: str) -> Verdict:
    """The cluster's parameter group sets `tls` to `enabled` (clients must use TLS)."""

    def judge(cluster: dict[str, Any]) -> Verdict:
        group = cluster.get("DBClusterParameterGroup") or ""
        if not group or group.startswith("default."):
            # The default group enables TLS today, but nothing stops it from being edited
            # account-wide; the component always attaches a group of its own.
            return Verdict.failed(f"uses the default parameter group {group or '(none)'}")
        paginator = docdb.get_paginator("describe_db_cluster_parameters")
        values = {
            p["ParameterName"]: p.get("ParameterValue")
            for page in paginator.paginate(DBClusterParameterGroupName=group)
            for p in page.get("Parameters", [])
        }
        if values.get("tls") != "enabled":
            return Verdict.failed(f"parameter group {group} sets tls={values.get('tls')}")
        return Verdict.passed(f"parameter group {group} sets tls=enabled")

    return _check(docdb, identifier, judge, "DescribeDBClusterParameters")


def backup_retention(docdb: Any, identifier: str, minimum: int) -> Verdict:
    """Automated backups are kept at least as long as the stack file declares."""

    def judge(cluster: dict[str, Any]) -> Verdict:
        days = int(cluster.get("BackupRetentionPeriod") or 0)
        if days < minimum:
            return Verdict.failed(f"backups kept {days} day(s), the stack file declares {minimum}")
        return Verdict.passed(f"backups kept {days} day(s)")

    return _check(docdb, identifier, judge)
