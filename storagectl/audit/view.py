"""A stack export as the resource view the policy pack judges (the plan document's shape).

The pack judges plans as ``{"urn", "type", "name", "parent", "provider", "protect",
"inputs", "outputs", "dependencies", "property_dependencies", ...}`` per resource; an
export holds the same facts under the checkpoint's names (``propertyDependencies``,
``ignoreChanges``, ``retainOnDelete``) with property values in Pulumi's serialized form.
Special values are turned into what the plan uses:

* secrets (``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  "ciphertext" | "plaintext": ...}``) become ``"[secret]"``; a plaintext (an export made
  with ``--show-secrets``) is never kept, only remembered so a `Redactor` can scrub it from
  any text that still carries it;
* the unknown sentinel becomes ``"[unknown]"`` (the evaluator makes it unknown again);
* assets and archives become ``"[asset]"`` / ``"[archive]"``; resource references their URN.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..plan import summarize
from ..redact import SECRET

SIGNATURE = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
FLOAT_SIG = "8ad145fe-0d11-4827-bfd7-1abcbf086f5c"
BYTES_SIG = "803fd3297a5875dc03ca845dda5d2a98"
UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_MARKER = "[unknown]"
_STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass
class Decoder:
    """Turns serialized property values into plan values, remembering secret plaintexts."""

    plaintexts: list[str] = field(default_factory=list)

    def value(self, value: Any) -> Any:
        """The plan form of one serialized property value."""
        if isinstance(value, str):
            return UNKNOWN_MARKER if value == UNKNOWN_VALUE else value
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if not isinstance(value, dict):
            return value
        signature = value.get(SIGNATURE)
        if signature == SECRET_SIG:
            plaintext = value.get("plaintext")
            if isinstance(plaintext, str):
                self._remember(plaintext)
            return SECRET
        if signature == ASSET_SIG:
            return "[asset]"
        if signature == ARCHIVE_SIG:
            return "[archive]"
        if signature == RESOURCE_SIG:
            return str(value.get("urn", ""))
        if signature == FLOAT_SIG:
            return _float(value.get("value"))
        if signature is not None:
            # Byte strings and any signature newer than this reader: a placeholder, never
            # a guess at the content.
            return "[bytes]" if signature == BYTES_SIG else "[value]"
        return {str(key): self.value(item) for key, item in value.items()}

    def _remember(self, plaintext: str) -> None:
        # The plaintext is the JSON serialization of the value: remember the value itself
        # and every scalar inside it, so no form of it survives in text.
        self.plaintexts.append(plaintext)
        try:
            decoded = json.loads(plaintext)
        except ValueError:
            return
        for scalar in _scalars(decoded):
            self.plaintexts.append(str(scalar))


def _float(encoded: Any) -> str | None:
    """NaN and infinities (serialized as IEEE 754 bits in 16 hex digits), as text: the plan
    is JSON, which has no such numbers."""
    try:
        return str(struct.unpack(">d", bytes.fromhex(str(encoded)))[0])
    except (ValueError, struct.error):
        return None


def _scalars(value: Any) -> list[Any]:
    found: list[Any] = []
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
        elif current is not None and not isinstance(current, bool):
            found.append(current)
    return found


def _name(urn: str) -> str:
    return urn.split("::", 3)[3] if urn.count("::") >= 3 else urn


def _provider_urn(reference: str | None) -> str | None:
    # Provider references are `<provider URN>::<provider id>`; the plan names the URN.
    if not reference:
        return None
    return reference.rsplit("::", 1)[0] if reference.count("::") >= 4 else reference


def _resource(raw: dict[str, Any], decoder: Decoder) -> dict[str, Any]:
    urn = raw["urn"]
    secret_outputs = list(raw.get("additionalSecretOutputs") or [])
    outputs = decoder.value(raw.get("outputs") or {})
    return {
        "urn": urn,
        "type": raw["type"],
        "name": _name(urn),
        "id": raw.get("id"),
        "parent": raw.get("parent"),
        "provider": _provider_urn(raw.get("provider")),
        "custom": bool(raw.get("custom")),
        "protect": bool(raw.get("protect")),
        "retain_on_delete": bool(raw.get("retainOnDelete")),
        "delete_before_replace": False,
        "ignore_changes": list(raw.get("ignoreChanges") or []),
        "additional_secret_outputs": secret_outputs,
        "dependencies": list(raw.get("dependencies") or []),
        "property_dependencies": dict(raw.get("propertyDependencies") or {}),
        "inputs": decoder.value(raw.get("inputs") or {}),
        "outputs": {k: (SECRET if k in secret_outputs else v) for k, v in outputs.items()},
        "source": None,
    }


def export_view(document: dict[str, Any], path: Path) -> tuple[dict[str, Any], list[str]]:
    """The plan document of a checked export, and the secret plaintexts it carried."""
    decoder = Decoder()
    raw_resources = document["deployment"].get("resources") or []
    # Resources pending deletion are not what is deployed; pending replacements still are.
    resources = [_resource(r, decoder) for r in raw_resources if not r.get("delete")]
    stack_resource = next((r for r in resources if r["type"] == _STACK_TYPE), None)
    first = resources[0]["urn"] if resources else "urn:pulumi:?::?::?::?"
    stack, project = first[len("urn:pulumi:") :].split("::")[:2]
    view = {
        "project": project,
        "stack": stack,
        "program": str(path),
        "preview": False,
        "config": {},
        "resources": resources,
        "outputs": stack_resource["outputs"] if stack_resource else {},
        "violations": [],
        "summary": summarize(resources, []),
        "audit": {"file": str(path), "version": document["version"]},
    }
    return view, decoder.plaintexts
