"""DynamoDB rules: FSBP DynamoDB.1, DynamoDB.2, DynamoDB.6, and two of our own.

Our own: tables holding confidential or restricted data are encrypted with a
customer-managed key (the table and every replica), and each global-table replica is
encrypted with a key of the replica's own region.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from . import tokens
from .graph import each_decidable, of_type, satellites
from .props import arn_region, as_list, as_mapping, first, is_true, shown
from .registry import REGISTRY, Report

_TABLE = tokens.DYNAMODB_TABLE
_SENSITIVE = ["confidential", "restricted"]


def _provisioned(props: Mapping[str, Any]) -> bool:
    # The provider's default billing mode is PROVISIONED.
    return str(props.get("billingMode") or "PROVISIONED") != "PAY_PER_REQUEST"


def _known(props: Mapping[str, Any], key: str) -> Any:
    """`props[key]`, or None while it is unknown (preview)."""
    try:
        return props.get(key)
    except UnknownValueError:
        return None


class _Scaling:
    """The stack's DynamoDB autoscaling targets and policies, indexed once per validation.

    Each table used to scan every target and, per target, every policy: quadratic in an
    estate of many tables. Built on first use, so a stack whose tables are all on-demand
    never reads a target; an unknown `serviceNamespace` stops every provisioned table's
    check, exactly as reading it per table did.
    """

    def __init__(self, args: StackValidationArgs) -> None:
        self.args = args
        self._built = False
        self._error: UnknownValueError | None = None
        self.candidates: list[PolicyResource] = []
        self.resource_ids: list[str | None] = []
        self.by_urn: dict[str, list[int]] = {}
        self.positions: dict[int, int] = {}
        self.sorted_ids: list[tuple[str, int]] = []
        self.policy_keys: set[tuple[str, str]] = set()

    def build(self) -> None:
        """Index the targets and policies, or raise what reading them raised."""
        if self._error is not None:
            raise self._error
        if self._built:
            return
        try:
            self.candidates = [
                t
                for t in of_type(self.args, tokens.APPAUTOSCALING_TARGET)
                if str(t.props.get("serviceNamespace") or "") == "dynamodb"
            ]
        except UnknownValueError as exc:
            self._error = exc
            raise
        for position, target in enumerate(self.candidates):
            resource_id = _known(target.props, "resourceId")
            rid = str(resource_id) if isinstance(resource_id, str) else None
            self.resource_ids.append(rid)
            self.by_urn.setdefault(target.urn, []).append(position)
            self.positions[id(target)] = position
            if rid:
                self.sorted_ids.append((rid, position))
        self.sorted_ids.sort()
        for policy in of_type(self.args, tokens.APPAUTOSCALING_POLICY):
            key = (_known(policy.props, "resourceId"), _known(policy.props, "scalableDimension"))
            if isinstance(key[0], str) and isinstance(key[1], str):
                self.policy_keys.add((key[0], key[1]))
        self._built = True

    def named(self, prefix: str) -> list[int]:
        """Positions of the targets whose resource id starts with `prefix`."""
        # Ids sharing a prefix are neighbours in sorted order: bisect to the first one.
        found: list[int] = []
        index = bisect.bisect_left(self.sorted_ids, (prefix, -1))
        while index < len(self.sorted_ids) and self.sorted_ids[index][0].startswith(prefix):
            found.append(self.sorted_ids[index][1])
            index += 1
        return found


def _scaled(table: PolicyResource, scaling: _Scaling) -> list[tuple[str | None, str]]:
    """(resource id or None if unknown, scalable dimension) of the table's scaled targets.

    A target belongs to the table when its `resourceId` depends on the table (known even in
    preview) or names it (`table/<name>...`); it is scaled when a policy depends on it or
    names the same resource id and dimension.
    """
    name = _known(table.props, "name")
    prefix = f"table/{name}" if isinstance(name, str) and name else None
    scaling.build()
    args = scaling.args
    linked_urns = {
        target.urn
        for target in satellites(table, args, tokens.APPAUTOSCALING_TARGET, "resourceId")
        if id(target) in scaling.positions
    }
    mine = {position for urn in linked_urns for position in scaling.by_urn[urn]}
    if prefix:
        mine.update(scaling.named(prefix))
    scaled: list[tuple[str | None, str]] = []
    for position in sorted(mine):
        target = scaling.candidates[position]
        rid = scaling.resource_ids[position]
        dimension = str(target.props.get("scalableDimension"))
        named = rid is not None and (rid, dimension) in scaling.policy_keys
        if satellites(target, args, tokens.APPAUTOSCALING_POLICY, "resourceId") or named:
            scaled.append((rid, dimension))
    return scaled


def _unscaled(table: PolicyResource, scaling: _Scaling) -> list[str]:
    """Capacity dimensions of a provisioned table (and its global indexes) nothing scales.

    Index targets whose resource id is still unknown count for any index of the table.
    """
    scaled = _scaled(table, scaling)
    indexes = [
        shown(first(i).get("name")) for i in as_list(table.props.get("globalSecondaryIndexes"))
    ]
    missing = [
        f"table {direction.lower()}s"
        for direction in ("Read", "Write")
        if not any(dim == f"dynamodb:table:{direction}CapacityUnits" for _, dim in scaled)
    ]
    # Index targets whose resource id is unknown (preview) stand for any one index.
    anonymous = {
        direction: sum(
            1
            for rid, dim in scaled
            if rid is None and dim == f"dynamodb:index:{direction}CapacityUnits"
        )
        for direction in ("Read", "Write")
    }
    for index in indexes:
        for direction in ("Read", "Write"):
            dimension = f"dynamodb:index:{direction}CapacityUnits"
            if any(
                rid and rid.endswith(f"/index/{index}") and dim == dimension for rid, dim in scaled
            ):
                continue
            if anonymous[direction]:
                anonymous[direction] -= 1
                continue
            missing.append(f"index {index} {direction.lower()}s")
    return missing


@REGISTRY.stack_rule(
    "dynamodb-table-enable-autoscaling",
    "Checks that DynamoDB tables scale capacity with demand: on-demand billing, or provisioned "
    "capacity with Application Auto Scaling for reads and writes of the table and each global "
    "secondary index.",
    types=_TABLE + tokens.APPAUTOSCALING_TARGET + tokens.APPAUTOSCALING_POLICY,
    controls=("DynamoDB.1",),
    causes=("billingMode:autoscaling",),
    severity=Severity.MEDIUM,
    security=False,
    remediation='Set billing_mode="PAY_PER_REQUEST", or add an aws.appautoscaling.Target and a '
    "TargetTrackingScaling aws.appautoscaling.Policy per capacity dimension.",
    notes="Targets and policies are matched by dependency (known in preview) or by "
    "`table/<name>` resource ids.",
)
def _autoscaling(args: StackValidationArgs, report: Report) -> None:
    scaling = _Scaling(args)

    def check(table: PolicyResource) -> None:
        if not _provisioned(table.props):
            return
        missing = _unscaled(table, scaling)
        if missing:
            report(
                f"Table {table.name} has provisioned capacity nothing scales "
                f"({', '.join(missing)}); add autoscaling targets and policies or use on-demand "
                "billing.",
                table.urn,
            )

    each_decidable(of_type(args, _TABLE), check)


@REGISTRY.resource_rule(
    "dynamodb-table-enable-point-in-time-recovery",
    "Checks that DynamoDB tables have point-in-time recovery enabled.",
    types=_TABLE,
    controls=("DynamoDB.2",),
    causes=("pointInTimeRecovery",),
    severity=Severity.MEDIUM,
    remediation='Set point_in_time_recovery={"enabled": True}.',
)
def _pitr(args: ResourceValidationArgs, report: Report) -> None:
    if not is_true(first(args.props.get("pointInTimeRecovery")).get("enabled")):
        report(
            f"Table {args.name} has no point-in-time recovery; set point_in_time_recovery "
            "enabled to True."
        )


@REGISTRY.resource_rule(
    "dynamodb-table-enable-deletion-protection",
    "Checks that DynamoDB tables have deletion protection enabled.",
    types=_TABLE,
    controls=("DynamoDB.6",),
    causes=("deletionProtectionEnabled",),
    severity=Severity.MEDIUM,
    remediation="Set deletion_protection_enabled=True.",
)
def _deletion_protection(args: ResourceValidationArgs, report: Report) -> None:
    if not is_true(args.props.get("deletionProtectionEnabled")):
        report(f"Table {args.name} can be deleted; set deletion_protection_enabled to True.")


@REGISTRY.resource_rule(
    "dynamodb-table-enforce-customer-managed-key",
    "Checks that DynamoDB tables holding confidential or restricted data, and all their "
    "replicas, are encrypted with a customer-managed KMS key.",
    types=_TABLE,
    controls=("BS.15",),
    causes=("serverSideEncryption",),
    severity=Severity.HIGH,
    remediation='Set server_side_encryption={"enabled": True, "kms_key_arn": <key>} and a '
    "kms_key_arn on every replica.",
    notes="The class comes from the `data-classification` tag; an untagged table is judged as "
    "sensitive, since nothing shows it is not.",
    config={
        "classifications": {"type": "array", "items": {"type": "string"}, "default": _SENSITIVE}
    },
)
def _customer_key(args: ResourceValidationArgs, report: Report) -> None:
    props = args.props
    classes = args.get_config().get("classifications", _SENSITIVE)
    tagged = as_mapping(props.get("tags")).get("data-classification")
    if tagged is not None and str(tagged) not in classes:
        return
    sse = first(props.get("serverSideEncryption"))
    if not is_true(sse.get("enabled")) or not sse.get("kmsKeyArn"):
        report(
            f"Table {args.name} holds {tagged or 'unclassified'} data without a customer-managed "
            "key; set server_side_encryption with a kms_key_arn."
        )
        return
    bare = [
        shown(first(r).get("regionName"))
        for r in as_list(props.get("replicas"))
        if not first(r).get("kmsKeyArn")
    ]
    if bare:
        report(
            f"Table {args.name}'s replicas in {', '.join(bare)} use an AWS key; give each a "
            "kms_key_arn of a customer-managed key."
        )


def _home(args: ResourceValidationArgs) -> str | None:
    own = args.props.get("region")
    if isinstance(own, str) and own:
        return own
    configured = args.provider.props.get("region") if args.provider is not None else None
    return configured if isinstance(configured, str) and configured else None


@REGISTRY.resource_rule(
    "dynamodb-table-enforce-replica-key-region",
    "Checks that a DynamoDB table and each of its global-table replicas are encrypted with a "
    "KMS key of their own region.",
    types=_TABLE + tokens.DYNAMODB_TABLE_REPLICA,
    controls=("BS.16",),
    causes=("replicas.kmsKeyArn",),
    severity=Severity.HIGH,
    remediation="Give each replica the ARN of a key (or aws.kms.ReplicaKey) created in the "
    "replica's region.",
    notes="Keys are placed by their ARN; an alias or a key id cannot be placed and is not judged.",
)
def _replica_key_region(args: ResourceValidationArgs, report: Report) -> None:
    props = args.props
    wrong: list[str] = []
    home = _home(args)
    if args.resource_type in tokens.DYNAMODB_TABLE_REPLICA:
        key = arn_region(props.get("kmsKeyArn"))
        if home and key and key != home:
            report(f"Table replica {args.name} in {home} uses a key of {key}; use a key of {home}.")
        return
    table_key = arn_region(first(props.get("serverSideEncryption")).get("kmsKeyArn"))
    if home and table_key and table_key != home:
        wrong.append(f"the table in {home} uses a key of {table_key}")
    for replica in as_list(props.get("replicas")):
        entry = first(replica)
        region, key = entry.get("regionName"), arn_region(entry.get("kmsKeyArn"))
        # A region that is not a name (a list, an object) is no key's region: it fails.
        if key and region and key != shown(region):
            wrong.append(f"the replica in {shown(region)} uses a key of {key}")
    if wrong:
        report(f"Table {args.name}: {'; '.join(wrong)}; use a key of each copy's own region.")
