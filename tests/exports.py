"""Stack exports (`pulumi stack export` JSON, deployment version 3) built from offline plans.

What the engine would write after deploying a plan: the root stack resource holding the
stack outputs, a default AWS provider carrying the `aws:` config (as the engine passes
config to default providers, values as strings), provider references as
``<provider URN>::<provider id>``, secrets in Pulumi's signature form (ciphertext, as a
plain `pulumi stack export` writes them). ``ignoreChanges`` and ``retainOnDelete``, which
the engine writes but the published JSON schema does not list yet, are left out of the
checked-in fixtures (``schema_only``) so that they validate.

Regenerate the checked-in fixtures with ``.venv/bin/python -m tests.exports``.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EXPORTS = REPO / "tests" / "data" / "exports"
SCHEMAS = REPO / "tests" / "data" / "pulumi-schema"

SIGNATURE = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SECRET_MARK = "[secret]"
STACK_TYPE = "pulumi:pulumi:Stack"


def _id(urn: str) -> str:
    return hashlib.sha256(urn.encode()).hexdigest()[:32]


def secret(ciphertext_of: str) -> dict[str, str]:
    """A secret as a plain export writes it (encrypted; the text here is only a stand-in)."""
    return {SIGNATURE: SECRET_SIG, "ciphertext": f"v1:{_id(ciphertext_of)}"}


def _values(value: Any, label: str) -> Any:
    if value == SECRET_MARK:
        return secret(label)
    if value == "[unknown]":
        return "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    if isinstance(value, dict):
        return {k: _values(v, f"{label}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_values(v, f"{label}[{i}]") for i, v in enumerate(value)]
    return value


def _default_provider(plan: dict[str, Any]) -> dict[str, Any]:
    inputs = {
        key.split(":", 1)[1]: value if isinstance(value, str) else json.dumps(value)
        for key, value in plan["config"].items()
        if key.startswith("aws:")
    }
    inputs["version"] = "7.0.0"
    urn = f"urn:pulumi:{plan['stack']}::{plan['project']}::pulumi:providers:aws::default_7_0_0"
    return {
        "urn": urn,
        "custom": True,
        "id": _id(urn),
        "type": "pulumi:providers:aws",
        "inputs": inputs,
        "outputs": inputs,
    }


def export_of(plan: dict[str, Any], repeat: int = 1, schema_only: bool = False) -> dict[str, Any]:
    """The export of `plan` as deployed; `repeat` > 1 repeats its resources under new names.

    `schema_only` leaves out the fields Pulumi writes but its published schema lacks.
    """
    stack_urn = f"urn:pulumi:{plan['stack']}::{plan['project']}::{STACK_TYPE}::{plan['project']}-{plan['stack']}"
    default = _default_provider(plan)
    resources: list[dict[str, Any]] = [
        {
            "urn": stack_urn,
            "custom": False,
            "type": STACK_TYPE,
            "outputs": _values(plan["outputs"], "outputs"),
        },
        default,
    ]
    for copy_index in range(repeat):
        suffix = "" if copy_index == 0 else f"-copy{copy_index}"

        def rename(urn: str | None, suffix: str = suffix) -> str | None:
            return f"{urn}{suffix}" if urn and suffix else urn

        provider_ids = {}
        for r in plan["resources"]:
            if r["type"].startswith("pulumi:providers:"):
                provider_ids[r["urn"]] = _id(rename(r["urn"]) or "")
        for r in plan["resources"]:
            urn = rename(r["urn"]) or ""
            entry: dict[str, Any] = {
                "urn": urn,
                "custom": bool(r["custom"]),
                "type": r["type"],
                "inputs": _values(r["inputs"], urn),
                "outputs": _values(r["outputs"] or {}, urn),
                "parent": rename(r["parent"]) or stack_urn,
            }
            if r["custom"]:
                entry["id"] = str(r["outputs"].get("id") or _id(urn))
                if r["type"].startswith("pulumi:providers:"):
                    entry["id"] = provider_ids[r["urn"]]
                elif r["provider"]:
                    entry["provider"] = f"{rename(r['provider'])}::{provider_ids[r['provider']]}"
                elif r["type"].startswith("aws:"):
                    entry["provider"] = f"{default['urn']}::{default['id']}"
            if r["protect"]:
                entry["protect"] = True
            if not schema_only and r.get("ignore_changes"):
                entry["ignoreChanges"] = list(r["ignore_changes"])
            if not schema_only and r.get("retain_on_delete"):
                entry["retainOnDelete"] = True
            if r["dependencies"]:
                entry["dependencies"] = [rename(d) for d in r["dependencies"]]
            deps = {k: [rename(d) for d in v] for k, v in r["property_dependencies"].items() if v}
            if deps:
                entry["propertyDependencies"] = deps
            if r["additional_secret_outputs"]:
                entry["additionalSecretOutputs"] = list(r["additional_secret_outputs"])
            resources.append(entry)
    return {
        "version": 3,
        "deployment": {
            "manifest": {
                "time": "2026-11-29T12:00:00.000000000Z",
                "magic": "3a2c3ee4b2a8c5f1e8c2f3b0a1d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2",
                "version": "v3.200.0",
            },
            "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:c2FsdA==:v1:AAAA"}},
            "resources": resources,
        },
    }


DRIFT_BUCKET = "backend-storage-prod-uploads-bucket"
DRIFT_PLAINTEXT = "Dr1ft-Plaintext-Secret-7c1e"


def drifted(export: dict[str, Any]) -> dict[str, Any]:
    """`export` after someone switched the uploads bucket to SSE-S3 in the console and
    `pulumi refresh` recorded it: the SSE configuration's outputs say AES256 while its
    inputs still ask for aws:kms. A `--show-secrets` plaintext rides along in a stack output."""
    changed = copy.deepcopy(export)
    for resource in changed["deployment"]["resources"]:
        if resource["type"].endswith("BucketServerSideEncryptionConfiguration") and resource[
            "urn"
        ].endswith("backend-storage-prod-uploads-encryption"):
            resource["outputs"]["rules"] = [
                {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
            ]
        if resource["type"] == STACK_TYPE:
            resource["outputs"]["ordersDsn"] = {
                SIGNATURE: SECRET_SIG,
                "plaintext": json.dumps(f"postgres://app:{DRIFT_PLAINTEXT}@orders:5433/orders"),
            }
    return changed


def write_fixtures() -> None:
    """Regenerate the checked-in exports from the current prod plan."""
    from tests.plans import plan_of

    EXPORTS.mkdir(parents=True, exist_ok=True)
    export = export_of(plan_of("prod"), schema_only=True)
    for name, document in (("prod.json", export), ("prod-drift.json", drifted(export))):
        (EXPORTS / name).write_text(
            json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    write_fixtures()
