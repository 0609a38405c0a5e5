"""Which stack-file entry declared a resource: for SARIF locations and review comments."""

from __future__ import annotations

import re
from typing import Any

from components.spec import EnvironmentSpec
from stackspec import StackFile

from .engine import Registration

_KINDS = ("buckets", "databases", "caches", "tables", "documentClusters", "applications")


def resource_sources(
    registrations: list[Registration], spec: EnvironmentSpec, stack_file: StackFile
) -> dict[str, dict[str, Any]]:
    """URN → {file, line, key} for every resource below a component named after an entry."""
    entries: dict[str, tuple[str, str]] = {}
    for kind in _KINDS:
        # Stack-file keys are camelCase, the spec's attributes snake_case.
        for logical in getattr(spec, re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()):
            entries[f"{spec.prefix}-{logical}"] = (kind, logical)
    parents = {r.urn: r.parent for r in registrations}
    names = {r.urn: r.name for r in registrations}
    found: dict[str, dict[str, Any]] = {}
    for reg in registrations:
        urn: str | None = reg.urn
        while urn is not None:
            entry = entries.get(names.get(urn, ""))
            if entry is not None:
                kind, logical = entry
                found[reg.urn] = {
                    "file": stack_file.display,
                    "line": stack_file.locate((f"backend-storage:{kind}", logical)),
                    "key": f"backend-storage:{kind}.{logical}",
                }
                break
            urn = parents.get(urn)
    return found
