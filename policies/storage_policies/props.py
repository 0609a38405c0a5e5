"""Small readers for engine property bags.

Props arrive as `pulumi_policy`'s unknown-checking proxies (or plain dicts in tests): reading
an unknown value raises `UnknownValueError`, which is how a rule avoids judging a value
that only exists after deployment. These helpers keep that behaviour: they never swallow
the exception, they only normalise the shapes the engine sends.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError

#: The stack name sits in the URN: ``urn:pulumi:<stack>::<project>::<type>::<name>``.
_URN_PREFIX = "urn:pulumi:"


def has(props: Mapping[str, Any], key: str) -> bool:
    """True when `key` is set, even to a value unknown during preview.

    Presence is decided from the keys alone, so an unknown value still counts as set.
    """
    if not any(name == key for name in props):
        return False
    try:
        return props[key] is not None
    except UnknownValueError:
        return True


def is_true(value: Any) -> bool:
    """True for ``True`` and the string ``"true"`` (provider inputs arrive as strings)."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def is_false(value: Any) -> bool:
    """True for ``False`` and the string ``"false"``."""
    return value is False or (isinstance(value, str) and value.lower() == "false")


def as_list(value: Any) -> list[Any]:
    """A list for a list, a proxy list, a single value or nothing."""
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [value[i] for i in range(len(value))]
    return [value]


def objects(value: Any) -> list[Mapping[str, Any]]:
    """The object elements of a list-of-objects property (``rules``, ``parameters``...).

    Anything else in the list is skipped: the provider never sends it, and a malformed
    value (a hand-edited or hostile stack export) must not crash a rule.
    """
    return [item for item in as_list(value) if isinstance(item, Mapping)]


def as_mapping(value: Any) -> Mapping[str, Any]:
    """A mapping for a mapping or a JSON object string; empty otherwise."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        try:
            loaded = json.loads(value)
        except (ValueError, RecursionError):  # not JSON, or nested past the recursion limit
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


def as_int(value: Any) -> int | None:
    """An int for an int or a numeric string; None otherwise.

    NaN and infinities (a float, or a string such as ``"nan"`` or ``"1e999"``) are not a
    number of days or seconds either: None, like any other non-number (``int()`` of them
    raised ValueError or OverflowError inside the rule).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    return None


#: How much of a wrong-shaped value a violation message shows (`shown`).
_SHOWN_CHARS = 60
_SHOWN_ITEMS = 8
_SHOWN_DEPTH = 4


def shown(value: Any) -> str:
    """`value` as a violation message prints it: a scalar as ``str()`` does, a list or an
    object (where the provider sends a scalar) as compact JSON, cut at 60 characters.

    ``str()`` of the engine's proxies is their memory address (``<pulumi_policy.proxy.
    _ListProxy object at 0x7f...>``): different on every run, so a finding could never be
    matched between two plans, and it says nothing about the value. Unknown values inside
    show as the plan's ``[unknown]`` marker instead of stopping the rule.
    """
    if isinstance(value, str) or not isinstance(value, Mapping | Sequence):
        return str(value)
    text = json.dumps(_plain_for_message(value, 0), ensure_ascii=False, default=str)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _plain_for_message(value: Any, depth: int) -> Any:
    if isinstance(value, str) or not isinstance(value, Mapping | Sequence):
        return value
    if depth >= _SHOWN_DEPTH:
        return "…"
    # Only the first few items: the message is cut at 60 characters anyway.
    if isinstance(value, Mapping):
        keys = list(value)
        plain = {str(key): _known_item(value, key, depth) for key in keys[:_SHOWN_ITEMS]}
        if len(keys) > _SHOWN_ITEMS:
            plain["…"] = "…"
        return plain
    items = [_known_item(value, i, depth) for i in range(min(len(value), _SHOWN_ITEMS))]
    return [*items, "…"] if len(value) > _SHOWN_ITEMS else items


def _known_item(container: Any, key: Any, depth: int) -> Any:
    try:
        return _plain_for_message(container[key], depth + 1)
    except UnknownValueError:
        return "[unknown]"


def first(value: Any) -> Mapping[str, Any]:
    """The first element of a list-of-objects property (single-block inputs), or {}."""
    items = as_list(value)
    if items and isinstance(items[0], Mapping):
        return items[0]
    return as_mapping(value)


def stack_of(urn: str) -> str | None:
    """The stack name embedded in a URN."""
    if not urn.startswith(_URN_PREFIX):
        return None
    return urn[len(_URN_PREFIX) :].split("::", 1)[0] or None


def project_of(urn: str) -> str | None:
    """The project name embedded in a URN."""
    parts = urn[len(_URN_PREFIX) :].split("::") if urn.startswith(_URN_PREFIX) else []
    return parts[1] if len(parts) > 1 else None


def environment(config: Mapping[str, Any], urn: str) -> str | None:
    """The environment being judged: config ``environment``, else the stack name."""
    configured = config.get("environment")
    if isinstance(configured, str) and configured:
        return configured
    return stack_of(urn)


def arn_region(arn: Any) -> str | None:
    """The region field of an ARN (``arn:aws:kms:<region>:...``); None for non-ARNs."""
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return None
    parts = arn.split(":")
    return parts[3] or None if len(parts) > 5 else None


def arn_account(arn: Any) -> str | None:
    """The account field of an ARN; None for non-ARNs or account-less ARNs."""
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return None
    parts = arn.split(":")
    return parts[4] or None if len(parts) > 5 else None


def version_tuple(version: Any) -> tuple[int, ...] | None:
    """``"15.4"`` -> (15, 4), ``"5.0.6"`` -> (5, 0, 6); None when absent or not numeric."""
    if not isinstance(version, str) or not version:
        return None
    numbers: list[int] = []
    for part in version.split("."):
        digits = re.match(r"\d+", part)
        if not digits:
            break
        numbers.append(int(digits.group()))
    return tuple(numbers) or None
