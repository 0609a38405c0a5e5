"""Run the CrossGuard pack offline over a plan document.

The pack's own rule objects are called with `pulumi_policy`'s own argument objects, built
the way the engine's analyzer builds them: resource rules see each resource's *inputs*,
stack rules see every resource's *outputs* with parents and (property) dependencies
resolved to `PolicyResource` objects. Plan markers are turned back into what the engine
sends: ``"[unknown]"`` becomes the SDK's unknown sentinel, so reading it raises
`UnknownValueError` inside the rule, which (as under `pulumi preview`) means "cannot judge
yet", never a violation.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from .config import PolicyConfigError, read_policy_config

__all__ = ["PolicyConfigError", "config_for_stack", "evaluate_plan", "load_pack", "read_config"]

#: The pack lives beside the driver; it is imported from there, never copied.
PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
#: The plan contract's marker for a value unknown during preview.
UNKNOWN_MARKER = "[unknown]"
_STACK_TYPE = "pulumi:pulumi:Stack"


def load_pack() -> ModuleType:
    """Import `storage_policies` from `policies/` (the pack's own directory)."""
    if str(PACK_DIR) not in sys.path:
        sys.path.insert(0, str(PACK_DIR))
    import storage_policies

    return storage_policies


def config_for_stack(stack: str) -> Path | None:
    """The pack config shipped for `stack` (``policies/config/<stack>.json``), if any."""
    path = PACK_DIR / "config" / f"{stack}.json"
    return path if path.exists() else None


@dataclass(frozen=True)
class _Setting:
    level: EnforcementLevel
    properties: Mapping[str, Any]


def read_config(config_file: Path | None, rules: Iterable[Any]) -> dict[str, Any]:
    """The validated config document (see `storagectl.policy.config`); {} without a file."""
    if config_file is None:
        return {}
    return read_policy_config(config_file, rules)


def _settings(rule: Any, config: Mapping[str, Any]) -> _Setting:
    """Enforcement and properties of one rule: its own entry, else ``all``, else advisory."""
    level = rule.policy.enforcement_level or EnforcementLevel.ADVISORY
    everything = config.get("all")
    if isinstance(everything, Mapping):
        everything = everything.get("enforcementLevel")
    if isinstance(everything, str):
        level = EnforcementLevel(everything)
    entry = config.get(rule.name)
    properties: dict[str, Any] = {}
    schema = rule.policy.config_schema
    if schema is not None:
        # The CLI fills schema defaults in before the pack sees its config; so do we.
        properties.update(
            {key: spec["default"] for key, spec in schema.properties.items() if "default" in spec}
        )
    if isinstance(entry, str):
        level = EnforcementLevel(entry)
    elif isinstance(entry, Mapping):
        if "enforcementLevel" in entry:
            level = EnforcementLevel(entry["enforcementLevel"])
        properties.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
    if level == EnforcementLevel.REMEDIATE:
        # The engine reports a violation that survived remediation as mandatory.
        level = EnforcementLevel.MANDATORY
    return _Setting(level, properties)


def engine_value(value: Any) -> Any:
    """A plan value as the engine's analyzer would hand it to the pack."""
    if value == UNKNOWN_MARKER:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, dict):
        return {key: engine_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [engine_value(item) for item in value]
    return value


def _props(values: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return unknown_checking_proxy(engine_value(dict(values or {})))


def _options(resource: Mapping[str, Any]) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=bool(resource.get("protect")),
        ignore_changes=list(resource.get("ignore_changes") or []),
        delete_before_replace=resource.get("delete_before_replace"),
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=list(resource.get("additional_secret_outputs") or []),
        parent=resource.get("parent"),
    )


class _Graph:
    """The plan's resources as the engine's analyzer objects, built once per evaluation."""

    def __init__(self, plan: Mapping[str, Any]) -> None:
        self.resources: list[Mapping[str, Any]] = list(plan.get("resources", []))
        self.by_urn = {r["urn"]: r for r in self.resources}
        self.providers = {
            r["urn"]: PolicyProviderResource(
                r["type"], _props(r.get("inputs")), r["urn"], r["name"]
            )
            for r in self.resources
            if str(r["type"]).startswith("pulumi:providers:")
        }
        self.stack_resources = self._stack_resources()
        # Built once per resource and shared by every rule, as the pack's analyzer server
        # builds one set of arguments per Analyze call: converting the properties per
        # (rule, resource) pair was most of the policy time (57 rules x N resources).
        self._parts: dict[str, tuple[Any, PolicyResourceOptions, Any]] = {}

    def provider(self, resource: Mapping[str, Any]) -> PolicyProviderResource | None:
        ref = str(resource.get("provider") or "")
        if ref in self.providers:
            return self.providers[ref]
        # A provider reference may be written `<urn>::<id>`, as the engine does.
        return self.providers.get(ref.rsplit("::", 1)[0])

    def resource_args(
        self, resource: Mapping[str, Any], config: Mapping[str, Any]
    ) -> ResourceValidationArgs:
        urn = resource["urn"]
        parts = self._parts.get(urn)
        if parts is None:
            parts = (_props(resource.get("inputs")), _options(resource), self.provider(resource))
            self._parts[urn] = parts
        props, options, provider = parts
        return ResourceValidationArgs(
            resource["type"], props, urn, resource["name"], options, provider, dict(config)
        )

    def _stack_resources(self) -> list[PolicyResource]:
        built = {
            r["urn"]: PolicyResource(
                r["type"],
                _props(r.get("outputs") if r.get("outputs") is not None else r.get("inputs")),
                r["urn"],
                r["name"],
                _options(r),
                self.provider(r),
                None,
                [],
                {},
            )
            for r in self.resources
        }
        for r in self.resources:
            target = built[r["urn"]]
            target.parent = built.get(r.get("parent") or "")
            target.dependencies = [built[d] for d in r.get("dependencies") or [] if d in built]
            target.property_dependencies = {
                prop: [built[d] for d in deps if d in built]
                for prop, deps in (r.get("property_dependencies") or {}).items()
            }
        return list(built.values())


def evaluate_plan(plan: Mapping[str, Any], config_file: Path | None = None) -> list[dict[str, Any]]:
    """Every violation the pack reports on `plan`, with the config file's enforcement applied.

    Disabled rules are skipped. A rule that meets an unknown value is not judged for that
    resource (the engine reports that as "can't run during preview", not as a violation).
    """
    pack = load_pack()
    rules = list(pack.REGISTRY)
    config = read_config(config_file, rules)
    graph = _Graph(plan)
    violations: list[dict[str, Any]] = []
    for rule in rules:
        setting = _settings(rule, config)
        if setting.level == EnforcementLevel.DISABLED:
            continue
        for urn, message in _run(rule.policy, graph, setting.properties):
            violations.append(_violation(rule, setting.level, urn, message, graph, plan))
    return violations


def _run(policy: Any, graph: _Graph, properties: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    found: list[tuple[str | None, str]] = []
    if isinstance(policy, ResourceValidationPolicy):
        for resource in graph.resources:
            if resource["type"] == _STACK_TYPE:
                continue
            args = graph.resource_args(resource, properties)

            def report(message: str, urn: str | None = None, _urn: str = resource["urn"]) -> None:
                # A resource policy's violation is always about the resource validated.
                found.append((_urn, message))

            try:
                policy.validate(args, report)
            except UnknownValueError:
                continue
        return found

    def report_stack(message: str, urn: str | None = None) -> None:
        found.append((urn, message))

    with contextlib.suppress(UnknownValueError):
        policy.validate(StackValidationArgs(graph.stack_resources, dict(properties)), report_stack)
    return found


def _violation(
    rule: Any,
    level: EnforcementLevel,
    urn: str | None,
    message: str,
    graph: _Graph,
    plan: Mapping[str, Any],
) -> dict[str, Any]:
    resource = graph.by_urn.get(urn or "")
    return {
        "policy": rule.name,
        "enforcement": level.value,
        "urn": urn or "",
        "name": resource["name"] if resource else str(plan.get("stack", "")),
        "type": resource["type"] if resource else _STACK_TYPE,
        "message": message,
        "controls": list(rule.controls),
        "severity": rule.severity.value,
        "remediation": rule.remediation,
    }
