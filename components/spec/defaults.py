"""Tier defaults: the lowest layer of the spec.

Precedence, lowest first (later layers win, key by key):

1. the built-in defaults of the stack's tier (``TIER_DEFAULTS`` below);
2. the stack file's ``backend-storage:defaults`` (same shape, any subset of keys);
3. the keys of one store's own entry (``backend-storage:databases.orders.replicas``).

The per-kind defaults (``buckets``, ``databases``, ``caches``) carry exactly the names of
the fields they provide in a store entry, so layering is a plain key-by-key merge.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .base import SpecModel, WeeklyWindow, Window, between

Tier = Literal["dev", "staging", "prod"]

LogRetentionDays = Literal[
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
]
"""A retention CloudWatch Logs accepts, days."""


class BucketDefaults(SpecModel):
    """Bucket settings a tier sets and a bucket entry may override."""

    noncurrent_version_expiration_days: between(1, 3650) = Field(
        description="Days a noncurrent object version is kept before S3 expires it."
    )
    abort_incomplete_multipart_upload_days: between(1, 30) = Field(
        description="Days after which S3 aborts an incomplete multipart upload."
    )
    access_log_retention_days: between(1, 3650) = Field(
        description="Days the server access logs are kept in the environment's log bucket."
    )
    force_destroy: bool = Field(
        description="Let `pulumi destroy` empty the bucket; never on for object-locked buckets."
    )


class DatabaseDefaults(SpecModel):
    """Database settings a tier sets and a database entry may override."""

    instance_class: str = Field(
        pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$", description="DB instance class of the writer."
    )
    replicas: between(0, 5) = Field(
        description="In-region read replicas (Aurora: reader instances)."
    )
    multi_az: bool = Field(description="Standby in another Availability Zone (instances only).")
    backup_retention_days: between(1, 35) = Field(description="Automated backup retention, days.")
    backup_window: Window = Field(description="Daily backup window, UTC.")
    maintenance_window: WeeklyWindow = Field(description="Weekly maintenance window, UTC.")
    deletion_protection: bool = Field(description="RDS deletion protection.")
    final_snapshot: bool = Field(description="Take a final snapshot when the database is deleted.")
    allocated_storage: between(20, 65536) = Field(
        description="Initial gp3 storage, GiB (instances)."
    )
    max_allocated_storage: between(20, 65536) = Field(
        description="Storage autoscaling limit, GiB (instances)."
    )
    performance_insights_retention_days: between(7, 731) = Field(
        description="Performance Insights retention: 7, or a multiple of 31 up to 731."
    )
    monitoring_interval: Literal[0, 1, 5, 10, 15, 30, 60] = Field(
        description="Enhanced monitoring interval, seconds; 0 turns it off."
    )
    max_replica_lag_seconds: between(1, 3600) = Field(
        description="Replica lag the post-deploy checks accept."
    )
    cross_region_replica: bool = Field(description="A replica in the DR region.")
    log_retention_days: LogRetentionDays = Field(
        description="Retention of the exported database logs in CloudWatch Logs, days."
    )


class CacheDefaults(SpecModel):
    """Cache settings a tier sets and a cache entry may override."""

    node_type: str = Field(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$", description="Cache node type.")
    replicas: between(0, 5) = Field(description="Replicas (per shard with cluster mode).")
    snapshot_retention_days: between(0, 35) = Field(
        description="Automatic snapshot retention, days."
    )
    snapshot_window: Window = Field(description="Daily snapshot window, UTC.")
    maintenance_window: WeeklyWindow = Field(description="Weekly maintenance window, UTC.")
    final_snapshot: bool = Field(description="Take a final snapshot when the cache is deleted.")
    log_retention_days: LogRetentionDays = Field(
        description="Retention of the slow log in CloudWatch Logs, days."
    )


class TableDefaults(SpecModel):
    """DynamoDB table settings a tier sets and a table entry may override."""

    deletion_protection: bool = Field(description="DynamoDB deletion protection.")
    cross_region_replica: bool = Field(
        description="A global-table replica in the DR region (version 2019.11.21)."
    )
    point_in_time_recovery_days: between(1, 35) = Field(
        description="Days of continuous backups point-in-time recovery keeps."
    )


class DocumentClusterDefaults(SpecModel):
    """DocumentDB cluster settings a tier sets and a cluster entry may override."""

    instance_class: str = Field(
        pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$", description="Instance class of every instance."
    )
    replicas: between(0, 15) = Field(description="Read replica instances beside the primary.")
    backup_retention_days: between(1, 35) = Field(description="Automated backup retention, days.")
    backup_window: Window = Field(description="Daily backup window, UTC.")
    maintenance_window: WeeklyWindow = Field(description="Weekly maintenance window, UTC.")
    deletion_protection: bool = Field(description="DocumentDB deletion protection.")
    final_snapshot: bool = Field(description="Take a final snapshot when the cluster is deleted.")
    log_retention_days: LogRetentionDays = Field(
        description="Retention of the audit and profiler logs in CloudWatch Logs, days."
    )


class TierDefaults(SpecModel):
    """Defaults of one environment tier, after the stack file's `defaults` are layered on."""

    protect: bool = Field(description="Pulumi `protect` on stateful resources.")
    dr: bool = Field(description="Cross-region disaster recovery (replicas and replication).")
    key_deletion_window_days: between(7, 30) = Field(description="KMS key deletion window, days.")
    buckets: BucketDefaults
    databases: DatabaseDefaults
    caches: CacheDefaults
    tables: TableDefaults
    document_clusters: DocumentClusterDefaults


TIER_DEFAULTS: dict[str, dict[str, Any]] = {
    "dev": {
        "protect": False,
        "dr": False,
        "keyDeletionWindowDays": 30,
        "buckets": {
            "noncurrentVersionExpirationDays": 7,
            "abortIncompleteMultipartUploadDays": 1,
            "accessLogRetentionDays": 30,
            "forceDestroy": True,
        },
        "databases": {
            "instanceClass": "db.t4g.medium",
            "replicas": 0,
            "multiAz": False,
            "backupRetentionDays": 1,
            "backupWindow": "02:00-03:00",
            "maintenanceWindow": "sun:03:30-sun:04:30",
            "deletionProtection": False,
            "finalSnapshot": False,
            "allocatedStorage": 20,
            "maxAllocatedStorage": 100,
            "performanceInsightsRetentionDays": 7,
            "monitoringInterval": 60,
            "maxReplicaLagSeconds": 300,
            "crossRegionReplica": False,
            "logRetentionDays": 14,
        },
        "caches": {
            "nodeType": "cache.t4g.small",
            "replicas": 0,
            "snapshotRetentionDays": 1,
            "snapshotWindow": "02:00-03:00",
            "maintenanceWindow": "sun:03:30-sun:04:30",
            "finalSnapshot": False,
            "logRetentionDays": 14,
        },
        "tables": {
            "deletionProtection": False,
            "crossRegionReplica": False,
            "pointInTimeRecoveryDays": 7,
        },
        "documentClusters": {
            "instanceClass": "db.t4g.medium",
            "replicas": 0,
            "backupRetentionDays": 1,
            "backupWindow": "02:00-03:00",
            "maintenanceWindow": "sun:03:30-sun:04:30",
            "deletionProtection": False,
            "finalSnapshot": False,
            "logRetentionDays": 14,
        },
    },
    "staging": {
        "protect": False,
        "dr": False,
        "keyDeletionWindowDays": 30,
        "buckets": {
            "noncurrentVersionExpirationDays": 30,
            "abortIncompleteMultipartUploadDays": 7,
            "accessLogRetentionDays": 90,
            "forceDestroy": False,
        },
        "databases": {
            "instanceClass": "db.r6g.large",
            "replicas": 1,
            "multiAz": True,
            "backupRetentionDays": 7,
            "backupWindow": "02:00-03:00",
            "maintenanceWindow": "sun:03:30-sun:04:30",
            "deletionProtection": True,
            "finalSnapshot": True,
            "allocatedStorage": 50,
            "maxAllocatedStorage": 500,
            "performanceInsightsRetentionDays": 7,
            "monitoringInterval": 30,
            "maxReplicaLagSeconds": 60,
            "crossRegionReplica": False,
            "logRetentionDays": 30,
        },
        "caches": {
            "nodeType": "cache.r7g.large",
            "replicas": 1,
            "snapshotRetentionDays": 3,
            "snapshotWindow": "02:00-03:00",
            "maintenanceWindow": "sun:03:30-sun:04:30",
            "finalSnapshot": True,
            "logRetentionDays": 30,
        },
        "tables": {
            "deletionProtection": True,
            "crossRegionReplica": False,
            "pointInTimeRecoveryDays": 35,
        },
        "documentClusters": {
            "instanceClass": "db.r6g.large",
            "replicas": 1,
            "backupRetentionDays": 7,
            "backupWindow": "02:00-03:00",
            "maintenanceWindow": "sun:03:30-sun:04:30",
            "deletionProtection": True,
            "finalSnapshot": True,
            "logRetentionDays": 30,
        },
    },
    "prod": {
        "protect": True,
        "dr": True,
        "keyDeletionWindowDays": 30,
        "buckets": {
            "noncurrentVersionExpirationDays": 365,
            "abortIncompleteMultipartUploadDays": 7,
            "accessLogRetentionDays": 365,
            "forceDestroy": False,
        },
        "databases": {
            "instanceClass": "db.r6g.xlarge",
            "replicas": 2,
            "multiAz": True,
            "backupRetentionDays": 35,
            "backupWindow": "02:00-03:00",
            "maintenanceWindow": "sun:03:30-sun:04:30",
            "deletionProtection": True,
            "finalSnapshot": True,
            "allocatedStorage": 200,
            "maxAllocatedStorage": 2000,
            "performanceInsightsRetentionDays": 731,
            "monitoringInterval": 15,
            "maxReplicaLagSeconds": 30,
            "crossRegionReplica": True,
            "logRetentionDays": 365,
        },
        "caches": {
            "nodeType": "cache.r7g.xlarge",
            "replicas": 2,
            "snapshotRetentionDays": 14,
            "snapshotWindow": "02:00-03:00",
            "maintenanceWindow": "sun:03:30-sun:04:30",
            "finalSnapshot": True,
            "logRetentionDays": 365,
        },
        "tables": {
            "deletionProtection": True,
            "crossRegionReplica": True,
            "pointInTimeRecoveryDays": 35,
        },
        "documentClusters": {
            "instanceClass": "db.r6g.xlarge",
            "replicas": 2,
            "backupRetentionDays": 35,
            "backupWindow": "02:00-03:00",
            "maintenanceWindow": "sun:03:30-sun:04:30",
            "deletionProtection": True,
            "finalSnapshot": True,
            "logRetentionDays": 365,
        },
    },
}
"""Built-in defaults per tier, keyed as in the stack file (camelCase)."""
