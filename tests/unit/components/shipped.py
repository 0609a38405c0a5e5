"""The shipped stacks, run by the engine `storagectl` ships, with small queries for tests.

`build(stack)` runs the real program (`__main__.py`, through `storagectl.engine.run_program`)
with the config of `stacks/Pulumi.<stack>.yaml`: the engine's own `RecordingMonitor` and its
one table of computed outputs (`storagectl/engine/computed.py`). Nothing here models the
engine; this module only reads what the engine recorded (secrets unwrapped, so tests can
look inside them, and which inputs were secret kept beside).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pulumi.runtime import rpc

from components.spec import EnvironmentSpec
from stackspec import load_stack_file, read_stack_file
from storagectl.engine import Registration, run_program
from tests.plans import REPO

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
    """One registration as the engine recorded it, secrets unwrapped."""

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
    property_dependencies: dict[str, list[str]]
    """URNs each input depends on (how the engine links a resource to the ones it uses)."""
    additional_secret_outputs: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, registration: Registration) -> Resource:
        """The view of one engine registration."""
        revealed = {key: reveal(value) for key, value in registration.inputs.items()}
        return cls(
            urn=registration.urn,
            type=registration.type,
            name=registration.name,
            parent=registration.parent or "",
            provider=registration.provider or "",
            protect=registration.protect,
            retain_on_delete=registration.retain_on_delete,
            delete_before_replace=registration.delete_before_replace,
            ignore_changes=list(registration.ignore_changes),
            inputs={key: value for key, (value, _) in revealed.items()},
            secret_inputs={key for key, (_, secret) in revealed.items() if secret},
            property_dependencies=dict(registration.property_dependencies),
            additional_secret_outputs=list(registration.additional_secret_outputs),
            outputs=reveal(dict(registration.outputs))[0],
        )

    def uses(self, other: Resource, prop: str) -> bool:
        """Whether input `prop` is built from `other`'s outputs."""
        return other.urn in self.property_dependencies.get(prop, [])


@dataclass
class Run:
    """What one engine run of a shipped stack registered."""

    spec: EnvironmentSpec
    resources: list[Resource]
    environment_outputs: dict[str, Any]
    """The stack outputs, secrets still wrapped."""

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
        return self.named(f"{self.spec.prefix}-{logical}", CACHE_TYPE)

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


def run_stack_file(stack: str, path: Any) -> Run:
    """Run the program with the config of the stack file at `path` as stack `stack`."""
    source = read_stack_file(path)
    spec = load_stack_file(path)
    program = run_program(REPO, stack, source.config, source.secret_keys)
    return Run(spec, [Resource.of(r) for r in program.registrations], program.stack_outputs)


@cache
def build(stack: str) -> Run:
    """The shipped stack `stacks/Pulumi.<stack>.yaml`, run once per test session."""
    return run_stack_file(stack, REPO / "stacks" / f"Pulumi.{stack}.yaml")


def urn_message(resource: Resource, what: str) -> str:
    """Assertion message: the URN, then what is wrong."""
    return f"{resource.urn}: {what}"
