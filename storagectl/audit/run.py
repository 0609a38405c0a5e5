"""Audit one export: read it, map it onto the plan view, judge it with the pack, redact."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

from ..plan import plan_redactor, redact_plan, summarize
from ..planner import OUR_PROJECT
from ..policy.evaluate import PolicyConfigError, config_for_stack, evaluate_plan
from .export import ExportError, read_export
from .view import export_view


def audit_export(path: Path, policy_config: Path | None = None) -> dict[str, Any]:
    """The audit document of the export at `path`: the plan contract, judged and redacted.

    Raises ExportError (bad export) or PolicyConfigError (bad pack config). The pack
    config defaults as for `plan`: our project's stacks use `policies/config/<stack>.json`,
    anything else the pack's defaults (every rule advisory).
    """
    view, plaintexts = export_view(read_export(path), path)
    config = policy_config
    if config is None and view["project"] == OUR_PROJECT:
        config = config_for_stack(view["stack"])
    try:
        violations = evaluate_plan(deployed(view), config)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        if isinstance(exc, PolicyConfigError):
            raise
        # Rules read provider-shaped values; an export edited by hand (or by an attacker)
        # can hold shapes no provider writes. Say so, and where the pack gave up.
        raise ExportError(
            f"{path}: a property value has a shape the AWS provider never writes "
            f"({type(exc).__name__} at {_pack_frame(exc)}); export the stack again"
        ) from None
    view["violations"] = violations
    view["summary"] = summarize(view["resources"], violations)
    return redacted(view, plaintexts)


def _pack_frame(exc: BaseException) -> str:
    """`file:line` of the innermost policy-pack frame of `exc`'s traceback."""
    where = "the policy evaluator"
    for frame in traceback.extract_tb(exc.__traceback__):
        if "storage_policies" in frame.filename:
            where = f"{Path(frame.filename).name}:{frame.lineno}"
    return where


def deployed(view: dict[str, Any]) -> dict[str, Any]:
    """`view` as the pack should judge deployed state: each resource's recorded outputs
    over its inputs.

    Resource rules read inputs (what a program asks for, as under `pulumi preview`); in a
    deployed stack the outputs are what AWS reported at the last update or refresh, under
    the same property names, so a setting changed outside Pulumi and then refreshed is
    judged as it is, not as it was asked for. Stack rules already read outputs.
    """
    resources = [
        {**resource, "inputs": {**resource["inputs"], **resource["outputs"]}}
        for resource in view["resources"]
    ]
    return {**view, "resources": resources}


def redacted(view: dict[str, Any], plaintexts: list[str]) -> dict[str, Any]:
    """`view` as every renderer may show it: the plan's own redaction (`redact_plan`),
    taught the export's secret plaintexts (from a ``--show-secrets`` export).

    Rules never see a plaintext, but a value copied from one into a plain property, or
    held under a credential-named key, must not reach any output either.
    """
    return redact_plan(view, plan_redactor(view, known=plaintexts))
