"""Which resources of the new plan the engine finds in the old state under an alias.

`pulumi up` looks a registered resource up first by its URN, then by each of its aliases
(``pkg/resource/deploy/step_generator.go`` ``getOldResource``). The aliases are those
the resource declares (the plan's ``aliases``, already resolved to URNs by the offline
engine) and, when its parent was itself found under an alias, the alias the child
inherits from it (``generateAliases``/``inheritedChildAlias``). A resource found that way
is the old one, moved or renamed: updated in place, never deleted and created again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..engine.urns import inherited_child_alias, urn_name, urn_type

_PREFIX = "urn:pulumi:"


def _stack_project(urn: str) -> tuple[str, str]:
    stack, project = urn[len(_PREFIX) :].split("::", 2)[:2]
    return stack, project


def _candidates(
    resource: Mapping[str, Any], parent_alias: str | None, parent_name: str
) -> list[str]:
    """The old URNs to try, in the engine's order: declared aliases, then inherited ones."""
    own = [a for a in resource.get("aliases") or [] if isinstance(a, str)]
    found = list(own)
    if parent_alias:
        stack, project = _stack_project(resource["urn"])
        found.append(
            inherited_child_alias(
                stack, project, resource["type"], resource["name"], parent_name, parent_alias
            )
        )
        for alias in own:
            found.append(
                inherited_child_alias(
                    stack, project, urn_type(alias), urn_name(alias), parent_name, parent_alias
                )
            )
    return list(dict.fromkeys(found))


def find_moves(
    base: Iterable[Mapping[str, Any]], head: Iterable[Mapping[str, Any]]
) -> dict[str, str]:
    """New URN → old URN for every head resource that the engine matches through an alias.

    `head` must be in registration order (the plan's order): a parent is registered, and
    so matched, before its children. Each old resource is claimed at most once, and never
    when a head resource still has its URN (the engine reports such a claim as an error).
    """
    old = {r["urn"] for r in base}
    head = list(head)
    current = {r["urn"] for r in head}
    names = {r["urn"]: r["name"] for r in head}
    moves: dict[str, str] = {}
    for resource in head:
        urn = resource["urn"]
        if urn in old:
            continue
        parent = resource.get("parent") or ""
        parent_alias = moves.get(parent)
        for candidate in _candidates(resource, parent_alias, names.get(parent, "")):
            if candidate in old and candidate not in current and candidate not in moves.values():
                moves[urn] = candidate
                break
    return moves
