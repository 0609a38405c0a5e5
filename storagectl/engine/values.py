"""Turn the SDK's wire values into plain JSON: secrets and unknowns become markers."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.output import Unknown
from pulumi.runtime import rpc

from ..redact import SECRET

UNKNOWN = "[unknown]"
"""What a value unknown during preview looks like."""

# Inputs that carry credentials, whatever the program marked them: even the policy pack's
# view of the plan (built before redaction) shows them as secrets, as the engine would for
# the provider's own secret properties. Every other credential-named value is masked by
# `storagectl.redact` when the plan is finished (`storagectl.plan.redact_plan`).
CREDENTIAL_KEYS = frozenset(
    {
        "password",
        "masterPassword",
        "authToken",
        "passwords",
        "secretString",
        "secretBinary",
        "privateKey",
        "accessKey",
        "secretKey",
        "token",
    }
)


def to_json(value: Any, key: str | None = None) -> Any:
    """A JSON-safe copy of `value` with secrets and unknowns replaced by markers."""
    if rpc.is_rpc_secret(value):
        return SECRET
    if key in CREDENTIAL_KEYS and value not in (None, "", [], {}):
        return SECRET
    if (isinstance(value, str) and value == rpc.UNKNOWN) or isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: to_json(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, pulumi.Resource):
        return "[resource]"
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        return "[asset]"
    return str(value)


def unwrap(value: Any) -> Any:
    """The plain value with secret wrappers removed (for computing outputs from inputs)."""
    if rpc.is_rpc_secret(value):
        return unwrap(value["value"])
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value
