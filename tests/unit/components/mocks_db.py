"""The real StorageEnvironment of a shipped stack, run under the Pulumi SDK's mock runtime.

`build(stack)` loads `stacks/Pulumi.<stack>.yaml`, runs `StorageEnvironment(spec)` with
a `RecordingMonitor` (every RegisterResource request: type, name, parent, provider,
protect, retain-on-delete, inputs with their secret marks) and `StoreMocks` (computed
outputs the way AWS would return them: ARNs with the account and the region of the
resource's provider, endpoints, resource ids, the RDS-managed master secret). A run is
built once per stack and process: the mock runtime holds one program at a time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from components.environment import StorageEnvironment
from components.spec import EnvironmentSpec
from stackspec import load_stack_file

REPO = Path(__file__).resolve().parents[3]
ENVIRONMENT_TYPE = "backend-storage:index:StorageEnvironment"
DATABASE_TYPE = "backend-storage:rds:ManagedDatabase"
CACHE_TYPE = "backend-storage:elasticache:Cache"


def reveal(value: Any) -> tuple[Any, bool]:
    """`value` with every secret wrapper removed, and whether it contained one."""
    if rpc.is_rpc_secret(value):
        inner, _ = reveal(rpc.unwrap_rpc_secret(value))
        return inner, True
    if isinstance(value, dict):
        pairs = {k: reveal(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [reveal(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def masked(value: Any) -> Any:
    """`value` as `pulumi stack output --json` shows it: secrets as `[secret]`."""
    if rpc.is_rpc_secret(value):
        return "[secret]"
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


@dataclass
class Resource:
    """One registered resource, as the engine would receive it."""

    urn: str
    type: str
    name: str
    parent: str
    provider: str
    """URN of the explicit provider (`""`: the default provider of the primary region)."""
    protect: bool
    retain_on_delete: bool
    delete_before_replace: bool
    ignore_changes: list[str]
    inputs: dict[str, Any]
    """Inputs, secrets revealed."""
    secret_inputs: set[str]
    """Top-level input names whose value is (or contains) a secret."""
    id: str = ""
    """The physical id the mock returned."""
    outputs: dict[str, Any] = field(default_factory=dict)


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps every registration and the environment's outputs."""

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[Resource] = []
        self.outputs: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        _ensure_event_loop()
        raw = rpc.deserialize_properties(request.object)
        revealed = {key: reveal(value) for key, value in raw.items()}
        registered = self.resources.get(response.urn)
        self.recorded.append(
            Resource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                provider=request.provider.rsplit("::", 1)[0] if request.provider else "",
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                delete_before_replace=bool(request.deleteBeforeReplace),
                ignore_changes=list(request.ignoreChanges),
                inputs={key: value for key, (value, _) in revealed.items()},
                secret_inputs={key for key, (_, secret) in revealed.items() if secret},
                id=registered.id if registered else "",
                outputs=reveal(dict(registered.state))[0] if registered else {},
            )
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        _ensure_event_loop()
        self.outputs[request.urn] = rpc.deserialize_properties(request.outputs)
        return super().RegisterResourceOutputs(request)


class StoreMocks(pulumi_mocks.Mocks):
    """Computed outputs as AWS returns them; inputs are echoed."""

    def __init__(self, spec: EnvironmentSpec) -> None:
        self.spec = spec
        self.provider_regions: dict[str, str] = {}
        self.seen: dict[tuple[str, str], int] = {}

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = reveal(dict(args.inputs))[0]
        if args.typ.startswith("pulumi:providers:"):
            provider_id = f"{args.name}-id"
            self.provider_regions[provider_id] = inputs.get("region") or self.spec.region
            return provider_id, dict(args.inputs)
        region = self.provider_regions.get(
            (args.provider or "").rsplit("::", 1)[-1], self.spec.region
        )
        # A database and a cache may share a logical name, and so their children's names
        # (their URNs differ by parent type): the seed of generated ids must not collide.
        count = self.seen[(args.typ, args.name)] = self.seen.get((args.typ, args.name), 0) + 1
        seed = args.name if count == 1 else f"{args.name}#{count}"
        computed = _computed(args.typ, seed, inputs, region, self.spec.account_id)
        resource_id = computed.pop("id", f"{args.name}-{_digest(seed, 7)}")
        return resource_id, {**computed, **{k: v for k, v in args.inputs.items() if v is not None}}


def _digest(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def _computed(
    typ: str, name: str, inputs: dict[str, Any], region: str, account: str
) -> dict[str, Any]:
    """Per-type outputs; names the program left to auto-naming get Pulumi's random suffix."""
    seed, name = name, name.split("#")[0]
    auto = f"{name}-{_digest(seed, 7)}"
    rds = f"{_digest(seed, 12)}.{region}.rds.amazonaws.com"
    if typ == "aws:rds/instance:Instance":
        ident = inputs.get("identifier") or auto
        return {
            "id": ident,
            "arn": f"arn:aws:rds:{region}:{account}:db:{ident}",
            "address": f"{ident}.{rds}",
            "endpoint": f"{ident}.{rds}:{inputs.get('port')}",
            "resourceId": "db-" + _digest(ident, 26).upper(),
            **_master_secret(name, inputs, region, account),
        }
    if typ == "aws:rds/cluster:Cluster":
        ident = inputs.get("clusterIdentifier") or auto
        return {
            "id": ident,
            "arn": f"arn:aws:rds:{region}:{account}:cluster:{ident}",
            "endpoint": f"{ident}.cluster-{rds}",
            "readerEndpoint": f"{ident}.cluster-ro-{rds}",
            "clusterResourceId": "cluster-" + _digest(ident, 26).upper(),
            "engine": inputs.get("engine"),
            "engineVersion": inputs.get("engineVersion"),
            **_master_secret(name, inputs, region, account),
        }
    if typ == "aws:rds/clusterInstance:ClusterInstance":
        ident = inputs.get("identifier") or auto
        return {
            "id": ident,
            "arn": f"arn:aws:rds:{region}:{account}:db:{ident}",
            "endpoint": f"{ident}.{rds}",
            "dbiResourceId": "db-" + _digest(ident, 26).upper(),
        }
    if typ == "aws:rds/globalCluster:GlobalCluster":
        ident = inputs["globalClusterIdentifier"]
        return {"id": ident, "arn": f"arn:aws:rds::{account}:global-cluster:{ident}"}
    if typ == "aws:elasticache/replicationGroup:ReplicationGroup":
        ident = inputs["replicationGroupId"]
        zone = f"{_digest(ident, 6)}.{region}.cache.amazonaws.com"
        out = {
            "id": ident,
            "arn": f"arn:aws:elasticache:{region}:{account}:replicationgroup:{ident}",
        }
        if inputs.get("clusterMode") == "enabled":
            return {**out, "configurationEndpointAddress": f"clustercfg.{ident}.{zone}"}
        return {
            **out,
            "primaryEndpointAddress": f"master.{ident}.{zone}",
            "readerEndpointAddress": f"replica.{ident}.{zone}",
        }
    if typ in ("aws:elasticache/user:User", "aws:elasticache/userGroup:UserGroup"):
        kind, key = ("user", "userId") if typ.endswith(":User") else ("usergroup", "userGroupId")
        ident = inputs[key]
        return {"id": ident, "arn": f"arn:aws:elasticache:{region}:{account}:{kind}:{ident}"}
    if typ == "aws:kms/key:Key" or typ == "aws:kms/replicaKey:ReplicaKey":
        key_id = "mrk-" + _digest(name.removesuffix("-replica").removesuffix("-key"), 32)
        return {
            "id": key_id,
            "keyId": key_id,
            "arn": f"arn:aws:kms:{region}:{account}:key/{key_id}",
        }
    if typ == "aws:dynamodb/table:Table":
        table = inputs.get("name") or auto
        arn = f"arn:aws:dynamodb:{region}:{account}:table/{table}"
        stream = {"streamArn": f"{arn}/stream/label"} if inputs.get("streamEnabled") else {}
        return {"id": table, "name": table, "arn": arn, **stream}
    if typ == "aws:docdb/cluster:Cluster":
        ident = inputs.get("clusterIdentifier") or auto
        docdb = f"{_digest(seed, 12)}.{region}.docdb.amazonaws.com"
        return {
            "id": ident,
            "arn": f"arn:aws:rds:{region}:{account}:cluster:{ident}",
            "endpoint": f"{ident}.cluster-{docdb}",
            "readerEndpoint": f"{ident}.cluster-ro-{docdb}",
            **_master_secret(name, inputs, region, account),
        }
    if typ == "aws:ec2/securityGroup:SecurityGroup":
        return {"id": "sg-" + _digest(seed, 17), "name": auto}
    if typ == "aws:secretsmanager/secret:Secret":
        arn = f"arn:aws:secretsmanager:{region}:{account}:secret:{auto}-{_digest(auto, 6)}"
        return {"id": arn, "arn": arn, "name": auto}
    if typ == "aws:iam/role:Role":
        role = inputs.get("name") or auto
        return {"id": role, "name": role, "arn": f"arn:aws:iam::{account}:role/{role}"}
    return {
        "id": auto,
        "name": inputs.get("name") or auto,
        "arn": f"arn:aws:{typ}:{region}:{account}:{auto}",
    }


def _master_secret(name: str, inputs: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    if not inputs.get("manageMasterUserPassword"):
        return {}
    arn = f"arn:aws:secretsmanager:{region}:{account}:secret:rds!{_digest(name, 8)}"
    return {
        "masterUserSecrets": [
            {
                "secretArn": arn,
                "kmsKeyId": inputs.get("masterUserSecretKmsKeyId"),
                "secretStatus": "active",
            }
        ]
    }


@dataclass
class Run:
    """What one mock run of an environment registered."""

    spec: EnvironmentSpec
    resources: list[Resource]
    environment_outputs: dict[str, Any]
    """The StorageEnvironment's outputs (= the stack outputs), secrets still wrapped."""

    def of_type(self, type_: str) -> list[Resource]:
        """Resources of one type token."""
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str, type_: str | None = None) -> Resource:
        """The resource with this logical name (and type: a database and a cache may share
        a logical name, and so the names of their children)."""
        (found,) = [r for r in self.resources if r.name == name and type_ in (None, r.type)]
        return found

    def descendants(self, ancestor: Resource) -> Iterator[Resource]:
        """Every resource below `ancestor` in the parent tree."""
        below = {ancestor.urn}
        for resource in self.resources:  # registration order: parents come first
            if resource.parent in below:
                below.add(resource.urn)
                yield resource

    def within(self, ancestor: Resource, type_: str) -> list[Resource]:
        """Resources of `type_` below `ancestor`."""
        return [r for r in self.descendants(ancestor) if r.type == type_]

    def database(self, logical: str) -> Resource:
        """The ManagedDatabase component of a database of the stack file."""
        return self.named(f"{self.spec.prefix}-{logical}", DATABASE_TYPE)

    def cache(self, logical: str) -> Resource:
        """The Cache component of a cache of the stack file."""
        (found,) = [
            r for r in self.of_type(CACHE_TYPE) if r.name == f"{self.spec.prefix}-{logical}"
        ]
        return found

    def dr_provider(self) -> Resource:
        """The explicit provider of the DR region."""
        return self.named(f"{self.spec.prefix}-dr")

    def key_arn(self, data_class: str, dr: bool = False) -> str:
        """ARN of the environment's key of `data_class` (its DR replica with `dr`)."""
        suffix = "replica" if dr else "key"
        return self.named(f"{self.spec.prefix}-{data_class}-{suffix}").outputs["arn"]

    def region_of(self, resource: Resource) -> str:
        """The region a resource is created in: its provider's, else the stack's."""
        if not resource.provider:
            return self.spec.region
        provider = next(r for r in self.resources if r.urn == resource.provider)
        return provider.inputs.get("region", self.spec.region)


@cache
def build(stack: str) -> Run:
    """Run the real environment of `stacks/Pulumi.<stack>.yaml` under mocks (once per stack)."""
    spec = load_stack_file(REPO / "stacks" / f"Pulumi.{stack}.yaml")
    mocks = StoreMocks(spec)
    monitor = RecordingMonitor(mocks)
    pulumi_mocks.set_mocks(
        mocks, project=spec.project, stack=spec.stack, preview=False, monitor=monitor
    )
    # A fresh root stack per run, as the language host gives every program.
    pulumi_settings.set_root_resource(None)  # type: ignore[arg-type]
    _sync_await(run_in_stack(lambda: StorageEnvironment(spec)))
    (environment,) = [r for r in monitor.recorded if r.type == ENVIRONMENT_TYPE]
    return Run(spec, monitor.recorded, monitor.outputs.get(environment.urn, {}))


def urn_message(resource: Resource, what: str) -> str:
    """Assertion message: the URN, then what is wrong."""
    return f"{resource.urn}: {what}"
