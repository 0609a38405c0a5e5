"""Reading the resource graph in stack rules.

Satellites (a bucket's versioning, a database's parameter group, a role's policies) are
linked to their owner through *property dependencies*: the satellite's `bucket` input
depends on the bucket's URN. Those exist during preview, when ids and ARNs are still
unknown, so linking never needs a computed value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from weakref import WeakKeyDictionary

from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from .props import as_mapping

#: Per-validation indexes (resources by type, dependents by target), built on first use:
#: stack rules ask "the satellites of this bucket" once per bucket, which is quadratic
#: without them (an audit of 10,000 resources spent seconds scanning).
_INDEXES: WeakKeyDictionary[StackValidationArgs, _Index] = WeakKeyDictionary()


class _Index:
    def __init__(self, resources: list[PolicyResource]) -> None:
        # Each resource with its stack position, so that resources of several types come
        # back in stack order without another pass over the whole stack.
        self.by_type: dict[str, list[tuple[int, PolicyResource]]] = {}
        for position, resource in enumerate(resources):
            self.by_type.setdefault(resource.resource_type, []).append((position, resource))
        self.dependents: dict[tuple[tuple[str, ...], str], dict[str, list[PolicyResource]]] = {}


def _index(args: StackValidationArgs) -> _Index:
    index = _INDEXES.get(args)
    if index is None:
        index = _INDEXES[args] = _Index(list(args.resources))
    return index


def of_type(args: StackValidationArgs, types: Iterable[str]) -> list[PolicyResource]:
    """The stack's resources whose type token is one of `types` (in stack order)."""
    by_type = _index(args).by_type
    wanted = list(dict.fromkeys(types))
    if len(wanted) == 1:
        return [resource for _, resource in by_type.get(wanted[0], [])]
    found = [entry for t in wanted for entry in by_type.get(t, [])]
    found.sort(key=lambda entry: entry[0])
    return [resource for _, resource in found]


def linked(resource: PolicyResource, prop: str, types: Iterable[str]) -> list[PolicyResource]:
    """Resources of `types` that `resource`'s input `prop` depends on."""
    wanted = set(types)
    return [
        dep for dep in resource.property_dependencies.get(prop, []) if dep.resource_type in wanted
    ]


def satellites(
    owner: PolicyResource,
    args: StackValidationArgs,
    types: Iterable[str],
    prop: str = "bucket",
) -> list[PolicyResource]:
    """Resources of `types` attached to `owner` through their `prop` input (stack order).

    Indexed once per validation: ask this instead of filtering `of_type` per owner, which
    makes a rule quadratic in the stack (one scan of a type per resource judged).
    """
    key = (tuple(types), prop)
    index = _index(args)
    targets = index.dependents.get(key)
    if targets is None:
        targets = index.dependents[key] = {}
        for candidate in of_type(args, key[0]):
            for urn in dict.fromkeys(
                dep.urn for dep in candidate.property_dependencies.get(prop, [])
            ):
                targets.setdefault(urn, []).append(candidate)
    return list(targets.get(owner.urn, []))


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
