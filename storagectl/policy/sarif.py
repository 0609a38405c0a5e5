"""Violations as SARIF 2.1.0, ready for code-scanning upload.

Each rule of the pack becomes a `reportingDescriptor` (description, help text with the
remediation and the FSBP controls); each violation a `result` located at the stack file
line that declared the resource (walking up to the component that came from a spec entry),
else at the Pulumi program file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..plan import plan_redactor
from .evaluate import load_pack

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"mandatory": "error", "advisory": "warning"}
#: GitHub code scanning orders alerts by this 0-10 score.
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def _rule_descriptor(rule: Any) -> dict[str, Any]:
    # FSBP ids, or the pack's own (BS.n) where no FSBP control applies.
    controls = ", ".join(rule.controls) or "none (backend-storage rule)"
    help_text = f"{rule.remediation}\n\nControls (FSBP; BS.n: backend-storage): {controls}."
    if rule.notes:
        help_text += f"\n\nLimits: {rule.notes}"
    return {
        "id": rule.name,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": f"{rule.description} {rule.notes}".strip()},
        "help": {
            "text": help_text,
            "markdown": f"**Fix:** {rule.remediation}\n\n**Controls:** {controls}"
            + (f"\n\n**Limits:** {rule.notes}" if rule.notes else ""),
        },
        "defaultConfiguration": {"level": "warning"},
        "properties": {
            "tags": ["security", *rule.controls],
            "severity": rule.severity.value,
            "security-severity": _SECURITY_SEVERITY[rule.severity.value],
        },
    }


def _source(by_urn: Mapping[str, Any], urn: str) -> Mapping[str, Any] | None:
    """The spec entry that declared `urn`, or that of its nearest ancestor (`by_urn`: the
    plan's resources by URN, indexed once per report, not once per violation)."""
    seen: set[str] = set()
    current = by_urn.get(urn)
    while current is not None and current["urn"] not in seen:
        seen.add(current["urn"])
        if current.get("source"):
            return current["source"]
        current = by_urn.get(current.get("parent") or "")
    return None


def _relative(path: str, root: Path | None) -> str:
    candidate = Path(path)
    if root is not None and candidate.is_absolute():
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            pass
    return candidate.as_posix() if not candidate.is_absolute() else candidate.as_uri()


def _location(
    plan: Mapping[str, Any],
    by_urn: Mapping[str, Any],
    violation: Mapping[str, Any],
    root: Path | None,
) -> dict[str, Any]:
    source = _source(by_urn, violation.get("urn", ""))
    physical: dict[str, Any]
    if source and source.get("file"):
        physical = {"artifactLocation": {"uri": _relative(str(source["file"]), root)}}
        if isinstance(source.get("line"), int) and source["line"] >= 1:
            physical["region"] = {"startLine": source["line"]}
    else:
        physical = {
            "artifactLocation": {"uri": _relative(str(plan.get("program", "__main__.py")), root)}
        }
    location: dict[str, Any] = {"physicalLocation": physical}
    if violation.get("urn"):
        location["logicalLocations"] = [
            {"name": violation["name"], "fullyQualifiedName": violation["urn"], "kind": "resource"}
        ]
    return location


def to_sarif(
    plan: Mapping[str, Any],
    violations: Sequence[Mapping[str, Any]],
    *,
    root: Path | None = None,
    tool_version: str = "0.1.0",
) -> dict[str, Any]:
    """A SARIF 2.1.0 log of `violations` found in `plan`; paths are made relative to `root`.

    Violation text is scrubbed of the plan's secrets (the plan itself should already be
    redacted: see `storagectl.plan.redact_plan`).
    """
    violations = plan_redactor(dict(plan)).scrub(list(violations))
    rules = list(load_pack().REGISTRY)
    index = {rule.name: i for i, rule in enumerate(rules)}
    by_urn = {r["urn"]: r for r in plan.get("resources", [])}
    results = []
    for violation in violations:
        fingerprint = hashlib.sha256(
            f"{violation['policy']}|{violation.get('urn', '')}".encode()
        ).hexdigest()
        result: dict[str, Any] = {
            "ruleId": violation["policy"],
            "level": _LEVELS.get(violation["enforcement"], "note"),
            "message": {"text": violation["message"]},
            "locations": [_location(plan, by_urn, violation, root)],
            "partialFingerprints": {"policyResource/v1": fingerprint},
            "properties": {
                "enforcement": violation["enforcement"],
                "controls": list(violation.get("controls", [])),
                "resourceType": violation.get("type", ""),
                "stack": str(plan.get("stack", "")),
            },
        }
        if violation["policy"] in index:
            result["ruleIndex"] = index[violation["policy"]]
        results.append(result)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "backend-storage policy pack",
                        "version": tool_version,
                        "rules": [_rule_descriptor(rule) for rule in rules],
                    }
                },
                "automationDetails": {"id": f"storagectl/{plan.get('stack', '')}/"},
                "results": results,
            }
        ],
    }
