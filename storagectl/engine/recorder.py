"""A mock monitor that records every registration exactly as the engine would receive it.

URNs are the engine's (`storagectl.engine.urns`), not the SDK mock's: the monitor answers
each registration with that URN, so parents, providers and dependencies that the program
sends back in later requests carry it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor, Mocks
from pulumi.runtime.settings import get_project, get_stack
from pulumi.runtime.sync_await import _ensure_event_loop

from .urns import ROOT_STACK_TYPE, AliasSpec, alias_urn, resource_urn


@dataclass
class Registration:
    """One RegisterResource request, with the options the SDK's MockResourceArgs leaves out."""

    urn: str
    type: str
    name: str
    parent: str | None
    provider: str | None
    custom: bool
    protect: bool
    retain_on_delete: bool
    delete_before_replace: bool
    ignore_changes: list[str]
    additional_secret_outputs: list[str]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    """The URNs the `aliases` option names, resolved as the engine resolves them."""


class DuplicateURNError(Exception):
    """Two registrations with one URN: `pulumi up` stops with this same error."""


def _provider_urn(reference: str) -> str | None:
    # Provider references are "<urn>::<id>"; the URN itself contains "::".
    if not reference:
        return None
    return reference.rsplit("::", 1)[0]


def _aliases(request: Any) -> list[str]:
    """Alias URNs of a RegisterResource request, in the order given, without repeats.

    The SDK sends alias specs (the mock monitor advertises the `aliasSpecs` feature);
    older SDKs send ready URNs in `aliasURNs`.
    """
    found: list[str] = []
    for alias in request.aliases:
        if alias.HasField("spec"):
            spec = alias.spec
            parts = AliasSpec(
                name=spec.name,
                type=spec.type,
                stack=spec.stack,
                project=spec.project,
                parent_urn=spec.parentUrn,
                no_parent=spec.noParent,
            )
        else:
            parts = AliasSpec(urn=alias.urn)
        found.append(
            alias_urn(get_stack(), get_project(), request.name, request.type, request.parent, parts)
        )
    found += list(request.aliasURNs)
    return list(dict.fromkeys(found))


class RecordingMonitor(MockMonitor):
    """MockMonitor that keeps the full request of every resource, in registration order."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self.stack_outputs: dict[str, Any] = {}
        self.stack_urn: str | None = None
        self._seen: set[str] = set()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The engine's URN (the SDK mock keeps only the parent's last type)."""
        return resource_urn(get_stack(), get_project(), parent, type_, name)

    def RegisterResource(self, request: Any) -> Any:
        if request.type == ROOT_STACK_TYPE:
            response = super().RegisterResource(request)
            self.stack_urn = response.urn
            return response
        _ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        urn = self.make_urn(request.parent, request.type, request.name)
        if urn in self._seen:
            # The engine refuses a second registration of one URN (step_generator.go
            # `generateURN`, diag.GetDuplicateResourceURNError); so does the plan.
            raise DuplicateURNError(f"Duplicate resource URN '{urn}'; try giving it a unique name")
        self._seen.add(urn)
        record = Registration(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            provider=_provider_urn(request.provider),
            custom=bool(request.custom),
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=bool(request.deleteBeforeReplace),
            ignore_changes=list(request.ignoreChanges),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            dependencies=sorted(set(request.dependencies)),
            property_dependencies={
                key: sorted(set(deps.urns)) for key, deps in request.propertyDependencies.items()
            },
            inputs=dict(inputs),
            aliases=_aliases(request),
        )
        self.registrations.append(record)
        seed = getattr(self.mocks, "registering", None)
        if seed is not None:
            seed(urn)
        try:
            response = super().RegisterResource(request)
        finally:
            if seed is not None:
                seed(None)
        registered = self.resources.get(urn)
        if registered is not None:
            record.outputs = dict(registered.state)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if self.stack_urn is not None and request.urn == self.stack_urn:
            _ensure_event_loop()
            self.stack_outputs = rpc.deserialize_properties(request.outputs, keep_unknowns=True)
        return super().RegisterResourceOutputs(request)
