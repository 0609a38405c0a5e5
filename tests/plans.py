"""Offline plans of the shipped stacks (built once per session) and helpers to query them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storagectl.planner import plan_stack

REPO = Path(__file__).resolve().parents[1]
STACKS = ("dev", "staging", "prod")

_PLANS: dict[tuple[str, bool], dict[str, Any]] = {}


def plan_of(stack: str, preview: bool = False) -> dict[str, Any]:
    """The plan document of a shipped stack, computed once per test session."""
    key = (stack, preview)
    if key not in _PLANS:
        _PLANS[key] = plan_stack(REPO, stack, REPO / "stacks" / f"Pulumi.{stack}.yaml", preview)
    return _PLANS[key]


def resources_of(plan: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    """Resources of one type token."""
    return [r for r in plan["resources"] if r["type"] == type_]


def by_urn(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Resources keyed by URN."""
    return {r["urn"]: r for r in plan["resources"]}


def satellites(
    plan: dict[str, Any], type_: str, owner_urn: str, prop: str = "bucket"
) -> list[dict[str, Any]]:
    """Resources of `type_` whose `prop` input depends on `owner_urn` (as the policy pack links them)."""
    return [
        r
        for r in resources_of(plan, type_)
        if owner_urn in r["property_dependencies"].get(prop, [])
    ]
