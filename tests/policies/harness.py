"""Helpers for policy tests, in pulumi-policy's own style.

`ResourceValidationArgs` / `StackValidationArgs` are built directly (props wrapped in the
SDK's unknown-checking proxy, as the engine does) and a rule's validate is called with a
collecting `report_violation`: no engine, no plan, one rule at a time.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
if str(PACK_DIR) not in sys.path:
    sys.path.insert(0, str(PACK_DIR))

from storage_policies import REGISTRY, Registry, tokens  # noqa: E402

#: Re-exported so tests import the pack through one place that set up its path.
__all__ = ["REGISTRY", "Registry", "tokens"]

UNKNOWN = UNKNOWN_STRING_VALUE
REGION = "eu-west-1"
DR_REGION = "eu-central-1"
ACCOUNT = "123456789012"


def urn(type_: str, name: str, stack: str = "prod") -> str:
    """A URN of the test project."""
    return f"urn:pulumi:{stack}::backend-storage::{type_}::{name}"


def options(protect: bool = False) -> PolicyResourceOptions:
    """Resource options as the analyzer builds them."""
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def provider(region: str = REGION, **props: Any) -> PolicyProviderResource:
    """An aws provider of `region`."""
    return PolicyProviderResource(
        "pulumi:providers:aws",
        unknown_checking_proxy({"region": region, **props}),
        urn("pulumi:providers:aws", f"aws-{region}"),
        f"aws-{region}",
    )


def resource_args(
    type_: str,
    props: Mapping[str, Any],
    *,
    name: str = "subject",
    protect: bool = False,
    config: Mapping[str, Any] | None = None,
    stack: str = "prod",
    region: str = REGION,
    provider_props: Mapping[str, Any] | None = None,
) -> ResourceValidationArgs:
    """Arguments for a resource validation of one resource."""
    return ResourceValidationArgs(
        type_,
        unknown_checking_proxy(dict(props)),
        urn(type_, name, stack),
        name,
        options(protect),
        provider(region, **dict(provider_props or {})),
        dict(config or {}),
    )


def _defaults(rule_name: str) -> dict[str, Any]:
    schema = REGISTRY[rule_name].policy.config_schema
    if schema is None:
        return {}
    return {k: v["default"] for k, v in schema.properties.items() if "default" in v}


def run_resource(rule_name: str, args: ResourceValidationArgs) -> list[str]:
    """Messages `rule_name` reports for `args` (config defaults applied, as the CLI does)."""
    found: list[str] = []
    config = {**_defaults(rule_name), **dict(args.get_config())}
    args = ResourceValidationArgs(
        args.resource_type, args.props, args.urn, args.name, args.opts, args.provider, config
    )
    try:
        REGISTRY[rule_name].policy.validate(args, lambda message, urn=None: found.append(message))
    except UnknownValueError:
        return found
    return found


@dataclass
class Stack:
    """A hand-built stack: resources with regions, options and property dependencies."""

    stack: str = "prod"
    resources: list[PolicyResource] = field(default_factory=list)

    def add(
        self,
        type_: str,
        name: str,
        props: Mapping[str, Any] | None = None,
        *,
        deps: Mapping[str, list[PolicyResource]] | None = None,
        region: str = REGION,
        protect: bool = False,
    ) -> PolicyResource:
        """Add a resource whose inputs `deps` depend on the given resources."""
        resource = PolicyResource(
            type_,
            unknown_checking_proxy(dict(props or {})),
            urn(type_, name, self.stack),
            name,
            options(protect),
            provider(region),
            None,
            [d for ds in (deps or {}).values() for d in ds],
            {prop: list(ds) for prop, ds in (deps or {}).items()},
        )
        self.resources.append(resource)
        return resource

    def named(self, name: str) -> PolicyResource:
        """The resource called `name`."""
        return next(r for r in self.resources if r.name == name)

    def drop(self, name: str) -> None:
        """Remove the resource called `name`."""
        self.resources = [r for r in self.resources if r.name != name]

    def replace(self, name: str, props: Mapping[str, Any]) -> None:
        """Give `name` new props (keeping its links)."""
        target = self.named(name)
        target.props = unknown_checking_proxy(dict(props))


def run_stack(
    rule_name: str, stack: Stack, config: Mapping[str, Any] | None = None
) -> list[tuple[str | None, str]]:
    """(urn, message) pairs `rule_name` reports for `stack`."""
    found: list[tuple[str | None, str]] = []
    args = StackValidationArgs(stack.resources, {**_defaults(rule_name), **dict(config or {})})
    REGISTRY[rule_name].policy.validate(
        args, lambda message, urn=None: found.append((urn, message))
    )
    return found


@dataclass(frozen=True)
class RuleCases:
    """STYLE.md's pattern for one resource rule.

    `baseline` passes; each entry of `failing` is one change to it that must fail
    (``None`` deletes the key); removing `absent` passes or fails as `absent_fails` says;
    the failing props on `other_type` pass.
    """

    rule: str
    type: str
    baseline: Mapping[str, Any]
    failing: Mapping[str, Mapping[str, Any]]
    absent: str
    absent_fails: bool
    other_type: str = "aws:sns/topic:Topic"
    protect: bool = False
    config: Mapping[str, Any] = field(default_factory=dict)


def changed(base: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `change` applied (``None`` removes a key)."""
    result = dict(base)
    for key, value in change.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def expand(cases: list[RuleCases]) -> list[Any]:
    """pytest params ``(case, props, type, expect_violation)`` with readable ids."""
    params = []
    for case in cases:
        params.append(
            pytest.param(case, case.baseline, case.type, False, id=f"{case.rule}/baseline")
        )
        for label, change in case.failing.items():
            params.append(
                pytest.param(
                    case, changed(case.baseline, change), case.type, True, id=f"{case.rule}/{label}"
                )
            )
        params.append(
            pytest.param(
                case,
                changed(case.baseline, {case.absent: None}),
                case.type,
                case.absent_fails,
                id=f"{case.rule}/absent-{case.absent}",
            )
        )
        first_failure = next(iter(case.failing.values()))
        params.append(
            pytest.param(
                case,
                changed(case.baseline, first_failure),
                case.other_type,
                False,
                id=f"{case.rule}/other-type",
            )
        )
    return params


def check_case(case: RuleCases, props: Mapping[str, Any], type_: str, expect: bool) -> None:
    """Assert that `case.rule` reports exactly when `expect` says."""
    args = resource_args(type_, props, protect=case.protect, config=case.config)
    found = run_resource(case.rule, args)
    assert bool(found) == expect, f"{case.rule} on {type_} {dict(props)}: {found}"
