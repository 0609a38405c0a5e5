"""Read and validate a CrossGuard policy-pack config file (`--policy-config`).

The shape is the Pulumi CLI's (pkg/engine `parsePolicyPackConfig`): a JSON object whose
keys are policy names or ``all``; each value is an enforcement level, or an object with an
optional ``enforcementLevel`` and the rule's config properties, which the CLI validates
against the rule's JSON schema (draft 7, `{"type": "object", "properties": ...}`).

Two deliberate differences, because this file is a gate's input: a property the rule's
schema does not name is an error (the engine ignores it, so a typo such as
``minimumRetentionDay`` would silently keep the default), and so is a policy the pack
does not have. Every problem is a :class:`PolicyConfigError` line naming the file, the key
and the fix; nothing here raises anything else.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
"""Pulumi's `apitype.EnforcementLevel` values."""
MAX_BYTES = 1_048_576
"""A policy config names each rule at most once: 1 MiB is far more than any needs."""
MAX_DEPTH = 16
"""`{"rule": {"property": [...]}}` is three levels; deeper is a mistake or an attack."""


class PolicyConfigError(ValueError):
    """A policy-pack config file that cannot be used: one located line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def read_policy_config(config_file: Path, rules: Iterable[Any]) -> dict[str, Any]:
    """The validated config document of `config_file` for the pack's `rules`.

    `rules` are the registry's rules (``.name``, ``.policy.config_schema``). Raises
    PolicyConfigError, never a decoding, JSON or schema exception.
    """
    shown = str(config_file)
    document = _parse(shown, _read(config_file, shown))
    by_name = {rule.name: rule for rule in rules}
    problems: list[str] = []
    for key, value in document.items():
        problems += _check_entry(shown, key, value, by_name)
    if problems:
        raise PolicyConfigError(problems)
    return document


def _read(config_file: Path, shown: str) -> str:
    try:
        with Path(config_file).open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise PolicyConfigError(
            [f"{shown}: cannot read the policy config: {exc.strerror or exc}"]
        ) from None
    if len(raw) > MAX_BYTES:
        raise PolicyConfigError(
            [
                f"{shown}: larger than {MAX_BYTES} bytes; a policy config holds one small "
                "entry per policy: remove what is not a policy setting"
            ]
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyConfigError(
            [
                f"{shown}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                "save the file as UTF-8 JSON"
            ]
        ) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON; write a number")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {json.dumps(key)}; keep one of them")
        seen[key] = value
    return seen


def _parse(shown: str, text: str) -> dict[str, Any]:
    if not text.strip():
        # The Pulumi CLI accepts an empty file as "no config"; so do we.
        return {}
    try:
        document = json.loads(text, object_pairs_hook=_pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise PolicyConfigError(
            [f"{shown}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}; fix the syntax"]
        ) from None
    except RecursionError:
        raise PolicyConfigError([_too_deep(shown)]) from None
    except ValueError as exc:
        # Duplicate keys, NaN/Infinity, integers longer than Python converts.
        raise PolicyConfigError([f"{shown}: not valid JSON: {_short(str(exc))}"]) from None
    if not isinstance(document, dict):
        raise PolicyConfigError(
            [
                f"{shown}: a policy config is a JSON object of policy names (or `all`) to "
                f"enforcement levels, not {_kind(document)}"
            ]
        )
    if _depth(document) > MAX_DEPTH:
        raise PolicyConfigError([_too_deep(shown)])
    return document


def _too_deep(shown: str) -> str:
    return (
        f"{shown}: nested deeper than {MAX_DEPTH} levels; a policy config is "
        '`{"policy": "level"}` or `{"policy": {"enforcementLevel": ..., "property": ...}}`'
    )


def _depth(value: Any) -> int:
    """Nesting depth, iteratively (a recursive walk is what a deep document attacks)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = current.values() if isinstance(current, dict) else current
        if isinstance(current, dict | list):
            stack += [(child, depth + 1) for child in children]
    return deepest


def _check_entry(shown: str, key: str, value: Any, rules: Mapping[str, Any]) -> list[str]:
    if key != "all" and key not in rules:
        hint = difflib.get_close_matches(key, list(rules), n=1)
        fix = f"did you mean `{hint[0]}`?" if hint else "use `all` or a policy name of the pack"
        return [f"{shown}: {_key(key)}: no such policy; {fix}"]
    if isinstance(value, str):
        return _check_level(shown, _key(key), value)
    if not isinstance(value, dict):
        return [
            f"{shown}: {_key(key)}: must be an enforcement level ({', '.join(ENFORCEMENT_LEVELS)}) "
            f'or an object such as {{"enforcementLevel": "mandatory"}}, not {_kind(value)}'
        ]
    problems: list[str] = []
    if "enforcementLevel" in value:
        problems += _check_level(shown, f"{_key(key)}.enforcementLevel", value["enforcementLevel"])
    properties = {k: v for k, v in value.items() if k != "enforcementLevel"}
    if key == "all":
        problems += [
            f"{shown}: all.{_key(name)}: `all` takes only an enforcementLevel; set "
            "properties on the policy they belong to"
            for name in properties
        ]
        return problems
    return problems + _check_properties(shown, key, properties, rules[key])


def _check_level(shown: str, where: str, level: Any) -> list[str]:
    if isinstance(level, str) and level in ENFORCEMENT_LEVELS:
        return []
    got = json.dumps(level)[:60] if isinstance(level, str) else _kind(level)
    return [
        f"{shown}: {where}: {got} is not an enforcement level; use one of "
        f"{', '.join(ENFORCEMENT_LEVELS)}"
    ]


def _check_properties(shown: str, key: str, properties: Mapping[str, Any], rule: Any) -> list[str]:
    schema = getattr(rule.policy, "config_schema", None)
    declared: Mapping[str, Mapping[str, Any]] = schema.properties if schema is not None else {}
    problems: list[str] = []
    for name, value in properties.items():
        where = f"{_key(key)}.{_key(name)}"
        if name not in declared:
            allowed = ", ".join(sorted(declared)) or "none (only enforcementLevel)"
            hint = difflib.get_close_matches(name, list(declared), n=1)
            lead = f"did you mean `{hint[0]}`? " if hint else ""
            problems.append(
                f"{shown}: {where}: no such property of this policy; {lead}allowed: {allowed}"
            )
            continue
        validator = jsonschema.Draft7Validator(dict(declared[name]))
        error = next(iter(validator.iter_errors(value)), None)
        if error is not None:
            problems.append(
                f"{shown}: {where}: {_short(error.message)}; expected {_expected(declared[name])}"
            )
    required = list(getattr(schema, "required", None) or []) if schema is not None else []
    problems += [
        f"{shown}: {_key(key)}: property `{name}` is required; add it ({_expected(declared[name])})"
        for name in required
        if name not in properties and "default" not in declared.get(name, {})
    ]
    return problems


def _expected(schema: Mapping[str, Any]) -> str:
    """`schema` in words: "an integer from 1 to 35", "one of GOVERNANCE, COMPLIANCE"."""
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "a value")
    words = {
        "integer": "an integer",
        "number": "a number",
        "boolean": "true or false",
        "string": "a string",
        "object": "an object",
    }
    if kind == "array":
        items = schema.get("items", {}).get("type")
        text = f"a list of {items}s" if items else "a list"
    else:
        text = words.get(str(kind), str(kind))
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        text += f" from {low} to {high}"
    elif low is not None:
        text += f" of at least {low}"
    elif high is not None:
        text += f" of at most {high}"
    return text


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a string"


def _key(name: str) -> str:
    """A key as it can be printed on one line (control characters and length bounded)."""
    text = json.dumps(name)[1:-1]
    return text if len(text) <= 80 else text[:77] + "..."


def _short(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= 200 else message[:197] + "..."
