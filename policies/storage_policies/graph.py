"""Reading the resource graph in stack rules.

Satellites (a bucket's versioning, a database's parameter group, a role's policies) are
linked to their owner through *property dependencies*: the satellite's `bucket` input
depends on the bucket's URN. Those exist during preview, when ids and ARNs are still
unknown, so linking never needs a computed value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from .props import as_mapping


def of_type(args: StackValidationArgs, types: Iterable[str]) -> list[PolicyResource]:
    """The stack's resources whose type token is one of `types`."""
    wanted = set(types)
    return [resource for resource in args.resources if resource.resource_type in wanted]


def linked(resource: PolicyResource, prop: str, types: Iterable[str]) -> list[PolicyResource]:
    """Resources of `types` that `resource`'s input `prop` depends on."""
    wanted = set(types)
    return [
        dep for dep in resource.property_dependencies.get(prop, []) if dep.resource_type in wanted
    ]


def dependents(
    target: PolicyResource,
    candidates: Iterable[PolicyResource],
    prop: str,
) -> list[PolicyResource]:
    """Those `candidates` whose input `prop` depends on `target`."""
    return [
        candidate
        for candidate in candidates
        if any(dep.urn == target.urn for dep in candidate.property_dependencies.get(prop, []))
    ]


def satellites(
    owner: PolicyResource,
    args: StackValidationArgs,
    types: Iterable[str],
    prop: str = "bucket",
) -> list[PolicyResource]:
    """Resources of `types` attached to `owner` through their `prop` input."""
    return dependents(owner, of_type(args, types), prop)


def region(resource: PolicyResource) -> str | None:
    """The region a resource lives in: its own v7 `region` input, else its provider's."""
    own = _known(resource.props, "region")
    if isinstance(own, str) and own:
        return own
    if resource.provider is not None:
        configured = _known(resource.provider.props, "region")
        if isinstance(configured, str) and configured:
            return configured
    return None


def default_tags(provider_props: Mapping[str, Any]) -> Mapping[str, Any]:
    """The provider's ``defaultTags.tags`` (the provider sends ``defaultTags`` as JSON)."""
    raw = _known(provider_props, "defaultTags")
    return as_mapping(as_mapping(raw).get("tags"))


def each_decidable(
    resources: Iterable[PolicyResource], check: Callable[[PolicyResource], None]
) -> None:
    """Run `check` per resource; one that meets an unknown value is skipped, not judged.

    The engine would abort the whole stack rule on the first unknown value; skipping per
    resource keeps the rule useful in preview without ever guessing.
    """
    for resource in resources:
        try:
            check(resource)
        except UnknownValueError:
            continue


def decidable(values: Iterator[Any]) -> Iterator[Any]:
    """Yield from `values`, stopping quietly at the first unknown value."""
    try:
        yield from values
    except UnknownValueError:
        return


def _known(props: Mapping[str, Any], key: str) -> Any:
    try:
        return props.get(key)
    except UnknownValueError:
        return None
