"""Where a database or cache listens: a subnet group and a security group of its own.

The security group admits the engine's port, over TCP, from the declared client security
groups and CIDR blocks, and nothing else. It has no egress rule: the AWS provider removes
the default allow-all egress rule when it creates a group, and neither RDS nor ElastiCache
needs to open connections out of it. With no declared client, nothing can connect.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

Service = Literal["rds", "elasticache", "docdb"]


@dataclass(frozen=True)
class NetworkArgs:
    """Arguments of `place`."""

    service: Service
    """Which subnet group type to create."""
    description: str
    """What listens here, for the AWS console (`<prefix>-orders: postgres`)."""
    vpc_id: str
    """VPC of the subnets (security groups are per VPC)."""
    subnet_ids: Sequence[str]
    """Private subnets, in two or more Availability Zones."""
    port: int
    """The engine's listener port: the only port admitted."""
    allowed_security_group_ids: Sequence[str]
    """Client security groups (same VPC, or a peered VPC of the same region)."""
    allowed_cidr_blocks: Sequence[str]
    """Client CIDR blocks."""
    tags: dict[str, str]
    """Tags of every resource created."""


@dataclass(frozen=True)
class Placement:
    """What the database or cache needs to be placed in the network."""

    subnet_group_name: pulumi.Output[str]
    """Name of the subnet group."""
    security_group_id: pulumi.Output[str]
    """Id of the security group."""
    ingress_rules: tuple[aws.vpc.SecurityGroupIngressRule, ...]
    """One rule per declared client."""


def place(name: str, args: NetworkArgs, parent: pulumi.Resource) -> Placement:
    """Create `{name}-subnets`, `{name}-sg` and one `{name}-from-<client>` rule per client.

    `parent` decides the region: pass a `DisasterRecovery` scope for DR-region resources.
    """
    opts = pulumi.ResourceOptions(parent=parent)
    subnet_group_name = _subnet_group(f"{name}-subnets", args, opts)
    group = aws.ec2.SecurityGroup(
        f"{name}-sg",
        vpc_id=args.vpc_id,
        description=f"{args.description}: port {args.port} from declared clients only",
        tags=args.tags,
        opts=opts,
    )
    # One rule per declared client, a security group or a CIDR block, on the engine port only.
    clients: list[tuple[str, str, dict[str, str]]] = [
        (group_id, group_id, {"referenced_security_group_id": group_id})
        for group_id in args.allowed_security_group_ids
    ] + [(_cidr_label(cidr), cidr, {"cidr_ipv4": cidr}) for cidr in args.allowed_cidr_blocks]
    rules = [
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-{label}",
            security_group_id=group.id,
            ip_protocol="tcp",
            from_port=args.port,
            to_port=args.port,
            description=f"{args.description} clients ({client})",
            tags=args.tags,
            opts=opts,
            **source,
        )
        for label, client, source in clients
    ]
    return Placement(subnet_group_name, group.id, tuple(rules))


def _subnet_group(name: str, args: NetworkArgs, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
    description = f"{args.description}: private subnets"
    if args.service == "docdb":
        return aws.docdb.SubnetGroup(
            name,
            subnet_ids=list(args.subnet_ids),
            description=description,
            tags=args.tags,
            opts=opts,
        ).name
    if args.service == "rds":
        return aws.rds.SubnetGroup(
            name,
            subnet_ids=list(args.subnet_ids),
            description=description,
            tags=args.tags,
            opts=opts,
        ).name
    return aws.elasticache.SubnetGroup(
        name, subnet_ids=list(args.subnet_ids), description=description, tags=args.tags, opts=opts
    ).name


def _cidr_label(cidr: str) -> str:
    """`10.20.0.0/16` → `10-20-0-0-16`: a stable resource-name part."""
    return re.sub(r"[./]", "-", cidr)
