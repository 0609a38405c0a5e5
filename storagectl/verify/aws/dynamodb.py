"""DynamoDB checks: table key, point-in-time recovery, deletion protection, replicas."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..verdict import Verdict
from .s3 import key_id
from .session import guarded, region_of


def _check(
    ddb: Any, table: str, judge: Callable[[dict[str, Any]], Verdict], operation: str
) -> Verdict:
    def action() -> Verdict:
        return judge(ddb.describe_table(TableName=table)["Table"])

    return guarded(
        operation, action, {"ResourceNotFoundException": f"table {table} does not exist"}
    )


def encrypted_with_key(ddb: Any, table: str, key_arn: str) -> Verdict:
    """Server-side encryption uses this environment's customer-managed key."""

    def judge(described: dict[str, Any]) -> Verdict:
        sse = described.get("SSEDescription") or {}
        if sse.get("Status") != "ENABLED" or sse.get("SSEType") != "KMS":
            return Verdict.failed("encrypted with an AWS owned key, not a customer-managed one")
        used = sse.get("KMSMasterKeyArn") or ""
        if key_id(used) != key_id(key_arn):
            return Verdict.failed(f"encrypted with {used}, not {key_arn}")
        return Verdict.passed(f"encrypted with {key_arn}")

    return _check(ddb, table, judge, "DescribeTable")


def point_in_time_recovery(ddb: Any, table: str) -> Verdict:
    """Point-in-time recovery (continuous backups) is enabled."""

    def action() -> Verdict:
        backups = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
        status = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
        if status != "ENABLED":
            return Verdict.failed(f"point-in-time recovery is {str(status or 'off').lower()}")
        days = backups["PointInTimeRecoveryDescription"].get("RecoveryPeriodInDays")
        return Verdict.passed(f"point-in-time recovery on{f' ({days} days)' if days else ''}")

    return guarded(
        "DescribeContinuousBackups",
        action,
        {"TableNotFoundException": f"table {table} does not exist"},
    )


def deletion_protection(ddb: Any, table: str, required: bool) -> Verdict:
    """Deletion protection is on where required (prod, or declared in the stack file)."""

    def judge(described: dict[str, Any]) -> Verdict:
        actual = bool(described.get("DeletionProtectionEnabled"))
        if required and not actual:
            return Verdict.failed("deletion protection is off")
        return Verdict.passed(f"deletion protection is {'on' if actual else 'off (allowed)'}")

    return _check(ddb, table, judge, "DescribeTable")


def replicas_in_regions(ddb: Any, table: str, regions: list[str]) -> Verdict:
    """Every declared replica region holds an ACTIVE global-table replica, keyed in-region.

    Read from the table's own `Replicas` (global tables 2019.11.21): a same-named table
    in another region that is not a replica does not count.
    """

    def judge(described: dict[str, Any]) -> Verdict:
        replicas = {r.get("RegionName"): r for r in described.get("Replicas") or []}
        problems = []
        for region in regions:
            replica = replicas.get(region)
            if replica is None:
                problems.append(f"no replica in {region}")
                continue
            if replica.get("ReplicaStatus") != "ACTIVE":
                problems.append(f"replica in {region} is {replica.get('ReplicaStatus')}")
            key = replica.get("KMSMasterKeyId") or ""
            if key and region_of(key, region) != region:
                problems.append(
                    f"replica in {region} is encrypted with a key of {region_of(key, region)}"
                )
        if problems:
            return Verdict.failed("; ".join(problems))
        listed = ", ".join(regions) or "none declared"
        return Verdict.passed(f"replicas active in {listed}")

    return _check(ddb, table, judge, "DescribeTable")


def _principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        found = principal.get("AWS", [])
        return [found] if isinstance(found, str) else list(found)
    return ["*"]  # a service or federated principal: not one of the stack's roles


def resource_policy_admits_only(ddb: Any, table_arn: str, allowed: list[str]) -> Verdict:
    """The table's resource policy, if any, allows no principal but the given roles.

    Identity policies are judged per role (the roles checks); this closes the other door,
    a resource policy opening the table to another account or to everyone.
    """

    def action() -> Verdict:
        try:
            document = json.loads(ddb.get_resource_policy(ResourceArn=table_arn)["Policy"])
        except ddb.exceptions.PolicyNotFoundException:
            return Verdict.passed("no resource policy: only the granted roles' policies apply")
        statements = document.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        foreign = sorted(
            {
                p
                for s in statements
                if s.get("Effect") == "Allow"
                for p in _principals(s)
                if p not in allowed
            }
        )
        if foreign:
            return Verdict.failed(f"resource policy also allows {', '.join(foreign)}")
        return Verdict.passed("resource policy allows the granted roles only")

    return guarded(
        "GetResourcePolicy",
        action,
        {"ResourceNotFoundException": f"table {table_arn} does not exist"},
    )
