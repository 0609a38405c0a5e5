"""The recorded run as plain JSON, from the program's child process back to the driver.

JSON, not pickle: the bytes come from a process that ran arbitrary program code, so the
driver reads them as data and checks their shape; nothing in them is executed.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pulumi
from pulumi.output import Unknown
from pulumi.runtime import rpc

from .recorder import Registration
from .runner import ProgramRun


class TransportError(Exception):
    """The bytes from the child are not a recorded run."""


_RUN_FIELDS = {
    "project": str,
    "stack": str,
    "program": str,
    "preview": bool,
    "registrations": list,
    "stack_outputs": dict,
    "log": list,
}
_REGISTRATION_FIELDS = {f.name: f for f in dataclasses.fields(Registration)}


def encode(run: ProgramRun) -> bytes:
    """`run` as UTF-8 JSON; values the wire format cannot carry become their plan form."""
    registrations = [
        {name: getattr(reg, name) for name in _REGISTRATION_FIELDS} for reg in run.registrations
    ]
    document: dict[str, Any] = {
        "project": run.project,
        "stack": run.stack,
        "program": str(run.program),
        "preview": run.preview,
        "registrations": [
            {name: getattr(reg, name) for name in _REGISTRATION_FIELDS} for reg in run.registrations
        ],
        "stack_outputs": run.stack_outputs,
        "log": [str(line) for line in run.log],
    }
    try:
        # One pass in C: `plain` is asked only for what JSON cannot carry. Every
        # key is a string (the values came through the engine's protobuf Structs), so
        # this writes exactly what the `plain` walk below would.
        text = json.dumps(document, separators=(",", ":"), allow_nan=False, default=plain)
    except (TypeError, ValueError):
        # A non-finite float or a key JSON would spell differently: the careful walk.
        document["registrations"] = [
            {name: plain(value) for name, value in reg.items()} for reg in registrations
        ]
        document["stack_outputs"] = plain(document["stack_outputs"])
        text = json.dumps(document, separators=(",", ":"))
    return text.encode("utf-8")


def plain(value: Any) -> Any:
    """A JSON-safe copy that `values.to_json` renders exactly as it renders `value`."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Unknown):
        return rpc.UNKNOWN
    if isinstance(value, pulumi.Resource):
        return "[resource]"
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        return "[asset]"
    return str(value)


def decode(data: bytes) -> ProgramRun:
    """The run in `data`; TransportError naming the first thing that is not as sent."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise TransportError(f"not JSON ({type(exc).__name__})") from None
    _expect_fields(document, _RUN_FIELDS, "run")
    registrations = []
    for index, raw in enumerate(document["registrations"]):
        if not isinstance(raw, dict) or set(raw) != set(_REGISTRATION_FIELDS):
            raise TransportError(f"registration {index} does not have the recorded fields")
        for name, spec in _REGISTRATION_FIELDS.items():
            if not _fits(raw[name], str(spec.type)):
                raise TransportError(f"registration {index}: `{name}` is not {spec.type}")
        registrations.append(Registration(**raw))
    if not all(isinstance(line, str) for line in document["log"]):
        raise TransportError("log lines are not strings")
    return ProgramRun(
        project=document["project"],
        stack=document["stack"],
        program=Path(document["program"]),
        preview=document["preview"],
        registrations=registrations,
        stack_outputs=document["stack_outputs"],
        log=document["log"],
    )


def _expect_fields(document: Any, fields: dict[str, type], what: str) -> None:
    if not isinstance(document, dict) or set(document) != set(fields):
        raise TransportError(f"the {what} does not have the recorded fields")
    for name, kind in fields.items():
        if not isinstance(document[name], kind):
            raise TransportError(f"the {what}'s `{name}` is not a {kind.__name__}")


def _fits(value: Any, annotation: str) -> bool:
    """Whether `value` has the JSON shape of a Registration field annotated `annotation`."""
    optional = annotation.endswith("| None")
    if value is None:
        return optional
    base = annotation.removesuffix("| None").strip()
    if base == "str":
        return isinstance(value, str)
    if base == "bool":
        return isinstance(value, bool)
    if base == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if base == "dict[str, list[str]]":
        return isinstance(value, dict) and all(_fits(v, "list[str]") for v in value.values())
    if base.startswith("dict"):
        return isinstance(value, dict)
    if base.startswith("list"):
        return isinstance(value, list)
    return True  # a field added later with a type this check does not know: any JSON
