"""Pure functions that compare two plan documents (see `storagectl.plan`) of one environment.

Resources are matched by URN, the engine's identity (URNs as the engine builds them, see
`storagectl.engine.urns`): a resource whose URN changes is, to `pulumi up`, one deleted
and one created — unless the new one names the old URN in its `aliases` (or inherits such
an alias from its parent), in which case the engine finds it under the old URN and updates
it in place (`moves.find_moves`): the review shows it as changed, moved from that URN.
Only custom resources are compared; component resources hold no cloud state and have no
inputs.

Secrets stay secret: both plans are redacted first, with one redactor that learnt the
secrets of both sides (a base planned by an older `storagectl` may not be redacted at all,
and a value secret on one side must not show on the other). A value that is
``"[secret]"`` on either side, or sits under a credential-named key, is shown as
``"[secret]"`` on both sides: otherwise a change that turns a plaintext value into a
secret would print the old plaintext in a PR comment. The price: a change of a secret
value itself is not visible in the review.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..plan import STATEFUL_TYPES, plan_redactor, redact_plan
from ..redact import SECRET, Redactor, is_credential_key
from .moves import find_moves
from .replacement import forces_replacement

Change = dict[str, Any]
"""``{"path", "before", "after"}``; ``None`` stands for "absent on that side"."""

OPTIONS = ("protect", "retain_on_delete", "provider", "parent")
"""Resource options compared between the two sides."""

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_:/*-]+$")


def _join(path: str, key: str) -> str:
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    # Keys with dots or spaces (S3 prefixes, condition keys) stay unambiguous when quoted.
    return f"{path}[{json.dumps(key)}]"


def _canonical(value: Any) -> str:
    # `==` calls 1 and True equal; the plan's JSON does not, and neither should the review.
    return json.dumps(value, sort_keys=True)


def _json_document(value: Any) -> Any:
    """The parsed value of a string holding a JSON object or array (policy documents)."""
    if not isinstance(value, str) or not value.lstrip().startswith(("{", "[")):
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict | list) else None


def _is_secret(key: str | None, before: Any, after: Any) -> bool:
    return SECRET in (before, after) or is_credential_key(key)


def _masked(path: str, before: Any, after: Any) -> Change:
    return {
        "path": path,
        "before": None if before is None else SECRET,
        "after": None if after is None else SECRET,
    }


def _by_sid(items: Sequence[Any]) -> dict[str, Any] | None:
    """IAM statements keyed by their `Sid` when every statement has a distinct one."""
    if not all(isinstance(i, dict) and isinstance(i.get("Sid"), str) for i in items):
        return None
    keyed = {i["Sid"]: i for i in items}
    return keyed if len(keyed) == len(items) else None


def diff_values(before: Any, after: Any, path: str = "", key: str | None = None) -> list[Change]:
    """Leaf-level differences between two JSON values, as dotted paths.

    Objects are compared key by key; JSON strings holding documents are parsed and compared
    the same way; lists of objects item by item (IAM statements by `Sid` when they all have
    one, so a reordering is not a change); lists of plain values as a whole.
    """
    if _is_secret(key, before, after):
        return [] if _canonical(before) == _canonical(after) else [_masked(path, before, after)]
    before, after = _documents(before, after)
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[Change] = []
        for k in sorted(set(before) | set(after)):
            changes += diff_values(before.get(k), after.get(k), _join(path, k), k)
        return changes
    if isinstance(before, list) and isinstance(after, list):
        return _diff_lists(before, after, path)
    if _canonical(before) == _canonical(after):
        return []
    return [{"path": path, "before": before, "after": after}]


def _documents(before: Any, after: Any) -> tuple[Any, Any]:
    """Both values as structures where that makes the diff read leaf by leaf.

    JSON strings holding documents (policies) are parsed when the other side is one too or
    absent; an absent side facing an object becomes an empty object, so a new statement
    shows as its fields rather than one long value.
    """
    if before != after:
        before_doc, after_doc = _json_document(before), _json_document(after)
        if (before_doc is not None or before is None) and (after_doc is not None or after is None):
            before = before if before_doc is None else before_doc
            after = after if after_doc is None else after_doc
    if before is None and isinstance(after, dict) and after:
        return {}, after
    if after is None and isinstance(before, dict) and before:
        return before, {}
    return before, after


def _diff_lists(before: list[Any], after: list[Any], path: str) -> list[Change]:
    structured = any(isinstance(i, dict | list) for i in (*before, *after))
    if not structured:
        # A list of ids or names reads best whole: ["sg-a"] → ["sg-a", "sg-b"].
        same = _canonical(before) == _canonical(after)
        return [] if same else [{"path": path, "before": before, "after": after}]
    before_sids, after_sids = _by_sid(before), _by_sid(after)
    if before_sids is not None and after_sids is not None:
        changes: list[Change] = []
        for sid in sorted(set(before_sids) | set(after_sids)):
            changes += diff_values(before_sids.get(sid), after_sids.get(sid), f"{path}[Sid={sid}]")
        return changes
    changes = []
    for index in range(max(len(before), len(after))):
        changes += diff_values(
            before[index] if index < len(before) else None,
            after[index] if index < len(after) else None,
            f"{path}[{index}]",
        )
    return changes


def _custom(resources: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {r["urn"]: r for r in resources if r.get("custom", True)}


def _summary(resource: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "urn": resource["urn"],
        "type": resource["type"],
        "name": resource["name"],
        "stateful": resource["type"] in STATEFUL_TYPES,
    }


def _same_reference(before: Any, after: Any, moves: Mapping[str, str]) -> bool:
    # A parent or provider that moved under an alias is, to the engine, the same resource
    # (it resolves references through aliases: `providers.RegisterAlias`).
    if isinstance(after, str):
        after = moves.get(after, after)
    return _canonical(before) == _canonical(after)


def _changed(
    old: Mapping[str, Any], new: Mapping[str, Any], moves: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """The change record of one resource present on both sides, or None when unchanged.

    `moves` maps new URNs to the old ones they were found under (`find_moves`); a resource
    found under an alias is always listed, with `moved_from`.
    """
    moves = moves or {}
    moved = old["urn"] != new["urn"]
    old_inputs, new_inputs = old.get("inputs") or {}, new.get("inputs") or {}
    properties: list[Change] = []
    forcing: list[str] = []
    for key in sorted(set(old_inputs) | set(new_inputs)):
        found = diff_values(old_inputs.get(key), new_inputs.get(key), _join("", key), key)
        properties += found
        if found and forces_replacement(new["type"], key, old_inputs.get(key), new_inputs.get(key)):
            forcing.append(key)
    options = [
        {"option": name, "before": old.get(name), "after": new.get(name)}
        for name in OPTIONS
        if not _same_reference(old.get(name), new.get(name), moves)
    ]
    if not properties and not options and not moved:
        return None
    return {
        **_summary(new),
        "moved_from": old["urn"] if moved else None,
        "properties": properties,
        "options": options,
        "replacement": bool(forcing),
        "forces_replacement": forcing,
    }


def diff_resources(
    base: Iterable[Mapping[str, Any]], head: Iterable[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(added, removed, changed) custom resources, each sorted by type, name.

    Matched by URN, then through aliases (`find_moves`): a moved resource is changed.
    """
    base, head = list(base), list(head)
    old, new = _custom(base), _custom(head)
    # Every move (components and providers too) maps parent and provider references back.
    everything = find_moves(base, head)
    moves = {n: o for n, o in everything.items() if n in new and o in old}
    order = _order_key
    added = sorted((_summary(new[u]) for u in new.keys() - old.keys() - moves.keys()), key=order)
    gone = old.keys() - new.keys() - set(moves.values())
    removed = sorted((_summary(old[u]) for u in gone), key=order)
    pairs = [(u, u) for u in sorted(old.keys() & new.keys())] + sorted(
        (o, n) for n, o in moves.items()
    )
    changed = [c for o, n in pairs if (c := _changed(old[o], new[n], everything))]
    return added, removed, sorted(changed, key=order)


def _order_key(entry: Mapping[str, Any]) -> tuple[str, str]:
    return (entry["type"], entry["name"])


def _consequences(resource: Mapping[str, Any]) -> str:
    notes = ""
    if resource.get("protect"):
        notes += (
            " It is protected: `pulumi up` stops with an error instead of deleting it"
            " until `protect` is lifted."
        )
    if resource.get("retain_on_delete"):
        notes += " `retain_on_delete` is set: the old one is left in the account, orphaned."
    return notes


def _risk(resource: Mapping[str, Any], kind: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "urn": resource["urn"],
        "type": resource["type"],
        "name": resource["name"],
        "detail": detail + _consequences(resource),
        "protect": bool(resource.get("protect")),
        "retain_on_delete": bool(resource.get("retain_on_delete")),
        **extra,
    }


def _pair_renames(
    removed: Sequence[Mapping[str, Any]], added: Sequence[Mapping[str, Any]]
) -> dict[str, Mapping[str, Any]]:
    """Removed URN → the added resource of the same type most likely to be it, renamed."""
    pairs: dict[str, Mapping[str, Any]] = {}
    free = list(added)
    for gone in removed:
        candidates = [a for a in free if a["type"] == gone["type"]]
        if not candidates:
            continue
        best = max(
            candidates,
            key=lambda a: difflib.SequenceMatcher(None, gone["name"], a["name"]).ratio(),
        )
        pairs[gone["urn"]] = best
        free.remove(best)
    return pairs


def data_loss_risks(
    base: Iterable[Mapping[str, Any]],
    head: Iterable[Mapping[str, Any]],
    changed: Iterable[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Stateful resources that `pulumi up` would delete or replace.

    A removed stateful resource with an added one of the same type is reported as a URN
    change (a rename, a new parent): the engine treats it as delete + create, since no
    alias of the new one names the old URN (those are moves, judged as changes). Options
    are read from the base side, which is what the engine's state holds.
    """
    base, head = list(base), list(head)
    old, new = _custom(base), _custom(head)
    moves = find_moves(base, head)
    dropped = old.keys() - new.keys() - set(moves.values())
    removed = [old[u] for u in sorted(dropped) if old[u]["type"] in STATEFUL_TYPES]
    fresh = new.keys() - old.keys() - moves.keys()
    added = [new[u] for u in sorted(fresh) if new[u]["type"] in STATEFUL_TYPES]
    renames = _pair_renames(removed, added)
    risks: list[dict[str, Any]] = []
    for gone in removed:
        successor = renames.get(gone["urn"])
        if successor is None:
            risks.append(
                _risk(gone, "removed", "Removed from the program: `pulumi up` deletes it.")
            )
        else:
            risks.append(
                _risk(
                    gone,
                    "urn-changed",
                    f"Its URN changes (now `{successor['name']}`): `pulumi up` creates a new, "
                    "empty one and deletes this one, unless the new one keeps the old URN as "
                    f'an alias (`aliases=["{gone["urn"]}"]`).',
                    new_urn=successor["urn"],
                )
            )
    for entry in changed:
        if entry["type"] not in STATEFUL_TYPES:
            continue
        state = old[entry.get("moved_from") or entry["urn"]]
        if entry["replacement"]:
            props = ", ".join(f"`{p}`" for p in entry["forces_replacement"])
            risks.append(
                _risk(
                    state,
                    "replaced",
                    f"{props} cannot be updated in place: `pulumi up` replaces it with a new, "
                    "empty one and deletes the old one.",
                    properties=entry["forces_replacement"],
                )
            )
        elif any(o["option"] == "provider" for o in entry["options"]):
            risks.append(
                _risk(
                    state,
                    "provider-changed",
                    "Its provider changes: unless the new provider has the same configuration "
                    "(account, region), `pulumi up` replaces it.",
                )
            )
    return sorted(risks, key=_order_key)


def _violation_key(violation: Mapping[str, Any]) -> tuple[str, str]:
    return (violation["policy"], violation["urn"])


def _violation_order(violation: Mapping[str, Any]) -> tuple[int, str, str]:
    return (violation["enforcement"] != "mandatory", violation["policy"], violation["name"])


def diff_violations(
    base: Iterable[Mapping[str, Any]], head: Iterable[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(new in head, resolved by head), matched by (policy, urn); mandatory ones first."""
    base, head = list(base), list(head)
    old = {_violation_key(v) for v in base}
    new = {_violation_key(v) for v in head}
    introduced = [dict(v) for v in head if _violation_key(v) not in old]
    resolved = [dict(v) for v in base if _violation_key(v) not in new]
    return sorted(introduced, key=_violation_order), sorted(resolved, key=_violation_order)


def diff_plans(base: Mapping[str, Any] | None, head: Mapping[str, Any] | None) -> dict[str, Any]:
    """The review of one environment; a side that does not exist (None) counts as empty."""
    redactor = Redactor()
    for side in (base, head):
        if side is not None:
            plan_redactor(dict(side), redactor=redactor)
    base = redact_plan(dict(base), redactor) if base is not None else None
    head = redact_plan(dict(head), redactor) if head is not None else None
    base_resources = base["resources"] if base else []
    head_resources = head["resources"] if head else []
    added, removed, changed = diff_resources(base_resources, head_resources)
    introduced, resolved = diff_violations(
        base["violations"] if base else [], head["violations"] if head else []
    )
    if base is None:
        status = "added"
    elif head is None:
        status = "removed"
    else:
        status = "changed" if added or removed or changed else "unchanged"
    return {
        "status": status,
        "added": added,
        "removed": removed,
        "changed": changed,
        "data_loss_risks": data_loss_risks(base_resources, head_resources, changed),
        "new_violations": introduced,
        "resolved_violations": resolved,
        "error": None,
    }


def new_mandatory(environment: Mapping[str, Any]) -> int:
    """How many mandatory violations this environment's HEAD adds."""
    return sum(1 for v in environment["new_violations"] if v["enforcement"] == "mandatory")
