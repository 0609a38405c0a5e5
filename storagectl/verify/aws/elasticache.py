"""ElastiCache checks: encryption at rest and in transit, failover, RBAC user group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..verdict import Verdict
from .s3 import key_id
from .session import guarded


def _check(
    ec: Any,
    group_id: str,
    judge: Callable[[dict[str, Any]], Verdict],
    operation: str = "DescribeReplicationGroups",
    meanings: dict[str, str] | None = None,
) -> Verdict:
    def action() -> Verdict:
        groups = ec.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"]
        return judge(groups[0])

    missing = {"ReplicationGroupNotFoundFault": f"replication group {group_id} does not exist"}
    return guarded(operation, action, {**missing, **(meanings or {})})


def encrypted_at_rest(ec: Any, group_id: str, key_arn: str | None) -> Verdict:
    """At-rest encryption is on, with this environment's key when one is exported."""

    def judge(group: dict[str, Any]) -> Verdict:
        if not group.get("AtRestEncryptionEnabled"):
            return Verdict.failed("at-rest encryption is off")
        used = group.get("KmsKeyId") or ""
        if key_arn and key_id(used) != key_id(key_arn):
            return Verdict.failed(
                f"at-rest encryption uses {used or 'the default key'}, not {key_arn}"
            )
        return Verdict.passed(f"at-rest encryption on{f' with {key_arn}' if key_arn else ''}")

    return _check(ec, group_id, judge)


def encrypted_in_transit(ec: Any, group_id: str) -> Verdict:
    """In-transit encryption is on and required (not `preferred`)."""

    def judge(group: dict[str, Any]) -> Verdict:
        if not group.get("TransitEncryptionEnabled"):
            return Verdict.failed("in-transit encryption is off")
        mode = group.get("TransitEncryptionMode")
        if mode not in (None, "required"):
            return Verdict.failed(f"in-transit encryption mode is {mode}, not required")
        return Verdict.passed("in-transit encryption on")

    return _check(ec, group_id, judge)


def automatic_failover(ec: Any, group_id: str) -> Verdict:
    """Automatic failover is enabled (the group has replicas to fail over to)."""

    def judge(group: dict[str, Any]) -> Verdict:
        status = group.get("AutomaticFailover")
        if status not in ("enabled", "enabling"):
            return Verdict.failed(f"automatic failover is {status}")
        return Verdict.passed(f"automatic failover {status}")

    return _check(ec, group_id, judge)


def default_user_disabled(ec: Any, group_id: str, user_group_id: str | None) -> Verdict:
    """The group uses the exported RBAC user group, whose `default` user is switched off."""

    def judge(group: dict[str, Any]) -> Verdict:
        if not user_group_id or user_group_id not in group.get("UserGroupIds", []):
            return Verdict.failed(f"user group {user_group_id} is not attached")
        members = ec.describe_user_groups(UserGroupId=user_group_id)["UserGroups"][0]["UserIds"]
        defaults = [u for u in _users(ec) if u["UserId"] in members and u["UserName"] == "default"]
        if not defaults:
            return Verdict.failed(f"user group {user_group_id} has no default user")
        access = defaults[0].get("AccessString", "").split()
        if "off" not in access:
            return Verdict.failed(
                f"default user {defaults[0]['UserId']} is on: set its access to off"
            )
        return Verdict.passed(f"default user {defaults[0]['UserId']} is off")

    return _check(
        ec,
        group_id,
        judge,
        "DescribeUserGroups",
        {"UserGroupNotFound": f"user group {user_group_id} does not exist"},
    )


MAX_USER_PAGES = 200
"""DescribeUsers pages of up to 100 users: an account holds far fewer than 20,000 users."""


def _users(ec: Any) -> list[dict[str, Any]]:
    """Every ElastiCache user of the region: DescribeUsers returns them a page at a time.

    The paginator follows `Marker` and refuses a repeated one; the page bound keeps an
    endpoint that never stops sending new markers from holding the run.
    """
    pages = ec.get_paginator("describe_users").paginate(
        PaginationConfig={"MaxItems": MAX_USER_PAGES * 100}
    )
    return [user for page in pages for user in page.get("Users", [])]
