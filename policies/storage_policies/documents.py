"""IAM policy documents as the engine sends them, normalised for rules.

A document may be a JSON string or an object; `Statement` a single object or a list;
`Principal` ``"*"``, ``{"AWS": "*"}``, ``{"AWS": [arns]}``, ``{"Service": ...}``; `Action`,
`NotAction` and `Resource` a string or a list. Matching follows IAM's own wildcard rules
(``*`` and ``?``, case-insensitive for actions).
"""

from __future__ import annotations

import fnmatch
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .props import as_list


@dataclass(frozen=True)
class Statement:
    """One policy statement with every list-or-string field turned into a list."""

    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    principals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Principal kind (``AWS``, ``Service``, ``Federated``, ``*``) to values."""
    condition: Mapping[str, Any] = field(default_factory=dict)

    @property
    def allows(self) -> bool:
        """True for an ``Allow`` statement."""
        return self.effect.lower() == "allow"

    @property
    def denies(self) -> bool:
        """True for a ``Deny`` statement."""
        return self.effect.lower() == "deny"

    def grants(self, action: str) -> bool:
        """True when this Allow statement covers `action` (through Action or NotAction)."""
        if not self.allows:
            return False
        return covers_action(self, action)

    @property
    def principal_is_wildcard(self) -> bool:
        """True for ``"*"``, ``{"AWS": "*"}`` or any principal kind listing ``*``."""
        return any("*" in values for values in self.principals.values())


def covers_action(statement: Statement, action: str) -> bool:
    """True when the statement's Action (or the complement of NotAction) includes `action`."""
    if statement.actions:
        return any(action_matches(pattern, action) for pattern in statement.actions)
    if statement.not_actions:
        return not any(action_matches(pattern, action) for pattern in statement.not_actions)
    return False


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: wildcards, case-insensitive."""
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def resource_matches(pattern: str, resource: str) -> bool:
    """IAM resource matching: wildcards, case-sensitive."""
    return fnmatch.fnmatchcase(resource, pattern)


def parse(document: Any) -> list[Statement] | None:
    """The statements of `document`, or None when it is not a readable policy document.

    Reading goes through the engine's proxies, so an unknown value anywhere inside the
    document raises `UnknownValueError` instead of being judged. The statements of a JSON
    text are shared between calls (they are frozen; do not modify their mappings).
    """
    if document is None:
        return None
    if isinstance(document, str):
        statements = _parse_text(document)
        return None if statements is None else list(statements)
    return _statements(_plain(document))


@functools.lru_cache(maxsize=4096)
def _parse_text(text: str) -> tuple[Statement, ...] | None:
    """`parse` of a JSON text, remembered: several rules read each policy document (IAM.1,
    IAM.21, KMS.1, cross-environment grants, replication roles...), and a plain JSON text
    holds no unknown value, so its statements depend on the text alone."""
    try:
        document = json.loads(text)
        statements = _statements(_plain(document))
    except (ValueError, RecursionError):
        # Invalid JSON, or nested deeper than Python's recursion limit (a hostile text;
        # IAM refuses both): not a readable policy document.
        return None
    return None if statements is None else tuple(statements)


def _statements(plain: Any) -> list[Statement] | None:
    if not isinstance(plain, dict):
        return None
    return [_statement(raw) for raw in as_list(plain.get("Statement")) if isinstance(raw, dict)]


def _statement(raw: dict[str, Any]) -> Statement:
    return Statement(
        effect=str(raw.get("Effect", "")),
        actions=_strings(raw.get("Action")),
        not_actions=_strings(raw.get("NotAction")),
        resources=_strings(raw.get("Resource")),
        principals=_principals(raw.get("Principal")),
        condition=_condition(raw.get("Condition")),
    )


def _condition(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {}


def _principals(raw: Any) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        return {"*": (raw,)} if raw == "*" else {"AWS": (raw,)}
    if isinstance(raw, dict):
        return {str(kind): _strings(values) for kind, values in raw.items()}
    return {}


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in as_list(value) if item is not None)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """Deep-copy proxies into plain dicts/lists (reading every value, so unknowns raise)."""
    kind = type(value)
    # Decoded JSON is plain: its exact types skip the (slow) ABC checks below.
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {str(key): _plain(item) for key, item in value.items()}
    if kind is list:
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(value[key]) for key in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(value[i]) for i in range(len(value))]
    return value


#: Condition keys that pin a wildcard principal to known callers (account, org, source).
RESTRICTING_CONDITION_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "kms:calleraccount",
    }
)


def restricted_by_condition(statement: Statement) -> bool:
    """True when a Condition pins the caller's account, org, ARN or network."""
    for operator_block in statement.condition.values():
        if isinstance(operator_block, Mapping) and any(
            str(key).lower() in RESTRICTING_CONDITION_KEYS for key in operator_block
        ):
            return True
    return False


def is_full_admin(statement: Statement) -> bool:
    """True for an Allow of every action (``"*"``) on every resource (``"*"``)."""
    return statement.allows and "*" in statement.actions and "*" in statement.resources


def is_public(statement: Statement) -> bool:
    """True for an Allow to a wildcard principal that no condition narrows down."""
    return (
        statement.allows
        and statement.principal_is_wildcard
        and not restricted_by_condition(statement)
    )


def condition_value(statement: Statement, operator: str, key: str) -> list[str]:
    """Values of `key` under `operator` (both case-insensitive), as lower-case strings."""
    values: list[str] = []
    for op, block in statement.condition.items():
        if str(op).lower() != operator.lower() or not isinstance(block, Mapping):
            continue
        for name, value in block.items():
            if str(name).lower() == key.lower():
                values.extend(str(item).lower() for item in as_list(value))
    return values
