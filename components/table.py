"""Table: a DynamoDB table, with autoscaled capacity and global-table replicas.

Secure by default: server-side encryption with the environment's customer-managed key
(each replica with a key of its own region); point-in-time recovery on; deletion
protection, `protect` and `retain_on_delete` in prod; on-demand billing unless the stack
asks for provisioned capacity, which then always scales (Application Auto Scaling target
and target-tracking policy for reads and writes, of the table and each global index).

Replicas are global tables version 2019.11.21, declared as `replicas` of the table
itself (the provider's `aws_dynamodb_table` replica blocks): DynamoDB creates them, so
no resource of the DR region is declared for them, only their keys. DynamoDB requires
streams with NEW_AND_OLD_IMAGES on a table with replicas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from . import outputs as out
from .documents import key_policy
from .encryption_key import EncryptionKey
from .naming import identifier
from .scope import DisasterRecovery
from .spec import EnvironmentSpec, TableSpec
from .tagging import tags_for

NAME_LENGTH = 255
"""DynamoDB's limit on table names."""

SCALING_METRICS = {
    "Read": "DynamoDBReadCapacityUtilization",
    "Write": "DynamoDBWriteCapacityUtilization",
}
"""Predefined target-tracking metric per capacity direction."""


@dataclass(frozen=True)
class TableArgs:
    """Arguments of Table."""

    spec: EnvironmentSpec
    """The environment: names, tags, protect, regions."""
    logical_name: str
    """The table's key in the stack file (`carts`)."""
    table: TableSpec
    """The table's spec, tier defaults layered in."""
    key: EncryptionKey
    """The key of the table's data class; its DR replica key encrypts the DR replica."""
    dr_provider: aws.Provider | None = None
    """Provider of the DR region; required when `table.cross_region_replica` is on."""


class Table(pulumi.ComponentResource):
    """A DynamoDB table with its autoscaling, replicas and the keys of further regions."""

    data_class: str
    """The data classification (which key encrypts it)."""
    region: str
    """The primary region."""
    table_name: pulumi.Output[str]
    """Table name (the same in every replica region)."""
    arn: pulumi.Output[str]
    """Table ARN in the primary region."""
    index_names: list[str]
    """Global and local secondary indexes, sorted."""
    kms_key_arn: pulumi.Output[str]
    """Key of the table in the primary region."""
    replica_regions: list[str]
    """Regions of the replicas (DR region first)."""
    replica_arns: dict[str, pulumi.Output[str]]
    """Replica table ARN by region."""
    replica_key_arns: dict[str, pulumi.Input[str]]
    """Key of each replica, by region."""
    stream_arn: pulumi.Output[str] | None
    """ARN of the table's stream (None without one)."""

    def __init__(
        self, name: str, args: TableArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("backend-storage:dynamodb:Table", name, None, opts)
        table, spec = args.table, args.spec
        self._name, self._args, self._table, self._spec = name, args, table, spec
        self.data_class = table.data_classification
        self.region = spec.region
        self.index_names = table.index_names
        self.kms_key_arn = args.key.arn
        self._tags = tags_for(spec, table.data_classification, table.tags)
        self._protected = spec.defaults.protect
        self.replica_key_arns = self._replica_keys()
        self.replica_regions = list(self.replica_key_arns)
        resource = self._table_resource()
        self.table_name = resource.name
        self.arn = resource.arn
        self.stream_arn = resource.stream_arn if resource_has_stream(table) else None
        # A replica has the table's name in its own region (global tables 2019.11.21).
        self.replica_arns = {
            region: resource.arn.apply(_in_region_of(spec.region, region))
            for region in self.replica_regions
        }
        if table.billing_mode == "provisioned":
            self._autoscaling(resource)
        self.register_outputs(
            {
                "data_class": self.data_class,
                "region": self.region,
                "table_name": self.table_name,
                "arn": self.arn,
                "index_names": self.index_names,
                "kms_key_arn": self.kms_key_arn,
                "replica_regions": self.replica_regions,
                "replica_arns": self.replica_arns,
                "replica_key_arns": self.replica_key_arns,
                "stream_arn": self.stream_arn,
            }
        )

    def outputs(self) -> dict[str, Any]:
        """This table's entry of the `tables` stack output (keys: `components.outputs`)."""
        return {
            out.TABLE_NAME: self.table_name,
            out.TABLE_ARN: self.arn,
            out.TABLE_REGION: self._spec.region,
            out.TABLE_KMS_KEY_ARN: self.kms_key_arn,
            out.TABLE_INDEXES: self.index_names,
            out.TABLE_REPLICA_REGIONS: self.replica_regions,
            out.TABLE_REPLICA_KMS_KEY_ARNS: self.replica_key_arns,
            out.TABLE_STREAM_ARN: self.stream_arn,
        }

    def _replica_keys(self) -> dict[str, pulumi.Input[str]]:
        """Key of each replica region: the DR replica key, and one key per further region."""
        args, table, spec = self._args, self._table, self._spec
        keys: dict[str, pulumi.Input[str]] = {}
        if table.cross_region_replica:
            if args.dr_provider is None or args.key.dr_arn is None or spec.dr_region is None:
                raise ValueError(
                    f"tables.{args.logical_name}.crossRegionReplica needs backend-storage:"
                    "drRegion and a DR replica of the table's key"
                )
            keys[spec.dr_region] = args.key.dr_arn
        for region in table.replica_regions:
            keys[region] = self._regional_key(region)
        return keys

    def _regional_key(self, region: str) -> pulumi.Output[str]:
        """A key of the table's own in a further replica region, reached through parenting."""
        spec, name = self._spec, self._name
        provider = aws.Provider(
            f"{name}-{region}",
            region=region,
            allowed_account_ids=[spec.account_id],
            opts=pulumi.ResourceOptions(parent=self),
        )
        scope = DisasterRecovery(f"{name}-{region}", provider, pulumi.ResourceOptions(parent=self))
        # Keys are protected in every tier but dev: losing one loses the replica's data.
        protect = spec.defaults.protect or spec.tier != "dev"
        key = aws.kms.Key(
            f"{name}-{region}-key",
            description=f"{name}: replica in {region}, data classified {self.data_class}",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=spec.defaults.key_deletion_window_days,
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            policy=key_policy(spec.account_id, region),
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=scope, protect=protect, retain_on_delete=protect),
        )
        return key.arn

    def _table_resource(self) -> aws.dynamodb.Table:
        table, spec, name = self._table, self._spec, self._name
        provisioned = table.billing_mode == "provisioned"
        capacity: dict[str, Any] = {}
        if provisioned:
            assert table.capacity is not None  # the spec model requires it
            capacity = {
                "read_capacity": table.capacity.read.min,
                "write_capacity": table.capacity.write.min,
            }
        stream: dict[str, Any] = {}
        if resource_has_stream(table):
            stream = {
                "stream_enabled": True,
                "stream_view_type": "NEW_AND_OLD_IMAGES" if table.replicated else table.stream,
            }
        ttl = {"ttl": {"attribute_name": table.ttl_attribute, "enabled": True}}
        ignore = []
        if provisioned:
            # Autoscaling owns the capacity after creation; the program's value is the floor.
            ignore = ["readCapacity", "writeCapacity"]
            if table.global_secondary_indexes:
                ignore += [
                    "globalSecondaryIndexes[*].readCapacity",
                    "globalSecondaryIndexes[*].writeCapacity",
                ]
        arguments: dict[str, Any] = dict(
            name=identifier(spec, self._args.logical_name, NAME_LENGTH),
            billing_mode="PROVISIONED" if provisioned else "PAY_PER_REQUEST",
            hash_key=table.hash_key,
            range_key=table.range_key,
            attributes=[{"name": n, "type": t} for n, t in sorted(table.attributes.items())],
            global_secondary_indexes=self._global_indexes(capacity) or None,
            local_secondary_indexes=[
                {
                    "name": index,
                    "range_key": lsi.range_key,
                    "projection_type": lsi.projection,
                    "non_key_attributes": list(lsi.non_key_attributes) or None,
                }
                for index, lsi in sorted(table.local_secondary_indexes.items())
            ]
            or None,
            table_class=table.table_class,
            server_side_encryption={"enabled": True, "kms_key_arn": self._args.key.arn},
            point_in_time_recovery={
                "enabled": table.point_in_time_recovery,
                "recovery_period_in_days": table.point_in_time_recovery_days,
            },
            deletion_protection_enabled=table.deletion_protection,
            replicas=[
                {
                    "region_name": region,
                    "kms_key_arn": key_arn,
                    "point_in_time_recovery": table.point_in_time_recovery,
                    "propagate_tags": True,
                    "deletion_protection_enabled": table.deletion_protection,
                }
                for region, key_arn in self.replica_key_arns.items()
            ]
            or None,
            tags=self._tags,
            **capacity,
            **stream,
            **(ttl if table.ttl_attribute else {}),
        )
        return aws.dynamodb.Table(
            f"{name}-table",
            **arguments,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=self._protected,
                retain_on_delete=self._protected,
                ignore_changes=ignore or None,
            ),
        )

    def _global_indexes(self, capacity: dict[str, Any]) -> list[dict[str, Any]]:
        indexes = []
        for index, gsi in sorted(self._table.global_secondary_indexes.items()):
            keys = [{"attribute_name": gsi.hash_key, "key_type": "HASH"}]
            if gsi.range_key:
                keys.append({"attribute_name": gsi.range_key, "key_type": "RANGE"})
            indexes.append(
                {
                    "name": index,
                    "key_schemas": keys,
                    "projection_type": gsi.projection,
                    "non_key_attributes": list(gsi.non_key_attributes) or None,
                    **capacity,
                }
            )
        return indexes

    def _autoscaling(self, resource: aws.dynamodb.Table) -> None:
        """A scalable target and a target-tracking policy per direction, table and index."""
        table = self._table
        assert table.capacity is not None
        scopes: list[tuple[str, str, pulumi.Output[str]]] = [
            ("table", "table", resource.name.apply(lambda n: f"table/{n}"))
        ]
        for index in sorted(table.global_secondary_indexes):
            scopes.append((f"index-{index}", "index", resource.name.apply(_index_id(index))))
        for label, kind, resource_id in scopes:
            for direction, limits in (
                ("Read", table.capacity.read),
                ("Write", table.capacity.write),
            ):
                target = aws.appautoscaling.Target(
                    f"{self._name}-{label}-{direction.lower()}-target",
                    service_namespace="dynamodb",
                    resource_id=resource_id,
                    scalable_dimension=f"dynamodb:{kind}:{direction}CapacityUnits",
                    min_capacity=limits.min,
                    max_capacity=limits.max,
                    tags=self._tags,
                    opts=pulumi.ResourceOptions(parent=self),
                )
                aws.appautoscaling.Policy(
                    f"{self._name}-{label}-{direction.lower()}-policy",
                    policy_type="TargetTrackingScaling",
                    service_namespace=target.service_namespace,
                    resource_id=target.resource_id,
                    scalable_dimension=target.scalable_dimension,
                    target_tracking_scaling_policy_configuration={
                        "target_value": float(table.capacity.target_utilization),
                        "predefined_metric_specification": {
                            "predefined_metric_type": SCALING_METRICS[direction]
                        },
                    },
                    opts=pulumi.ResourceOptions(parent=self),
                )


def resource_has_stream(table: TableSpec) -> bool:
    """Whether the table has a stream: asked for, or required by replicas."""
    return table.replicated or table.stream is not None


def _in_region_of(home: str, region: str) -> Callable[[str], str]:
    """A function turning `arn:aws:dynamodb:<home>:...` into the same ARN in `region`."""

    def move(arn: str) -> str:
        parts = arn.split(":")
        if len(parts) > 3 and parts[3] == home:
            parts[3] = region
        return ":".join(parts)

    return move


def _index_id(index: str) -> Callable[[str], str]:
    """A function giving the autoscaling resource id of `index` from the table name."""
    return lambda table_name: f"table/{table_name}/index/{index}"
