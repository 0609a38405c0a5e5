"""`--limit`: narrow a run to some resources, named the way a user thinks of them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class LimitError(ValueError):
    """A limit that matches no resource of the plan."""


def resolve_limits(plan: dict[str, Any], limits: Iterable[str]) -> list[str]:
    """URNs that `limits` select in `plan`, sorted.

    A limit may be a stack-file key (`databases.orders`, with or without the
    `backend-storage:` prefix: every resource declared by that entry), a resource's
    logical name (`backend-storage-prod-orders-writer`), or a URN.

    The URNs returned are the plan's, which are the engine's own
    (`storagectl.engine.urns`): the engine accepts a `--target` only if it names a
    resource in the stack's state or one the program registers in this run
    (pulumi/pulumi `pkg/resource/deploy/deployment_executor.go` `checkTargets`), so a
    target in any other form fails with "could not be found in the stack".
    """
    selected: set[str] = set()
    for limit in limits:
        matched = _match(plan, limit)
        if not matched:
            hint = ""
            if limit.startswith("urn:pulumi:") and "pulumi:pulumi:Stack$" in limit:
                # The SDK mock's form, which older plans printed; the engine never builds it.
                hint = " (children of the stack have no `pulumi:pulumi:Stack$` prefix)"
            raise LimitError(
                f"--limit {limit}: matches no resource of stack {plan['stack']}{hint}; use a "
                "stack-file key (databases.orders), a resource name or a URN from "
                "`storagectl plan` or `pulumi stack --show-urns`"
            )
        selected |= matched
    return sorted(selected)


def _match(plan: dict[str, Any], limit: str) -> set[str]:
    key = limit if ":" in limit.split(".", 1)[0] else f"{plan['project']}:{limit}"
    found = set()
    for resource in plan["resources"]:
        source = resource.get("source") or {}
        if limit in (resource["urn"], resource["name"]) or source.get("key") == key:
            found.add(resource["urn"])
    return found
