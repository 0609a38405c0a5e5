"""Run the CrossGuard pack offline over a plan document.

The pack's own rule objects are called with `pulumi_policy`'s own argument objects, built
the way the engine's analyzer builds them: resource rules see each resource's *inputs*,
stack rules see every resource's *outputs* with parents and (property) dependencies
resolved to `PolicyResource` objects. Plan markers are turned back into what the engine
sends: ``"[unknown]"`` becomes the SDK's unknown sentinel, so reading it raises
`UnknownValueError` inside the rule, which (as under `pulumi preview`) means "cannot judge
yet", never a violation. Any other exception out of a rule is a `PolicyRuleError`: the plan
fails with one line per failing rule, as `pulumi preview` fails when a pack's validation
throws, instead of a traceback.
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from .config import PolicyConfigError, read_policy_config

__all__ = [
    "PolicyConfigError",
    "PolicyRuleError",
    "config_for_stack",
    "evaluate_plan",
    "load_pack",
    "read_config",
]

#: The pack lives beside the driver; it is imported from there, never copied.
PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
#: The plan contract's marker for a value unknown during preview.
UNKNOWN_MARKER = "[unknown]"
_STACK_TYPE = "pulumi:pulumi:Stack"
#: How much of a failing rule's exception message its error line keeps.
_EXCEPTION_CHARS = 200


class PolicyRuleError(PolicyConfigError):
    """Rules of the pack raised on this plan: one line per rule naming the rule, the resource
    (resource rules) and the exception.

    A `PolicyConfigError`, "the pack cannot judge this plan", so that every caller that
    already ends with exit 2 and located lines on one (`plan` and `plan --all` through the
    planner's ProgramError, `review`, `audit`) does the same here with no change.
    """


def load_pack() -> ModuleType:
    """Import `storage_policies` from `policies/` (the pack's own directory)."""
    if str(PACK_DIR) not in sys.path:
        sys.path.insert(0, str(PACK_DIR))
    import storage_policies

    return storage_policies


def config_for_stack(stack: str) -> Path | None:
    """The pack config shipped for `stack` (``policies/config/<stack>.json``), if any."""
    path = PACK_DIR / "config" / f"{stack}.json"
    return path if path.exists() else None


@dataclass(frozen=True)
class _Setting:
    level: EnforcementLevel
    properties: Mapping[str, Any]


def read_config(config_file: Path | None, rules: Iterable[Any]) -> dict[str, Any]:
    """The validated config document (see `storagectl.policy.config`); {} without a file."""
    if config_file is None:
        return {}
    return read_policy_config(config_file, rules)


def _settings(rule: Any, config: Mapping[str, Any]) -> _Setting:
    """Enforcement and properties of one rule: its own entry, else ``all``, else advisory."""
    level = rule.policy.enforcement_level or EnforcementLevel.ADVISORY
    everything = config.get("all")
    if isinstance(everything, Mapping):
        everything = everything.get("enforcementLevel")
    if isinstance(everything, str):
        level = EnforcementLevel(everything)
    entry = config.get(rule.name)
    properties: dict[str, Any] = {}
    schema = rule.policy.config_schema
    if schema is not None:
        # The CLI fills schema defaults in before the pack sees its config; so do we.
        properties.update(
            {key: spec["default"] for key, spec in schema.properties.items() if "default" in spec}
        )
    if isinstance(entry, str):
        level = EnforcementLevel(entry)
    elif isinstance(entry, Mapping):
        if "enforcementLevel" in entry:
            level = EnforcementLevel(entry["enforcementLevel"])
        properties.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
    if level == EnforcementLevel.REMEDIATE:
        # The engine reports a violation that survived remediation as mandatory.
        level = EnforcementLevel.MANDATORY
    return _Setting(level, properties)


def engine_value(value: Any) -> Any:
    """A plan value as the engine's analyzer would hand it to the pack.

    Containers that hold no marker are returned as they are, not copied: the result is
    only ever wrapped by `unknown_checking_proxy`, which copies every container into its
    proxies (copying them here as well doubled the work per resource).
    """
    if isinstance(value, dict):
        changed: dict[Any, Any] | None = None
        for key, item in value.items():
            converted = engine_value(item)
            if converted is not item:
                if changed is None:
                    changed = dict(value)
                changed[key] = converted
        return value if changed is None else changed
    if isinstance(value, list):
        items = [engine_value(item) for item in value]
        if any(new is not old for new, old in zip(items, value, strict=True)):
            return items
        return value
    if value == UNKNOWN_MARKER:
        return UNKNOWN_STRING_VALUE
    return value


def _props(values: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return unknown_checking_proxy(engine_value(dict(values or {})))


def _options(resource: Mapping[str, Any]) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=bool(resource.get("protect")),
        ignore_changes=list(resource.get("ignore_changes") or []),
        delete_before_replace=resource.get("delete_before_replace"),
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=list(resource.get("additional_secret_outputs") or []),
        parent=resource.get("parent"),
    )


class _Graph:
    """The plan's resources as the engine's analyzer objects, built once per evaluation."""

    def __init__(self, plan: Mapping[str, Any]) -> None:
        self.stack_name = str(plan.get("stack", ""))
        self.resources: list[Mapping[str, Any]] = list(plan.get("resources", []))
        self.by_urn = {r["urn"]: r for r in self.resources}
        # Plan positions per type token: a resource rule is run over the resources of its
        # own types only (in plan order), never over all N of them (rules x N calls).
        self.positions: dict[str, list[int]] = {}
        for position, r in enumerate(self.resources):
            self.positions.setdefault(r["type"], []).append(position)
        self.providers = {
            r["urn"]: PolicyProviderResource(
                r["type"], _props(r.get("inputs")), r["urn"], r["name"]
            )
            for r in self.resources
            if str(r["type"]).startswith("pulumi:providers:")
        }
        # One options object per resource, shared by the stack view and the resource rules
        # (as the properties are shared by every rule): they are the same plan fields.
        self.options_by_urn: dict[str, PolicyResourceOptions] = {
            r["urn"]: _options(r) for r in self.resources
        }
        self.stack_resources = self._stack_resources()
        # Built once per resource and shared by every rule, as the pack's analyzer server
        # builds one set of arguments per Analyze call: converting the properties per
        # (rule, resource) pair was most of the policy time (57 rules x N resources).
        self._parts: dict[str, tuple[Any, PolicyResourceOptions, Any]] = {}
        self._stack_args: dict[str, StackValidationArgs] = {}

    def of_types(self, types: Iterable[str]) -> list[Mapping[str, Any]]:
        """The resources whose type token is one of `types`, in plan order."""
        wanted = list(dict.fromkeys(types))
        if len(wanted) == 1:
            positions = self.positions.get(wanted[0], [])
        else:
            positions = sorted(p for t in wanted for p in self.positions.get(t, []))
        return [self.resources[p] for p in positions]

    def provider(self, resource: Mapping[str, Any]) -> PolicyProviderResource | None:
        ref = str(resource.get("provider") or "")
        if ref in self.providers:
            return self.providers[ref]
        # A provider reference may be written `<urn>::<id>`, as the engine does.
        return self.providers.get(ref.rsplit("::", 1)[0])

    def stack_args(self, config: Mapping[str, Any]) -> StackValidationArgs:
        """The stack rules' arguments: one object per distinct config, shared by its rules.

        The pack indexes the stack per arguments object (resources by type, satellites by
        owner: storage_policies/graph.py); 23 of the 25 stack rules have the same (empty)
        config, so sharing their arguments builds that index once instead of per rule.
        """
        try:
            key = json.dumps(config, sort_keys=True)
        except (TypeError, ValueError):
            # Not JSON (no config file holds that): not shared.
            return StackValidationArgs(self.stack_resources, dict(config))
        args = self._stack_args.get(key)
        if args is None:
            args = self._stack_args[key] = StackValidationArgs(self.stack_resources, dict(config))
        return args

    def resource_args(
        self, resource: Mapping[str, Any], config: Mapping[str, Any]
    ) -> ResourceValidationArgs:
        urn = resource["urn"]
        parts = self._parts.get(urn)
        if parts is None:
            parts = (
                _props(resource.get("inputs")),
                self.options_by_urn[urn],
                self.provider(resource),
            )
            self._parts[urn] = parts
        props, options, provider = parts
        return ResourceValidationArgs(
            resource["type"], props, urn, resource["name"], options, provider, dict(config)
        )

    def _stack_resources(self) -> list[PolicyResource]:
        built = {
            r["urn"]: PolicyResource(
                r["type"],
                _props(r.get("outputs") if r.get("outputs") is not None else r.get("inputs")),
                r["urn"],
                r["name"],
                self.options_by_urn[r["urn"]],
                self.provider(r),
                None,
                [],
                {},
            )
            for r in self.resources
        }
        for r in self.resources:
            target = built[r["urn"]]
            target.parent = built.get(r.get("parent") or "")
            target.dependencies = [built[d] for d in r.get("dependencies") or [] if d in built]
            target.property_dependencies = {
                prop: [built[d] for d in deps if d in built]
                for prop, deps in (r.get("property_dependencies") or {}).items()
            }
        return list(built.values())


def evaluate_plan(plan: Mapping[str, Any], config_file: Path | None = None) -> list[dict[str, Any]]:
    """Every violation the pack reports on `plan`, with the config file's enforcement applied.

    Disabled rules are skipped. A rule that meets an unknown value is not judged for that
    resource (the engine reports that as "can't run during preview", not as a violation).
    """
    pack = load_pack()
    rules = list(pack.REGISTRY)
    config = read_config(config_file, rules)
    with _collector_paused():
        return _evaluate(plan, rules, config)


def _evaluate(
    plan: Mapping[str, Any], rules: list[Any], config: Mapping[str, Any]
) -> list[dict[str, Any]]:
    # The graph is freed (by reference counting) when this returns, before the collector
    # is back: its first collection then walks the violations only, not every object
    # evaluation made.
    graph = _Graph(plan)
    violations: list[dict[str, Any]] = []
    failures: list[str] = []
    for rule in rules:
        setting = _settings(rule, config)
        if setting.level == EnforcementLevel.DISABLED:
            continue
        try:
            found = _run(rule, graph, setting.properties)
        except _RuleFailed as failed:
            # The other rules still run: one error line per broken rule, all in one plan.
            failures.append(_failure_line(rule.name, failed, plan))
            continue
        for urn, message in found:
            violations.append(_violation(rule, setting.level, urn, message, graph, plan))
    if failures:
        raise PolicyRuleError(failures)
    return violations


class _RuleFailed(Exception):
    """A rule raised something other than UnknownValueError; `where` is what it judged."""

    def __init__(self, where: str, error: Exception) -> None:
        super().__init__(where)
        self.where = where
        self.error = error


def _failure_line(rule: str, failed: _RuleFailed, plan: Mapping[str, Any]) -> str:
    """``policy rule R failed on <urn>: <Type>: <message>``, one line, secrets scrubbed.

    The exception's text may quote a property value (``int()`` of a password, say): it goes
    through the plan's own redactor (every credential-named value of the plan; Pulumi
    secrets are already ``[secret]`` here) first, raw, and only then is made one bounded
    line, so that no reformatting splits a secret the redactor would have matched.
    """
    from ..plan import plan_redactor  # only a failing rule pays for the import

    redactor = plan_redactor(dict(plan))
    error = failed.error
    text = " ".join(_CONTROL.sub(" ", redactor.text(str(error))).split())
    if len(text) > _EXCEPTION_CHARS:
        text = text[: _EXCEPTION_CHARS - 1] + "…"
    detail = f"{type(error).__name__}: {text}" if text else type(error).__name__
    where = " ".join(_CONTROL.sub(" ", redactor.text(failed.where)).split())
    return (
        f"policy rule {rule} failed on {where}: {detail} (a property shape the rule does not "
        "handle, or a bug in the pack)"
    )


#: Control characters (an exception may quote a value holding them) would break the line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the pack runs, as it was after.

    Evaluation allocates a few objects per resource and rule (argument objects, proxies)
    and frees them by reference counting; nearly none is cyclic garbage. Each automatic
    collection still walked every live object, the plan document included, so their
    number grew with the plan's size times the allocations: about a third of the policy
    time at 10,000 resources, and the part that grew faster than the plan
    (benchmarks/policy_timing.py). Cycles made meanwhile wait for the next collection.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(rule: Any, graph: _Graph, properties: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    found: list[tuple[str | None, str]] = []
    policy = rule.policy
    if isinstance(policy, ResourceValidationPolicy):
        for resource in _judged(rule, graph):
            if resource["type"] == _STACK_TYPE:
                continue
            args = graph.resource_args(resource, properties)

            def report(message: str, urn: str | None = None, _urn: str = resource["urn"]) -> None:
                # A resource policy's violation is always about the resource validated.
                found.append((_urn, message))

            try:
                policy.validate(args, report)
            except UnknownValueError:
                continue
            except Exception as error:
                raise _RuleFailed(resource["urn"], error) from error
        return found

    def report_stack(message: str, urn: str | None = None) -> None:
        found.append((urn, message))

    try:
        policy.validate(graph.stack_args(properties), report_stack)
    except UnknownValueError:
        pass
    except Exception as error:
        # A stack rule judges every resource at once: the stack is what it failed on.
        raise _RuleFailed(f"stack {graph.stack_name}", error) from error
    return found


def _judged(rule: Any, graph: _Graph) -> list[Mapping[str, Any]]:
    """The resources a resource rule is called for: those of its types, in plan order.

    A registry rule's `validate` returns at once for any other type (`Rule.resource_types`
    is its gate), so skipping them changes no result; a rule without types sees them all.
    """
    types = tuple(getattr(rule, "resource_types", ()) or ())
    if not types:
        return graph.resources
    return graph.of_types(types)


def _violation(
    rule: Any,
    level: EnforcementLevel,
    urn: str | None,
    message: str,
    graph: _Graph,
    plan: Mapping[str, Any],
) -> dict[str, Any]:
    resource = graph.by_urn.get(urn or "")
    return {
        "policy": rule.name,
        "enforcement": level.value,
        "urn": urn or "",
        "name": resource["name"] if resource else str(plan.get("stack", "")),
        "type": resource["type"] if resource else _STACK_TYPE,
        "message": message,
        "controls": list(rule.controls),
        "severity": rule.severity.value,
        "remediation": rule.remediation,
    }
