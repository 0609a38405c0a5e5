"""Reading `pulumi stack export` JSON: bounded, strict, and every failure located.

The export is a deployment checkpoint, version 3 (pulumi/pulumi
`sdk/go/common/apitype/deployments.json`): ``{"version": 3, "deployment": {"manifest",
"secrets_providers", "resources": [...], "pending_operations"}}``. It comes from outside
(a file a user or a pipeline hands us), so it is read as hostile: bytes are bounded before
they are parsed, decoded strictly as UTF-8, parsed without unbounded recursion, and its
shape is checked before anything else reads it. Every problem is an `ExportError` naming
the file and the key path (or line and column), never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MAX_BYTES = 256 * 1024 * 1024
"""Largest export read (a 10,000-resource export is a few tens of MB)."""
MAX_DEPTH = 64
"""Deepest nesting accepted; Pulumi property values of real resources stay far below it."""
MAX_RESOURCES = 1_000_000
SUPPORTED_VERSION = 3
_URN_PREFIX = "urn:pulumi:"


class ExportError(ValueError):
    """An export that cannot be read; the message is ``<file>[:line:col]: <where>: <problem>``."""


def read_export(path: Path, max_bytes: int | None = None) -> dict[str, Any]:
    """The parsed, shape-checked export at `path`; raises ExportError."""
    document = _parse(path, _read_text(path, MAX_BYTES if max_bytes is None else max_bytes))
    check_shape(document, str(path))
    return document


def _read_text(path: Path, max_bytes: int) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ExportError(f"{path}: cannot read the export: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise ExportError(
            f"{path}: larger than {max_bytes:,} bytes; is this a `pulumi stack export` file?"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportError(
            f"{path}: byte {exc.start}: not UTF-8 ({exc.reason}); `pulumi stack export` writes "
            "UTF-8 JSON"
        ) from None


def _parse(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExportError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise ExportError(f"{path}: JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        # e.g. an integer longer than Python's int-to-str digit limit.
        raise ExportError(f"{path}: invalid JSON: {exc}") from None


def _depth_exceeded(value: Any, limit: int) -> bool:
    """True when `value` nests deeper than `limit` (iterative: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(current, dict):
            stack.extend((item, depth + 1) for item in current.values())
        elif isinstance(current, list):
            stack.extend((item, depth + 1) for item in current)
    return False


def _type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), "a number")


def check_shape(document: Any, where: str) -> None:
    """Raise ExportError at the first place `document` is not a version 3 checkpoint."""
    problems = list(_problems(document))
    if problems:
        key, problem = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ExportError(f"{where}: {key}: {problem}{more}")


def _expect(value: Any, kind: type, key: str, what: str) -> Iterator[tuple[str, str]]:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        yield key, f"must be {what} (got {_type_name(value)})"


def _problems(document: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(document, dict):
        yield "(top level)", f"must be an object (got {_type_name(document)})"
        return
    if _depth_exceeded(document, MAX_DEPTH):
        yield "(top level)", f"nested deeper than {MAX_DEPTH} levels"
        return
    if "version" not in document or "deployment" not in document:
        yield (
            "(top level)",
            'needs "version" and "deployment": write the file with `pulumi stack export`',
        )
        return
    version = document["version"]
    if version != SUPPORTED_VERSION or isinstance(version, bool):
        yield (
            "version",
            f"only deployment version {SUPPORTED_VERSION} is supported (got {version!r})",
        )
        return
    deployment = document["deployment"]
    if not isinstance(deployment, dict):
        yield "deployment", f"must be an object (got {_type_name(deployment)})"
        return
    resources = deployment.get("resources", [])
    if not isinstance(resources, list):
        yield "deployment.resources", f"must be an array (got {_type_name(resources)})"
        return
    if len(resources) > MAX_RESOURCES:
        yield "deployment.resources", f"more than {MAX_RESOURCES:,} resources"
        return
    seen: dict[str, int] = {}
    for index, resource in enumerate(resources):
        key = f"deployment.resources[{index}]"
        yield from _resource_problems(resource, key)
        urn = resource.get("urn") if isinstance(resource, dict) else None
        if isinstance(urn, str) and not resource.get("delete"):
            if urn in seen:
                yield f"{key}.urn", f"repeats deployment.resources[{seen[urn]}].urn ({urn})"
            seen.setdefault(urn, index)


def _resource_problems(resource: Any, key: str) -> Iterator[tuple[str, str]]:
    if not isinstance(resource, dict):
        yield key, f"must be an object (got {_type_name(resource)})"
        return
    urn = resource.get("urn")
    if not isinstance(urn, str) or not urn.startswith(_URN_PREFIX) or urn.count("::") < 3:
        yield f"{key}.urn", "must be a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>)"
    yield from _expect(resource.get("type"), str, f"{key}.type", "a type token")
    for name in ("inputs", "outputs", "propertyDependencies"):
        if resource.get(name) is not None:
            yield from _expect(resource[name], dict, f"{key}.{name}", "an object")
    for name in ("parent", "provider", "id"):
        if resource.get(name) is not None:
            yield from _expect(resource[name], str, f"{key}.{name}", "a string")
    for name in ("protect", "custom", "retainOnDelete", "delete"):
        if resource.get(name) is not None:
            yield from _expect(resource[name], bool, f"{key}.{name}", "a boolean")
    for name in ("dependencies", "ignoreChanges", "additionalSecretOutputs"):
        value = resource.get(name)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            yield f"{key}.{name}", "must be an array of strings"
    deps = resource.get("propertyDependencies")
    if isinstance(deps, dict):
        for prop, urns in deps.items():
            if not isinstance(urns, list) or not all(isinstance(u, str) for u in urns):
                yield f"{key}.propertyDependencies.{prop}", "must be an array of URNs"
