"""Spec models of the NoSQL stores: DynamoDB tables and DocumentDB clusters."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from .base import CidrBlock, DataClassification, SecurityGroupId, SpecModel, Tags, between
from .defaults import DocumentClusterDefaults, TableDefaults
from .stores import DatabaseUser

AttributeName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,255}$")]
"""A DynamoDB attribute name used in a key."""

IndexName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{3,255}$")]
"""A DynamoDB index name (3-255 characters of letters, digits, `_`, `-`, `.`)."""

RegionName = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]

Projection = Literal["ALL", "KEYS_ONLY", "INCLUDE"]

StreamView = Literal["NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY"]


class CapacityRange(SpecModel):
    """Provisioned capacity units autoscaling keeps between `min` and `max`."""

    min: between(1, 40000) = Field(description="Lowest capacity units autoscaling sets.")
    max: between(1, 40000) = Field(description="Highest capacity units autoscaling sets.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) must be at least min ({self.min})")
        return self


class ProvisionedCapacity(SpecModel):
    """Autoscaled provisioned capacity of a table; its global indexes scale alike."""

    read: CapacityRange
    write: CapacityRange
    target_utilization: between(20, 90) = Field(
        default=70, description="Consumed/provisioned percentage autoscaling aims for."
    )


class _Projected(SpecModel):
    """What an index holds: all attributes, keys only, or keys and `nonKeyAttributes`."""

    projection: Projection = "ALL"
    non_key_attributes: tuple[AttributeName, ...] = ()

    @model_validator(mode="after")
    def _include_lists_attributes(self) -> Self:
        # DynamoDB takes NonKeyAttributes with INCLUDE only, and INCLUDE needs some.
        if (self.projection == "INCLUDE") != bool(self.non_key_attributes):
            raise ValueError("nonKeyAttributes is required with projection: INCLUDE, and only then")
        return self


class GlobalIndexSpec(_Projected):
    """A global secondary index: its own partition (and sort) key."""

    hash_key: AttributeName
    range_key: AttributeName | None = None


class LocalIndexSpec(_Projected):
    """A local secondary index: the table's partition key with another sort key."""

    range_key: AttributeName


class TableSpec(TableDefaults):
    """A DynamoDB table: keys and indexes, SSE-KMS, PITR, replicas as a global table."""

    hash_key: AttributeName = Field(description="Partition key attribute.")
    range_key: AttributeName | None = Field(default=None, description="Sort key attribute.")
    attributes: dict[AttributeName, Literal["S", "N", "B"]] = Field(
        description="Type of every key attribute of the table and its indexes: S, N or B."
    )
    global_secondary_indexes: dict[IndexName, GlobalIndexSpec] = {}
    local_secondary_indexes: dict[IndexName, LocalIndexSpec] = {}
    billing_mode: Literal["on-demand", "provisioned"] = "on-demand"
    capacity: ProvisionedCapacity | None = Field(
        default=None, description="Autoscaling range; required with billingMode: provisioned."
    )
    table_class: Literal["STANDARD", "STANDARD_INFREQUENT_ACCESS"] = "STANDARD"
    ttl_attribute: AttributeName | None = Field(
        default=None, description="Attribute holding each item's expiry (epoch seconds)."
    )
    stream: StreamView | None = Field(
        default=None,
        description="DynamoDB Streams view; replicas need (and get) NEW_AND_OLD_IMAGES.",
    )
    replica_regions: tuple[RegionName, ...] = Field(
        default=(), description="Further global-table replicas, beyond the DR region."
    )
    point_in_time_recovery: bool = Field(
        default=True, description="Continuous backups; false is an explicit opt-out."
    )
    data_classification: DataClassification = "confidential"
    tags: Tags = {}

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = self._attribute_problems()
        if self.billing_mode == "provisioned" and self.capacity is None:
            problems.append("billingMode: provisioned needs capacity: {read, write}")
        if self.billing_mode == "on-demand" and self.capacity is not None:
            problems.append("capacity applies only to billingMode: provisioned")
        replicated = self.cross_region_replica or bool(self.replica_regions)
        if replicated and self.stream not in (None, "NEW_AND_OLD_IMAGES"):
            problems.append("replicas need stream: NEW_AND_OLD_IMAGES (or leave stream unset)")
        if len(set(self.replica_regions)) != len(self.replica_regions):
            problems.append("replicaRegions lists a region twice")
        if shared := sorted(set(self.global_secondary_indexes) & set(self.local_secondary_indexes)):
            problems.append(f"index names must be unique across global and local: {shared}")
        # DynamoDB's quotas: 20 global (default, adjustable) and 5 local indexes per table.
        if len(self.global_secondary_indexes) > 20:
            problems.append("at most 20 globalSecondaryIndexes (DynamoDB's default quota)")
        if len(self.local_secondary_indexes) > 5:
            problems.append("at most 5 localSecondaryIndexes")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _attribute_problems(self) -> list[str]:
        used = {self.hash_key} | ({self.range_key} if self.range_key else set())
        for gsi in self.global_secondary_indexes.values():
            used |= {gsi.hash_key} | ({gsi.range_key} if gsi.range_key else set())
        for lsi in self.local_secondary_indexes.values():
            used.add(lsi.range_key)
        declared = set(self.attributes)
        problems = []
        if missing := sorted(used - declared):
            problems.append(f"key attributes without a type in `attributes`: {', '.join(missing)}")
        # DynamoDB refuses attribute definitions no key or index uses.
        if unused := sorted(declared - used):
            problems.append(f"`attributes` lists attributes no key uses: {', '.join(unused)}")
        if self.local_secondary_indexes and self.range_key is None:
            problems.append("local secondary indexes need the table to have a rangeKey")
        return problems

    @property
    def replicated(self) -> bool:
        """Whether the table is a global table (any replica)."""
        return self.cross_region_replica or bool(self.replica_regions)

    @property
    def index_names(self) -> list[str]:
        """Every index of the table, global and local, sorted."""
        return sorted([*self.global_secondary_indexes, *self.local_secondary_indexes])


class DocumentClusterSpec(DocumentClusterDefaults):
    """An Amazon DocumentDB (MongoDB-compatible) cluster: TLS, encrypted, audited."""

    engine_version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+(\.\d+)?$")] = Field(
        description='Engine version, e.g. "5.0.0"'
    )
    port: between(1150, 65535) = Field(
        default=27018, description="Listener port; not the well-known 27017 by default."
    )
    admin_username: DatabaseUser = Field(
        default="storage_admin",
        description="Master user; DocumentDB manages its password in Secrets Manager.",
    )
    parameters: dict[str, str] = {}
    allowed_security_group_ids: tuple[SecurityGroupId, ...] = ()
    allowed_cidr_blocks: tuple[CidrBlock, ...] = ()
    profiler_threshold_ms: between(50, 2147483646) = Field(
        default=100, description="Operations slower than this go to the profiler log."
    )
    password_version: between(1, 1_000_000) = Field(
        default=1, description="Bump to rotate the generated application passwords."
    )
    data_classification: DataClassification = "confidential"
    tags: Tags = {}


class TableGrant(SpecModel):
    """Item access to one table (and its indexes)."""

    access: Literal["read", "write", "readwrite"]
    indexes: tuple[IndexName, ...] | None = Field(
        default=None,
        description="Indexes a read grant may query; default every index of the table.",
    )
    replicas: bool = Field(
        default=False, description="Also the table's replicas in other regions (failover)."
    )


class DocumentGrant(SpecModel):
    """Connect to a DocumentDB cluster as a named user, from given security groups."""

    user: DatabaseUser
    security_group_ids: tuple[SecurityGroupId, ...] = Field(
        default=(), description="Security groups of the application admitted on the port."
    )
