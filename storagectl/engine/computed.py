"""Realistic computed outputs per resource type, so values built from them render as after a deploy.

Every value is derived from the URN (a stable hash), the stack's account and the
resource's region, so two plans of the same program are identical and diffs are real.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Context:
    """What a computed value may depend on."""

    urn: str
    name: str
    inputs: dict[str, Any]
    region: str
    account: str

    def digest(self, length: int, alphabet: str = "0123456789abcdef") -> str:
        """A stable pseudo-random string derived from the URN."""
        raw = hashlib.sha256(self.urn.encode()).digest()
        return "".join(alphabet[b % len(alphabet)] for b in raw)[:length]

    def autoname(self, max_length: int = 63, lower: bool = False) -> str:
        """Pulumi's auto-naming: the logical name plus a 7-character random suffix."""
        base = self.name.lower() if lower else self.name
        return f"{base[: max_length - 8]}-{self.digest(7)}"

    def given(self, key: str, fallback: str) -> str:
        """An input the program set (and is known), else the fallback."""
        value = self.inputs.get(key)
        return value if isinstance(value, str) and value else fallback


UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _kms_key(c: Context) -> dict[str, Any]:
    key_id = f"mrk-{c.digest(32)}" if c.inputs.get("multiRegion") else _uuid(c)
    return {
        "id": key_id,
        "keyId": key_id,
        "arn": f"arn:aws:kms:{c.region}:{c.account}:key/{key_id}",
    }


def _replica_key(c: Context) -> dict[str, Any]:
    primary = str(c.inputs.get("primaryKeyArn", ""))
    key_id = primary.rsplit("/", 1)[-1] if "/" in primary else f"mrk-{c.digest(32)}"
    return {
        "id": key_id,
        "keyId": key_id,
        "arn": f"arn:aws:kms:{c.region}:{c.account}:key/{key_id}",
    }


def _uuid(c: Context) -> str:
    d = c.digest(32)
    return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"


def _kms_alias(c: Context) -> dict[str, Any]:
    name = c.given("name", f"alias/{c.name}")
    return {"id": name, "name": name, "arn": f"arn:aws:kms:{c.region}:{c.account}:{name}"}


def _bucket(c: Context) -> dict[str, Any]:
    bucket = c.given("bucket", c.autoname(lower=True))
    return {
        "id": bucket,
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "region": c.region,
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{c.region}.amazonaws.com",
    }


def _iam(kind: str) -> Callable[[Context], dict[str, Any]]:
    def compute(c: Context) -> dict[str, Any]:
        name = c.given("name", c.autoname(64))
        path = c.given("path", "/")
        return {
            "id": name if kind == "role" else f"arn:aws:iam::{c.account}:{kind}{path}{name}",
            "name": name,
            "arn": f"arn:aws:iam::{c.account}:{kind}{path}{name}",
            "uniqueId": "AROA" + c.digest(17, UPPER),
        }

    return compute


def _db_instance(c: Context) -> dict[str, Any]:
    ident = c.given("identifier", c.autoname(63, lower=True))
    port = c.inputs.get("port") or (3306 if "mysql" in str(c.inputs.get("engine", "")) else 5432)
    address = f"{ident}.{c.digest(12)}.{c.region}.rds.amazonaws.com"
    return {
        "id": ident,
        "identifier": ident,
        "arn": f"arn:aws:rds:{c.region}:{c.account}:db:{ident}",
        "address": address,
        "endpoint": f"{address}:{port}",
        "port": port,
        "resourceId": "db-" + c.digest(26, UPPER),
        **_master_secret(c, f"db-{c.digest(8)}"),
    }


def _db_cluster(c: Context) -> dict[str, Any]:
    ident = c.given("clusterIdentifier", c.autoname(63, lower=True))
    port = c.inputs.get("port") or (3306 if "mysql" in str(c.inputs.get("engine", "")) else 5432)
    suffix = f"{c.digest(12)}.{c.region}.rds.amazonaws.com"
    return {
        "id": ident,
        "clusterIdentifier": ident,
        "arn": f"arn:aws:rds:{c.region}:{c.account}:cluster:{ident}",
        "endpoint": f"{ident}.cluster-{suffix}",
        "readerEndpoint": f"{ident}.cluster-ro-{suffix}",
        "port": port,
        "clusterResourceId": "cluster-" + c.digest(26, UPPER),
        **_master_secret(c, f"cluster-{c.digest(8)}"),
    }


def _master_secret(c: Context, owner: str) -> dict[str, Any]:
    if not c.inputs.get("manageMasterUserPassword"):
        return {}
    arn = f"arn:aws:secretsmanager:{c.region}:{c.account}:secret:rds!{owner}-{c.digest(6)}"
    key = c.inputs.get("masterUserSecretKmsKeyId", "")
    return {"masterUserSecrets": [{"secretArn": arn, "kmsKeyId": key, "secretStatus": "active"}]}


def _cluster_member(domain: str, default_port: int) -> Callable[[Context], dict[str, Any]]:
    """A cluster's instance (Aurora, DocumentDB): endpoint under `domain`."""

    def compute(c: Context) -> dict[str, Any]:
        ident = c.given("identifier", c.autoname(63, lower=True))
        return {
            "id": ident,
            "identifier": ident,
            "arn": f"arn:aws:rds:{c.region}:{c.account}:db:{ident}",
            "endpoint": f"{ident}.{c.digest(12)}.{c.region}.{domain}",
            "port": c.inputs.get("port") or default_port,
            "dbiResourceId": "db-" + c.digest(26, UPPER),
        }

    return compute


def _global_cluster(c: Context) -> dict[str, Any]:
    ident = c.given("globalClusterIdentifier", c.autoname(63, lower=True))
    return {
        "id": ident,
        "arn": f"arn:aws:rds::{c.account}:global-cluster:{ident}",
        "globalClusterResourceId": "cluster-" + c.digest(26, UPPER),
    }


def _rds_named(kind: str) -> Callable[[Context], dict[str, Any]]:
    def compute(c: Context) -> dict[str, Any]:
        name = c.given("name", c.autoname(255, lower=True))
        return {
            "id": name,
            "name": name,
            "arn": f"arn:aws:rds:{c.region}:{c.account}:{kind}:{name}",
        }

    return compute


def _replication_group(c: Context) -> dict[str, Any]:
    ident = c.given("replicationGroupId", c.autoname(40, lower=True))
    zone = f"{c.digest(6)}.{_region_code(c.region)}.cache.amazonaws.com"
    cluster_mode = (c.inputs.get("numNodeGroups") or 1) > 1 or c.inputs.get(
        "clusterMode"
    ) == "enabled"
    out: dict[str, Any] = {
        "id": ident,
        "replicationGroupId": ident,
        "arn": f"arn:aws:elasticache:{c.region}:{c.account}:replicationgroup:{ident}",
        "port": c.inputs.get("port") or 6379,
    }
    if cluster_mode:
        out["configurationEndpointAddress"] = f"clustercfg.{ident}.{zone}"
    else:
        out["primaryEndpointAddress"] = f"master.{ident}.{zone}"
        out["readerEndpointAddress"] = f"replica.{ident}.{zone}"
    return out


def _region_code(region: str) -> str:
    parts = region.split("-")
    return "".join(p[0] if not p.isdigit() else p for p in parts)


def _elasticache_named(kind: str, key: str) -> Callable[[Context], dict[str, Any]]:
    def compute(c: Context) -> dict[str, Any]:
        ident = c.given(key, c.autoname(40, lower=True))
        return {
            "id": ident,
            key: ident,
            "arn": f"arn:aws:elasticache:{c.region}:{c.account}:{kind}:{ident}",
        }

    return compute


def _security_group(c: Context) -> dict[str, Any]:
    sg = "sg-" + c.digest(17)
    return {
        "id": sg,
        "name": c.given("name", c.autoname(255)),
        "arn": f"arn:aws:ec2:{c.region}:{c.account}:security-group/{sg}",
    }


def _secret(c: Context) -> dict[str, Any]:
    name = c.given("name", c.autoname(256))
    arn = f"arn:aws:secretsmanager:{c.region}:{c.account}:secret:{name}-{c.digest(6)}"
    return {"id": arn, "arn": arn, "name": name}


def _log_group(c: Context) -> dict[str, Any]:
    name = c.given("name", c.autoname(512))
    return {
        "id": name,
        "name": name,
        "arn": f"arn:aws:logs:{c.region}:{c.account}:log-group:{name}",
    }


def _pod_identity(c: Context) -> dict[str, Any]:
    assoc = "a-" + c.digest(17)
    cluster = c.given("clusterName", "cluster")
    return {
        "id": f"{cluster},{assoc}",
        "associationId": assoc,
        "associationArn": (
            f"arn:aws:eks:{c.region}:{c.account}:podidentityassociation/{cluster}/{assoc}"
        ),
    }


def _dynamodb_table(c: Context) -> dict[str, Any]:
    name = c.given("name", c.autoname(255))
    arn = f"arn:aws:dynamodb:{c.region}:{c.account}:table/{name}"
    out: dict[str, Any] = {"id": name, "name": name, "arn": arn}
    if c.inputs.get("streamEnabled"):
        label = "2026-01-01T00:00:00.000"
        out.update(streamLabel=label, streamArn=f"{arn}/stream/{label}")
    return out


def _scalable_target(c: Context) -> dict[str, Any]:
    resource = c.given("resourceId", c.name)
    dimension = c.given("scalableDimension", "")
    namespace = c.given("serviceNamespace", "dynamodb")
    return {
        "id": resource,
        "arn": (
            f"arn:aws:application-autoscaling:{c.region}:{c.account}:scalable-target/"
            f"{c.digest(4)}{_uuid(c).replace('-', '')}"
        ),
        "roleArn": (
            f"arn:aws:iam::{c.account}:role/aws-service-role/{namespace}.application-autoscaling"
            f".amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable"
        ),
        "scalableDimension": dimension,
    }


def _scaling_policy(c: Context) -> dict[str, Any]:
    name = c.given("name", c.autoname(255))
    return {
        "id": name,
        "name": name,
        "arn": (
            f"arn:aws:autoscaling:{c.region}:{c.account}:scalingPolicy:{_uuid(c)}:resource/"
            f"{c.given('serviceNamespace', 'dynamodb')}/{c.given('resourceId', '')}"
            f":policyName/{name}"
        ),
    }


def _docdb_cluster(c: Context) -> dict[str, Any]:
    ident = c.given("clusterIdentifier", c.autoname(63, lower=True))
    suffix = f"{c.digest(12)}.{c.region}.docdb.amazonaws.com"
    return {
        "id": ident,
        "clusterIdentifier": ident,
        "arn": f"arn:aws:rds:{c.region}:{c.account}:cluster:{ident}",
        "endpoint": f"{ident}.cluster-{suffix}",
        "readerEndpoint": f"{ident}.cluster-ro-{suffix}",
        "port": c.inputs.get("port") or 27017,
        "clusterResourceId": "cluster-" + c.digest(26, UPPER),
        **_master_secret(c, f"cluster-{c.digest(8)}"),
    }


TABLE: dict[str, Callable[[Context], dict[str, Any]]] = {
    "aws:kms/key:Key": _kms_key,
    "aws:kms/replicaKey:ReplicaKey": _replica_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:iam/role:Role": _iam("role"),
    "aws:iam/policy:Policy": _iam("policy"),
    "aws:iam/user:User": _iam("user"),
    "aws:rds/instance:Instance": _db_instance,
    "aws:rds/cluster:Cluster": _db_cluster,
    "aws:rds/clusterInstance:ClusterInstance": _cluster_member("rds.amazonaws.com", 5432),
    "aws:rds/globalCluster:GlobalCluster": _global_cluster,
    "aws:rds/parameterGroup:ParameterGroup": _rds_named("pg"),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": _rds_named("cluster-pg"),
    "aws:rds/subnetGroup:SubnetGroup": _rds_named("subgrp"),
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:elasticache/user:User": _elasticache_named("user", "userId"),
    "aws:elasticache/userGroup:UserGroup": _elasticache_named("usergroup", "userGroupId"),
    "aws:elasticache/subnetGroup:SubnetGroup": _elasticache_named("subnetgroup", "name"),
    "aws:elasticache/parameterGroup:ParameterGroup": _elasticache_named("parametergroup", "name"),
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": _pod_identity,
    "aws:dynamodb/table:Table": _dynamodb_table,
    "aws:appautoscaling/target:Target": _scalable_target,
    "aws:appautoscaling/policy:Policy": _scaling_policy,
    "aws:docdb/cluster:Cluster": _docdb_cluster,
    # DocumentDB instances listen on the cluster's port (27017 unless the cluster says).
    "aws:docdb/clusterInstance:ClusterInstance": _cluster_member("docdb.amazonaws.com", 27017),
    "aws:docdb/clusterParameterGroup:ClusterParameterGroup": _rds_named("cluster-pg"),
    "aws:docdb/subnetGroup:SubnetGroup": _rds_named("subgrp"),
}


def _random_password(c: Context) -> dict[str, Any]:
    # The provider draws `length` characters; here they come from the URN's digest (the
    # plan must be stable). `result` and `bcryptHash` are secret outputs
    # (additional_secret_outputs in pulumi_random), so the plan shows them as [secret].
    length = c.inputs.get("length")
    size = length if isinstance(length, int) and 0 < length <= 64 else 32
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    result = (c.digest(64, alphabet) * 2)[:size]
    return {"id": "none", "result": result, "bcryptHash": f"$2a$10${c.digest(53, alphabet)}"}


def _random_id(c: Context) -> dict[str, Any]:
    # `hex` has two characters per byte of `byteLength` (default here: 4), as the provider.
    length = c.inputs.get("byteLength")
    size = length if isinstance(length, int) and 0 < length <= 32 else 4
    hex_value = c.digest(2 * size)
    raw = bytes.fromhex(hex_value)
    b64 = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return {
        "id": b64,
        "hex": f"{c.inputs.get('prefix') or ''}{hex_value}",
        "b64Url": b64,
        "b64Std": base64.b64encode(raw).decode(),
        "dec": str(int(hex_value, 16)),
    }


TABLE.update(
    {
        "random:index/randomPassword:RandomPassword": _random_password,
        "random:index/randomId:RandomId": _random_id,
    }
)


def computed_outputs(type_: str, ctx: Context) -> dict[str, Any]:
    """Computed outputs for one resource: the type's table entry, else a stable id."""
    compute = TABLE.get(type_)
    if compute is not None:
        return compute(ctx)
    if type_.startswith("kubernetes:"):
        return {"id": f"{ctx.name}-{ctx.digest(7)}"}
    return {"id": f"{re.sub(r'[^A-Za-z0-9-]', '-', ctx.name)}-{ctx.digest(7)}"}
