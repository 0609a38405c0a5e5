"""Which input changes make the engine replace a stateful resource (and so lose its data).

Pulumi replaces a resource when its provider says a changed property cannot be updated in
place. `pulumi_aws` is bridged from the Terraform AWS provider, so that is the schema's
`ForceNew` (the SDK's Python docstrings do not say it). The table lists, per stateful type
(`storagectl.plan.STATEFUL_TYPES`), the top-level inputs marked `ForceNew` in
terraform-provider-aws's schema for that resource, in the engine's camelCase names.

Deliberately left out, because the provider updates them in place:
RDS Instance `dbSubnetGroupName` (ModifyDBInstance moves it), Cluster
`globalClusterIdentifier` (joins/leaves in place), ReplicationGroup `engineVersion`
upgrades and `numNodeGroups`/`replicasPerNodeGroup` (online resharding). Conditional rules
are in `_CONDITIONAL`. The offline plan cannot see the engine's real diff (README "Limits"),
so this table is the review's best knowledge, not the engine's verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

REPLACE_FORCING: dict[str, frozenset[str]] = {
    "aws:rds/instance:Instance": frozenset(
        {
            "identifier",
            "identifierPrefix",
            "engine",
            "dbName",
            "storageEncrypted",
            "kmsKeyId",
            "availabilityZone",
            "username",
            "characterSetName",
            "ncharCharacterSetName",
            "timezone",
            "snapshotIdentifier",
            "restoreToPointInTime",
            "customIamInstanceProfile",
        }
    ),
    "aws:rds/cluster:Cluster": frozenset(
        {
            "clusterIdentifier",
            "clusterIdentifierPrefix",
            "engine",
            "engineMode",
            "storageEncrypted",
            "kmsKeyId",
            "databaseName",
            "masterUsername",
            "dbSubnetGroupName",
            "availabilityZones",
            "snapshotIdentifier",
            "restoreToPointInTime",
            "sourceRegion",
            "clusterScalabilityType",
            "dbSystemId",
        }
    ),
    "aws:rds/clusterInstance:ClusterInstance": frozenset(
        {
            "identifier",
            "identifierPrefix",
            "clusterIdentifier",
            "engine",
            "availabilityZone",
            "dbSubnetGroupName",
            "customIamInstanceProfile",
        }
    ),
    "aws:rds/globalCluster:GlobalCluster": frozenset(
        {
            "globalClusterIdentifier",
            "engine",
            "databaseName",
            "storageEncrypted",
            "sourceDbClusterIdentifier",
        }
    ),
    "aws:s3/bucket:Bucket": frozenset({"bucket", "bucketPrefix", "objectLockEnabled"}),
    "aws:kms/key:Key": frozenset(
        {"customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"}
    ),
    "aws:kms/replicaKey:ReplicaKey": frozenset({"primaryKeyArn"}),
    "aws:elasticache/replicationGroup:ReplicationGroup": frozenset(
        {
            "replicationGroupId",
            "atRestEncryptionEnabled",
            "kmsKeyId",
            "subnetGroupName",
            "port",
            "dataTieringEnabled",
            "globalReplicationGroupId",
            "networkType",
            "snapshotArns",
            "snapshotName",
            "securityGroupNames",
        }
    ),
    "aws:secretsmanager/secret:Secret": frozenset({"name", "namePrefix"}),
    # internal/service/dynamodb/table.go (global indexes, replicas, SSE change in place).
    "aws:dynamodb/table:Table": frozenset(
        {
            "name",
            "hashKey",
            "rangeKey",
            "localSecondaryIndexes",
            "restoreSourceName",
            "restoreSourceTableArn",
            "restoreToLatestTime",
            "restoreDateTime",
            "importTable",
        }
    ),
    # internal/service/docdb/cluster.go and cluster_instance.go.
    "aws:docdb/cluster:Cluster": frozenset(
        {
            "clusterIdentifier",
            "clusterIdentifierPrefix",
            "availabilityZones",
            "dbSubnetGroupName",
            "engine",
            "storageEncrypted",
            "kmsKeyId",
            "masterUsername",
            "port",
            "snapshotIdentifier",
        }
    ),
    "aws:docdb/clusterInstance:ClusterInstance": frozenset(
        {"identifier", "identifierPrefix", "clusterIdentifier", "engine", "availabilityZone"}
    ),
}
"""Per type: the inputs whose change forces a replacement, whatever the values."""


def _engine_downgrade(before: Any, after: Any) -> bool:
    # ElastiCache moves Redis OSS to Valkey in place; the way back is a new cluster.
    return before == "valkey" and after == "redis"


_CONDITIONAL: dict[tuple[str, str], Callable[[Any, Any], bool]] = {
    ("aws:elasticache/replicationGroup:ReplicationGroup", "engine"): _engine_downgrade,
}
"""(type, input) → predicate on (before, after) for inputs that force replacement only
for some changes."""


def forces_replacement(type_: str, prop: str, before: Any, after: Any) -> bool:
    """Whether changing top-level input `prop` of a `type_` resource replaces it."""
    if prop in REPLACE_FORCING.get(type_, frozenset()):
        return True
    predicate = _CONDITIONAL.get((type_, prop))
    return predicate is not None and predicate(before, after)
