"""Build an EnvironmentSpec from Pulumi stack config: layering, templates, validation, errors."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from components.spec import TIER_DEFAULTS, EnvironmentSpec, TierDefaults, cross_check

from .errors import Located, SpecError
from .messages import describe
from .source import StackFile, display_name, internal_error, read_stack_file
from .templating import ENTRY_KINDS, Renderable, render_tree

NAMESPACE = "backend-storage"
# Keys the loader fills from the engine's context; a stack file may not set them.
_CONTEXT_KEYS = {"project", "stack", "region", "accountId"}
_DEFAULT_LAYERS = {"buckets": "buckets", "databases": "databases", "caches": "caches"}


def load_stack_file(path: Path, project: str = NAMESPACE) -> EnvironmentSpec:
    """Load `stacks/Pulumi.<stack>.yaml` as the CLI would; raise SpecError listing every problem."""
    stack_file = read_stack_file(path)
    try:
        stack = stack_name(path)
    except Exception as exc:  # pragma: no cover - a path always has a name
        raise SpecError([internal_error(display_name(path), exc)]) from None
    return build_spec(stack_file.config, project, stack, stack_file)


def stack_name(path: Path) -> str:
    """`Pulumi.prod.yaml` → `prod`."""
    name = path.name
    for suffix in (".yaml", ".yml"):
        if name.startswith("Pulumi.") and name.endswith(suffix):
            return name[len("Pulumi.") : -len(suffix)]
    return path.stem


def load_runtime_config(
    config: Mapping[str, Any],
    project: str,
    stack: str,
    stack_path: Path | None,
    secret_keys: Iterable[str] | None = None,
) -> EnvironmentSpec:
    """Load from the config the Pulumi engine hands the program (values may be JSON strings).

    The stack file, when present, only supplies line numbers for error messages, and
    says which strings are templates: the engine's config is the source of truth (it has
    decrypted secrets and `config set`s). `secret_keys` are the keys the engine marks
    secret (default: asked of the running Pulumi SDK).

    A decrypted secret is never rendered as a template: a string is rendered only when it
    is not below a secret key, or when the stack file holds that very text at that path
    outside a `secure:` value (so templates in a mapping with one nested secret still work).
    """
    source = read_stack_file(stack_path) if stack_path is not None and stack_path.exists() else None
    if secret_keys is None:
        from .runtime import current_secret_keys  # imports the Pulumi SDK: only on this path

        secret_keys = current_secret_keys()
    secret = set(secret_keys)
    try:
        natives = {key: _from_engine(value) for key, value in config.items()}
    except Exception as exc:  # pragma: no cover - json.loads on engine text
        raise SpecError([internal_error("<stack config>", exc)]) from None

    def renderable(path: tuple[Any, ...], text: str) -> bool:
        config_path = (f"{NAMESPACE}:{path[0]}", *path[1:]) if path else ()
        if source is not None and _below(config_path, source.secret_paths):
            return False
        if config_path[:1] and config_path[0] not in secret:
            return True
        return source is not None and source.value_at(config_path) == text

    return build_spec(natives, project, stack, source, renderable, secret)


def _outside(secret_paths: set[tuple[Any, ...]]) -> Renderable:
    """Render every string not below a `secure:` value of the stack file."""

    def renderable(path: tuple[Any, ...], text: str) -> bool:
        config_path = (f"{NAMESPACE}:{path[0]}", *path[1:]) if path else ()
        return not _below(config_path, secret_paths)

    return renderable


def _below(path: tuple[Any, ...], roots: set[tuple[Any, ...]]) -> bool:
    return any(path[: len(root)] == root for root in roots)


def _from_engine(value: Any) -> Any:
    # The engine passes structured config as JSON text; scalars stay strings.
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            return value
    return value


def build_spec(
    config: Mapping[str, Any],
    project: str,
    stack: str,
    source: StackFile | None,
    renderable: Renderable | None = None,
    secret_keys: Iterable[str] = (),
) -> EnvironmentSpec:
    """Validate `config` (native values) into an EnvironmentSpec or raise SpecError.

    Strings are rendered as templates where `renderable(path, text)` allows (default:
    every string except the stack file's `secure:` values). Values of `secret_keys` (and
    of the stack file's secure keys) are never echoed. Nothing but SpecError escapes.
    """
    try:
        return _build_spec(config, project, stack, source, renderable, set(secret_keys))
    except SpecError:
        raise
    except Exception as exc:  # a bug of ours: still the loader's own error, never a traceback
        shown = source.display if source is not None else "<stack config>"
        raise SpecError([internal_error(shown, exc)]) from None


def _build_spec(
    config: Mapping[str, Any],
    project: str,
    stack: str,
    source: StackFile | None,
    renderable: Renderable | None,
    engine_secret_keys: set[str],
) -> EnvironmentSpec:
    if renderable is None and source is not None:
        renderable = _outside(source.secret_paths)
    problems: list[tuple[tuple[Any, ...], str]] = []
    secret_keys = engine_secret_keys | (source.secret_keys if source is not None else set())

    def report(path: tuple[Any, ...], message: str) -> None:
        problems.append((path, message))

    raw = _namespace(config, report)
    raw = render_tree(raw, _variables(project, stack, config, raw), (), report, renderable)
    # An unknown tier is reported once by validation; layering with the strictest tier's
    # defaults meanwhile keeps every entry from also reporting each layered key missing.
    given = raw.get("tier")
    tier = given if isinstance(given, str) and given in TIER_DEFAULTS else "prod"
    _layer_defaults(raw, tier, report, secret_keys)
    context = {"region": config.get("aws:region"), "accountId": _account_id(config)}
    # An absent value stays absent, so validation says "is required" and how to set it.
    raw.update(project=project, stack=stack, **{k: v for k, v in context.items() if v is not None})
    spec: EnvironmentSpec | None = None
    try:
        spec = EnvironmentSpec.model_validate(raw)
    except ValidationError as exc:
        seen_defaults = {p for p, _ in problems if p[:1] == ("defaults",)}
        for error in exc.errors():
            loc = tuple(error["loc"])
            if loc[:1] == ("defaults",) and loc in seen_defaults:
                continue
            report(loc, describe(error, EnvironmentSpec, _is_secret(loc, secret_keys)))
    if spec is not None and not problems:
        for problem in cross_check(spec):
            report(problem.path, problem.message)
    if problems:
        located = [_locate(path, message, source) for path, message in problems]
        raise SpecError(sorted(located, key=lambda p: (p.line or 0, p.key)))
    assert spec is not None
    return spec


def _namespace(config: Mapping[str, Any], report: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    prefix = NAMESPACE + ":"
    for key, value in config.items():
        if not isinstance(key, str) or not key.startswith(prefix):
            continue
        short = key[len(prefix) :]
        if short in _CONTEXT_KEYS:
            report((short,), "is set by the engine, not the stack file: remove this key")
            continue
        raw[short] = copy.deepcopy(value)
    return raw


def _account_id(config: Mapping[str, Any]) -> Any:
    allowed = _from_engine(config.get("aws:allowedAccountIds"))
    if isinstance(allowed, list) and allowed:
        return str(allowed[0])
    return None


def _variables(
    project: str, stack: str, config: Mapping[str, Any], raw: dict[str, Any]
) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "project": project,
        "env": stack,
        "tier": raw.get("tier", ""),
        "region": config.get("aws:region", ""),
        "dr_region": raw.get("drRegion") or "",
        "account_id": _account_id(config) or "",
    }
    for kind in ENTRY_KINDS:
        entries = raw.get(kind)
        variables[kind] = sorted(entries, key=str) if isinstance(entries, dict) else []
    return variables


def _layer_defaults(raw: dict[str, Any], tier: str, report: Any, secret_keys: set[str]) -> None:
    """Tier defaults < stack `defaults` < each entry's own keys (see components.spec.defaults)."""
    builtin = TIER_DEFAULTS[tier]
    overrides = raw.get("defaults", {})
    merged = _merge(builtin, overrides) if isinstance(overrides, dict) else builtin
    try:
        TierDefaults.model_validate(merged)
    except ValidationError as exc:
        for error in exc.errors():
            loc = ("defaults", *error["loc"])
            report(loc, describe(error, EnvironmentSpec, _is_secret(loc, secret_keys)))
        merged = builtin  # entries still validate against sane defaults
    raw["defaults"] = merged
    for kind, layer in _DEFAULT_LAYERS.items():
        entries = raw.get(kind)
        if not isinstance(entries, dict):
            continue
        base = dict(merged[layer])
        if kind == "buckets":
            base["replication"] = merged["dr"]
        for name, entry in list(entries.items()):
            if isinstance(entry, dict):
                entries[name] = _merge(base, entry)


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Key-by-key merge; nested mappings merge, everything else is replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _is_secret(loc: tuple[Any, ...], secret_keys: set[str]) -> bool:
    return bool(loc) and f"{NAMESPACE}:{loc[0]}" in secret_keys


def key_path(loc: tuple[Any, ...]) -> str:
    """`("databases", "orders", "replicas")` → `backend-storage:databases.orders.replicas`."""
    if loc[:1] == ("region",):
        return "aws:region"
    if loc[:1] == ("accountId",):
        return "aws:allowedAccountIds"
    parts = [str(p) for p in loc if p != "[key]"]
    return f"{NAMESPACE}:" + ".".join(parts) if parts else NAMESPACE


def _config_key(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    if loc[:1] == ("region",):
        return ("aws:region",)
    if loc[:1] == ("accountId",):
        return ("aws:allowedAccountIds",)
    clean = tuple(p for p in loc if p != "[key]")
    return (f"{NAMESPACE}:{clean[0]}", *clean[1:]) if clean else ()


def _locate(loc: tuple[Any, ...], message: str, source: StackFile | None) -> Located:
    if source is None:
        return Located("<stack config>", None, key_path(loc), message)
    return Located(source.display, source.locate(_config_key(loc)), key_path(loc), message)
