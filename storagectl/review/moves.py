"""Which resources of the new plan the engine finds in the old state under an alias.

`pulumi up` looks a registered resource up first by its URN, then by each of its aliases
(pulumi/pulumi ``pkg/resource/deploy/step_generator.go`` ``getOldResource``): the aliases
it declares (the plan's ``aliases``, resolved to URNs by the offline engine) and, when its
parent was itself found under an alias, the ones it inherits from it
(`storagectl.engine.urns.generate_aliases`). A resource found that way is the old one,
moved or renamed: updated in place, never deleted and created again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..engine.urns import generate_aliases


def find_moves(
    base: Iterable[Mapping[str, Any]], head: Iterable[Mapping[str, Any]]
) -> dict[str, str]:
    """New URN → old URN for every head resource that the engine matches through an alias.

    `head` is in registration order (the plan's order): a parent is registered, and so
    matched, before its children. An old resource is claimed at most once, and never while
    a head resource still has its URN (the engine reports such a claim as an error).
    """
    old = {r["urn"] for r in base}
    head = list(head)
    current = {r["urn"] for r in head}
    moves: dict[str, str] = {}
    for resource in head:
        urn = resource["urn"]
        if urn in old:
            continue
        parent = resource.get("parent") or ""
        own = [a for a in resource.get("aliases") or [] if isinstance(a, str)]
        candidates = generate_aliases(
            resource["name"], resource["type"], parent, own, moves.get(parent)
        )
        claimed = set(moves.values())
        for candidate in candidates:
            if candidate in old and candidate not in current and candidate not in claimed:
                moves[urn] = candidate
                break
    return moves
