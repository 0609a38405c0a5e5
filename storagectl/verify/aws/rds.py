"""RDS checks for an instance or an Aurora cluster: encryption, exposure, shape, auth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..verdict import Verdict
from .s3 import key_id
from .session import guarded


def _describe(rds: Any, identifier: str, aurora: bool) -> dict[str, Any]:
    if aurora:
        return rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
    return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]


def _check(
    rds: Any, identifier: str, aurora: bool, judge: Callable[[dict[str, Any]], Verdict]
) -> Verdict:
    operation = "DescribeDBClusters" if aurora else "DescribeDBInstances"
    missing = f"{'cluster' if aurora else 'instance'} {identifier} does not exist"
    return guarded(
        operation,
        lambda: judge(_describe(rds, identifier, aurora)),
        {"DBInstanceNotFound": missing, "DBClusterNotFoundFault": missing},
    )


def encrypted_with_key(rds: Any, identifier: str, aurora: bool, key_arn: str) -> Verdict:
    """Storage is encrypted with this environment's KMS key."""

    def judge(db: dict[str, Any]) -> Verdict:
        if not db.get("StorageEncrypted"):
            return Verdict.failed("storage is not encrypted")
        used = db.get("KmsKeyId") or ""
        if key_id(used) != key_id(key_arn):
            return Verdict.failed(f"encrypted with {used}, not {key_arn}")
        return Verdict.passed(f"encrypted with {key_arn}")

    return _check(rds, identifier, aurora, judge)


def not_public(rds: Any, identifier: str, aurora: bool) -> Verdict:
    """No instance of the database is publicly accessible."""

    def judge(db: dict[str, Any]) -> Verdict:
        if aurora:
            members = [m["DBInstanceIdentifier"] for m in db.get("DBClusterMembers", [])]
            instances = [
                rds.describe_db_instances(DBInstanceIdentifier=m)["DBInstances"][0] for m in members
            ]
        else:
            instances = [db]
        public = [i["DBInstanceIdentifier"] for i in instances if i.get("PubliclyAccessible")]
        if public:
            return Verdict.failed(f"publicly accessible: {', '.join(public)}")
        return Verdict.passed(f"{len(instances)} instance(s), none publicly accessible")

    return _check(rds, identifier, aurora, judge)


def multi_az_as_declared(rds: Any, identifier: str, aurora: bool, expected: bool) -> Verdict:
    """Multi-AZ matches the stack file (for Aurora: readers in another zone)."""

    def judge(db: dict[str, Any]) -> Verdict:
        actual = bool(db.get("MultiAZ"))
        if actual != expected:
            return Verdict.failed(f"MultiAZ is {actual}, the stack file declares {expected}")
        return Verdict.passed(f"MultiAZ is {actual}")

    return _check(rds, identifier, aurora, judge)


def replica_count_as_declared(rds: Any, identifier: str, aurora: bool, expected: int) -> Verdict:
    """The number of in-region replicas (Aurora: reader instances) matches the stack file."""

    def judge(db: dict[str, Any]) -> Verdict:
        if aurora:
            members = db.get("DBClusterMembers", [])
            count = sum(1 for m in members if not m.get("IsClusterWriter"))
        else:
            # Cross-region replicas are listed by ARN; in-region ones by identifier.
            replicas = db.get("ReadReplicaDBInstanceIdentifiers", [])
            count = sum(1 for r in replicas if not r.startswith("arn:"))
        if count != expected:
            return Verdict.failed(f"{count} replica(s), the stack file declares {expected}")
        return Verdict.passed(f"{count} replica(s)")

    return _check(rds, identifier, aurora, judge)


def deletion_protection(rds: Any, identifier: str, aurora: bool, required: bool) -> Verdict:
    """Deletion protection is on where required (prod, or declared in the stack file)."""

    def judge(db: dict[str, Any]) -> Verdict:
        actual = bool(db.get("DeletionProtection"))
        if required and not actual:
            return Verdict.failed("deletion protection is off")
        return Verdict.passed(f"deletion protection is {'on' if actual else 'off (allowed)'}")

    return _check(rds, identifier, aurora, judge)


def iam_auth_enabled(rds: Any, identifier: str, aurora: bool) -> Verdict:
    """IAM database authentication is enabled."""

    def judge(db: dict[str, Any]) -> Verdict:
        if not db.get("IAMDatabaseAuthenticationEnabled"):
            return Verdict.failed("IAM database authentication is off")
        return Verdict.passed("IAM database authentication is on")

    return _check(rds, identifier, aurora, judge)
