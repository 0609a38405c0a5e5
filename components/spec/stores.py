"""Spec models of the stores: buckets, databases and caches (one entry each in the stack file)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .base import CidrBlock, DataClassification, SecurityGroupId, SpecModel, Tags, between
from .defaults import BucketDefaults, CacheDefaults, DatabaseDefaults

StorageClass = Literal[
    "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"
]


class LifecycleTransition(SpecModel):
    """Move current object versions to another storage class after some days."""

    days: between(1, 36500)
    storage_class: StorageClass


class ObjectLockSpec(SpecModel):
    """S3 Object Lock default retention (WORM) for every new object version."""

    mode: Literal["GOVERNANCE", "COMPLIANCE"]
    days: between(1, 36500)


class BucketSpec(BucketDefaults):
    """An S3 bucket: private, versioned, SSE-KMS, TLS-only, logged; replicated to DR when on."""

    data_classification: DataClassification = "internal"
    object_lock: ObjectLockSpec | None = None
    transitions: tuple[LifecycleTransition, ...] = ()
    expiration_days: between(1, 36500) | None = Field(
        default=None, description="Expire current versions after this many days."
    )
    replication: bool = Field(description="Replicate to a bucket in the DR region.")
    block_public_access: bool = Field(
        default=True,
        description="All four S3 Block Public Access flags; false is an explicit opt-out.",
    )
    access_logging: bool = Field(
        default=True, description="Server access logging to the log bucket."
    )
    tags: Tags = {}


class ReplicaOverride(SpecModel):
    """Settings of one read replica that differ from the writer's."""

    instance_class: (
        Annotated[str, StringConstraints(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")] | None
    ) = None


DatabaseUser = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]


class DatabaseSpec(DatabaseDefaults):
    """An RDS instance or Aurora cluster (PostgreSQL or MySQL) with replicas."""

    flavour: Literal["instance", "aurora"] = "instance"
    engine: Literal["postgres", "mysql"] = Field(description="postgres or mysql")
    engine_version: Annotated[
        str, StringConstraints(pattern=r"^\d+(\.\d+){0,2}(\.[a-z0-9._]+)?$")
    ] = Field(description='Engine version, e.g. "16" or "8.0.mysql_aurora.3.08.0"')
    port: between(1150, 65535) | None = Field(
        default=None, description="Listener port; default is a non-default port per engine."
    )
    admin_username: DatabaseUser = Field(
        default="storage_admin", description="Master user; the password is managed by RDS."
    )
    database_name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")] | None = (
        None
    )
    parameters: dict[str, str] = {}
    allowed_security_group_ids: tuple[SecurityGroupId, ...] = ()
    allowed_cidr_blocks: tuple[CidrBlock, ...] = ()
    dr_allowed_security_group_ids: tuple[SecurityGroupId, ...] = Field(
        default=(),
        description="Clients of the DR replica: security groups of the DR region's VPC.",
    )
    dr_allowed_cidr_blocks: tuple[CidrBlock, ...] = Field(
        default=(), description="Clients of the DR replica: CIDR blocks."
    )
    replica_overrides: dict[int, ReplicaOverride] = {}
    master_password_version: between(1, 1_000_000) = Field(
        default=1,
        description="Bump to rotate the generated master password (used only where RDS "
        "cannot manage it: instances with read replicas, Aurora global databases).",
    )
    data_classification: DataClassification = "confidential"
    tags: Tags = {}


class ClusterModeSpec(SpecModel):
    """ElastiCache cluster mode: data sharded over node groups."""

    shards: between(1, 500)


class CacheSpec(CacheDefaults):
    """An ElastiCache replication group (Redis OSS or Valkey), TLS and RBAC only."""

    engine: Literal["redis", "valkey"] = "valkey"
    engine_version: Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+){0,2}$")] = Field(
        description='Engine version, e.g. "8.0" (valkey) or "7.1" (redis)'
    )
    port: between(1024, 65535) | None = None
    cluster_mode: ClusterModeSpec | None = None
    authentication: Literal["iam", "password"] = Field(
        default="iam", description="How application users authenticate."
    )
    password_version: between(1, 1_000_000) = Field(
        default=1,
        description="Bump to rotate the generated application passwords (password caches).",
    )
    parameters: dict[str, str] = {}
    allowed_security_group_ids: tuple[SecurityGroupId, ...] = ()
    allowed_cidr_blocks: tuple[CidrBlock, ...] = ()
    data_classification: DataClassification = "confidential"
    tags: Tags = {}
