"""The plan document: the JSON contract every output form and later command builds on.

``{"project", "stack", "program", "preview", "config", "resources": [...], "outputs",
"violations", "summary"}`` — later issues add keys, never change these.

Two views of one plan: `build_plan` makes the one the policy pack judges (Pulumi secrets
and the provider's credential inputs already masked, everything else as the program set
it), and `redact_plan` the one every renderer and caller of `plan_stack` gets.
"""

from __future__ import annotations

import hashlib
import marshal
from collections import Counter, deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pulumi.runtime import rpc

from .redact import SECRET, Redactor, is_credential_key

if TYPE_CHECKING:
    from .engine import ProgramRun

STATEFUL_TYPES = frozenset(
    {
        "aws:s3/bucket:Bucket",
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:rds/globalCluster:GlobalCluster",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:kms/key:Key",
        "aws:kms/replicaKey:ReplicaKey",
        "aws:secretsmanager/secret:Secret",
        "aws:dynamodb/table:Table",
        "aws:docdb/cluster:Cluster",
        "aws:docdb/clusterInstance:ClusterInstance",
    }
)
"""Types whose replacement or deletion loses data."""


def build_plan(
    run: ProgramRun,
    config: dict[str, Any],
    secret_keys: set[str],
    sources: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The plan of one run as the policy pack sees it (see `redact_plan` for output).

    Pulumi secrets are `[secret]`, unknowns (preview) `[unknown]`.
    """
    # Imported here: the renderers import this module for `plan_redactor`, and `validate`
    # (which loads them with the pack's config check) must not load the engine.
    from .engine import to_json

    sources = sources or {}
    resources = [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "provider": r.provider,
            "custom": r.custom,
            "protect": r.protect,
            "retain_on_delete": r.retain_on_delete,
            "delete_before_replace": r.delete_before_replace,
            "ignore_changes": r.ignore_changes,
            "additional_secret_outputs": r.additional_secret_outputs,
            "dependencies": r.dependencies,
            "property_dependencies": r.property_dependencies,
            "inputs": to_json(r.inputs),
            "outputs": _outputs(r.outputs, r.additional_secret_outputs),
            "source": sources.get(r.urn),
            "aliases": r.aliases,
        }
        for r in run.registrations
    ]
    return {
        "project": run.project,
        "stack": run.stack,
        "program": str(run.program),
        "preview": run.preview,
        "config": {
            k: (SECRET if k in secret_keys or _looks_secret(k) else to_json(v, k))
            for k, v in sorted(config.items())
        },
        "resources": resources,
        "outputs": to_json(run.stack_outputs),
        "violations": [],
        "summary": summarize(resources, []),
    }


def _looks_secret(config_key: str) -> bool:
    # A plaintext config value named like a credential is shown as a secret all the same.
    # Only the part after the namespace counts: `auth0:domain` names a provider, not a key.
    return is_credential_key(config_key.rsplit(":", 1)[-1])


def _outputs(outputs: dict[str, Any], secret_outputs: list[str]) -> dict[str, Any]:
    from .engine import to_json  # see build_plan

    plain = to_json(outputs)
    # Outputs the program declared secret stay secret in the plan, as in the state file.
    return {k: (SECRET if k in secret_outputs else v) for k, v in plain.items()}


def summarize(resources: list[dict[str, Any]], violations: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts for the summary line and the JSON `summary` key."""
    custom = [r for r in resources if r["custom"] and not r["type"].startswith("pulumi:providers:")]
    by_level = Counter(v["enforcement"] for v in violations)
    return {
        "resources": len(resources),
        "custom_resources": len(custom),
        "components": sum(1 for r in resources if not r["custom"]),
        "providers": sum(1 for r in resources if r["type"].startswith("pulumi:providers:")),
        "protected": sum(1 for r in resources if r["protect"]),
        "stateful": sum(1 for r in custom if r["type"] in STATEFUL_TYPES),
        "by_type": dict(sorted(Counter(r["type"] for r in custom).items())),
        "violations": {
            "mandatory": by_level.get("mandatory", 0),
            "advisory": by_level.get("advisory", 0),
        },
    }


SECRET_DATA_TYPES = {"kubernetes:core/v1:Secret": ("data", "stringData")}
"""Inputs the provider itself makes secret, whatever their keys: pulumi-kubernetes marks a
Secret's `data` and `stringData` secret (pulumi/pulumi-kubernetes#803, #1190), and under
mocks nothing does that for it."""

_DATA_SECTIONS = ("inputs", "outputs")


def secret_plaintexts(run: ProgramRun) -> list[str]:
    """The plaintext of every Pulumi secret the program registered or exported.

    The plan shows them as ``[secret]``; the redactor learns them so that a program that
    also logs one, or puts it in a resource name, does not leak it there.
    """
    found: list[str] = []

    def walk(value: Any, secret: bool) -> None:
        if rpc.is_rpc_secret(value):
            walk(value.get("value"), True)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item, secret)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item, secret)
        elif secret and isinstance(value, str | int | float) and not isinstance(value, bool):
            found.append(str(value))

    for registration in run.registrations:
        walk(registration.inputs, False)
        walk(registration.outputs, False)
    walk(run.stack_outputs, False)
    return found


def _hidden(resource: dict[str, Any]) -> tuple[str, ...]:
    return SECRET_DATA_TYPES.get(str(resource.get("type")), ())


def plan_redactor(
    document: dict[str, Any], known: Iterable[str] = (), redactor: Redactor | None = None
) -> Redactor:
    """A redactor that knows every secret of the plan: `known` plaintexts (Pulumi secrets,
    see `secret_plaintexts`) and every value under a credential-named key in the plan's
    data: config, resource inputs and outputs, stack outputs.

    Pass `redactor` to teach one redactor several plans (a review's base and head).
    """
    redactor = redactor or Redactor()
    for value in known:
        redactor.learn(value)
    for key, value in (document.get("config") or {}).items():
        redactor.collect(value, _looks_secret(str(key)))
    for resource in document.get("resources") or []:
        for section in _DATA_SECTIONS:
            values = resource.get(section)
            redactor.collect(values)
            if isinstance(values, dict):
                for key in _hidden(resource):
                    redactor.collect(values.get(key), True)
    redactor.collect(document.get("outputs"))
    return redactor


def redact_plan(document: dict[str, Any], redactor: Redactor | None = None) -> dict[str, Any]:
    """The plan as every renderer may show it (see `storagectl.redact`).

    Run after the policy pack has judged the plan (rules read values such as
    `authenticationMode`) and before anything is printed. The data sections are redacted
    by key; everything else (URNs, names, violation messages, option lists that name
    properties such as ``password``) only has known secrets scrubbed from its text.
    Idempotent: redacting a redacted plan changes nothing. The result is remembered (by
    fingerprint, see `is_redacted`) so that renderers need not redact it a second time.
    """
    redactor = redactor or plan_redactor(document)
    out: dict[str, Any] = {}
    for key, value in document.items():
        if key == "config" and isinstance(value, dict):
            out[key] = {
                redactor.text(str(k)): redactor.data(v, _looks_secret(str(k)))
                for k, v in value.items()
            }
        elif key == "resources" and isinstance(value, list):
            out[key] = [_redacted_resource(r, redactor) for r in value]
        elif key == "outputs":
            out[key] = redactor.data(value)
        else:
            out[key] = redactor.scrub(value)
    fingerprint = _fingerprint(out)
    if fingerprint is not None:
        _REDACTED.append(fingerprint)
    return out


_REDACTED: deque[bytes] = deque(maxlen=16)
# Fingerprints of the plans `redact_plan` returned lately: a review holds two, `plan --all`
# one per stack; older ones are only redacted again.


def _fingerprint(document: Any) -> bytes | None:
    """A digest of `document`'s values and their exact types, or None if it has others."""
    # Marshal format 2 writes no back-references: its bytes depend on the values and their
    # types only, never on which objects are shared, interned or how often referenced.
    try:
        return hashlib.sha256(marshal.dumps(document, 2)).digest()
    except (ValueError, TypeError):
        return None  # a type marshal cannot write (a subclass, an object), or too deep


def is_redacted(document: Any) -> bool:
    """Whether `document` is, value for value and type for type, a plan `redact_plan`
    returned: nothing was added to or changed in it since.

    Renderers redact every plan they are handed as a second line of defence; a plan that
    `redact_plan` itself produced is already what that would give (redacting is
    idempotent), and a 10,000-resource plan costs a second or more to redact again.
    """
    fingerprint = _fingerprint(document)
    return fingerprint is not None and fingerprint in _REDACTED


def _redacted_resource(resource: Any, redactor: Redactor) -> Any:
    if not isinstance(resource, dict):
        return redactor.data(resource)
    out: dict[str, Any] = {}
    for key, value in resource.items():
        if key not in _DATA_SECTIONS:
            # `scrub`, without its walk for a string or what it keeps as it is (flags, None).
            if type(value) is str:
                out[key] = redactor.text(value)
            elif isinstance(value, str | dict | list | tuple):
                out[key] = redactor.scrub(value)
            else:
                out[key] = value
            continue
        out[key] = redactor.data(value)
        if isinstance(value, dict):
            for hidden in _hidden(resource):
                if hidden in value:
                    out[key][hidden] = redactor.data(value[hidden], True)
    return out
