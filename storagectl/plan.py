"""The plan document: the JSON contract every output form and later command builds on.

``{"project", "stack", "program", "preview", "config", "resources": [...], "outputs",
"violations", "summary"}`` — later issues add keys, never change these.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from .engine import ProgramRun, to_json
from .engine.values import SECRET

STATEFUL_TYPES = frozenset(
    {
        "aws:s3/bucket:Bucket",
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:rds/globalCluster:GlobalCluster",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:kms/key:Key",
        "aws:kms/replicaKey:ReplicaKey",
        "aws:secretsmanager/secret:Secret",
    }
)
"""Types whose replacement or deletion loses data."""


def build_plan(
    run: ProgramRun,
    config: dict[str, Any],
    secret_keys: set[str],
    sources: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The plan of one run; secrets are `[secret]`, unknowns (preview) `[unknown]`."""
    sources = sources or {}
    resources = [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "provider": r.provider,
            "custom": r.custom,
            "protect": r.protect,
            "retain_on_delete": r.retain_on_delete,
            "delete_before_replace": r.delete_before_replace,
            "ignore_changes": r.ignore_changes,
            "additional_secret_outputs": r.additional_secret_outputs,
            "dependencies": r.dependencies,
            "property_dependencies": r.property_dependencies,
            "inputs": to_json(r.inputs),
            "outputs": _outputs(r.outputs, r.additional_secret_outputs),
            "source": sources.get(r.urn),
            "aliases": r.aliases,
        }
        for r in run.registrations
    ]
    return {
        "project": run.project,
        "stack": run.stack,
        "program": str(run.program),
        "preview": run.preview,
        "config": {
            k: (SECRET if k in secret_keys or _looks_secret(k) else to_json(v, k))
            for k, v in sorted(config.items())
        },
        "resources": resources,
        "outputs": to_json(run.stack_outputs),
        "violations": [],
        "summary": summarize(resources, []),
    }


_SECRET_NAME = re.compile(r"(password|passwd|token|secret|private.?key|access.?key)", re.I)


def _looks_secret(config_key: str) -> bool:
    # A plaintext config value named like a credential is shown as a secret all the same.
    return bool(_SECRET_NAME.search(config_key.rsplit(":", 1)[-1]))


def _outputs(outputs: dict[str, Any], secret_outputs: list[str]) -> dict[str, Any]:
    plain = to_json(outputs)
    # Outputs the program declared secret stay secret in the plan, as in the state file.
    return {k: (SECRET if k in secret_outputs else v) for k, v in plain.items()}


def summarize(resources: list[dict[str, Any]], violations: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts for the summary line and the JSON `summary` key."""
    custom = [r for r in resources if r["custom"] and not r["type"].startswith("pulumi:providers:")]
    by_level = Counter(v["enforcement"] for v in violations)
    return {
        "resources": len(resources),
        "custom_resources": len(custom),
        "components": sum(1 for r in resources if not r["custom"]),
        "providers": sum(1 for r in resources if r["type"].startswith("pulumi:providers:")),
        "protected": sum(1 for r in resources if r["protect"]),
        "stateful": sum(1 for r in custom if r["type"] in STATEFUL_TYPES),
        "by_type": dict(sorted(Counter(r["type"] for r in custom).items())),
        "violations": {
            "mandatory": by_level.get("mandatory", 0),
            "advisory": by_level.get("advisory", 0),
        },
    }
