"""Read a Pulumi stack file: its data, and the line of every key for error messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Located, SpecError

YamlPath = tuple[Any, ...]

SECRET_PLACEHOLDER = "[secret]"
"""What a `secure:` value becomes offline: it cannot be decrypted without the stack's key."""


@dataclass
class StackFile:
    """A parsed stack file: `config` values, the key-path → (line, column) map, secret keys."""

    path: Path
    display: str
    config: dict[str, Any]
    lines: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    secret_keys: set[str] = field(default_factory=set)

    def locate(self, path: YamlPath) -> int | None:
        """Line of the key at `path` (below `config`), or of its nearest declared ancestor."""
        full: YamlPath = ("config", *path)
        while full:
            if full in self.lines:
                return self.lines[full][0]
            full = full[:-1]
        return None


def display_name(path: Path) -> str:
    """The path as a user typed it: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_stack_file(path: Path) -> StackFile:
    """Parse `path`; raise SpecError (never a YAML or OS exception) when it cannot be read."""
    shown = display_name(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(
            [Located(shown, None, "", f"cannot read the file: {exc.strerror}")]
        ) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise SpecError(
            [
                Located(
                    shown,
                    mark.line + 1 if mark else None,
                    "",
                    f"YAML syntax error: {problem}{context}",
                    column=mark.column + 1 if mark else None,
                )
            ]
        ) from None
    lines: dict[YamlPath, tuple[int, int]] = {}
    duplicates: list[Located] = []
    if root is not None:
        _walk(root, (), lines, duplicates, shown)
    if duplicates:
        raise SpecError(duplicates)
    data = yaml.safe_load(text) if root is not None else None
    if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
        raise SpecError(
            [Located(shown, 1, "config", "a stack file needs a top-level `config:` mapping")]
        )
    config, secret_keys = _unwrap_secure(data["config"])
    return StackFile(path, shown, config, lines, secret_keys)


def _walk(
    node: yaml.Node,
    path: YamlPath,
    lines: dict[YamlPath, tuple[int, int]],
    duplicates: list[Located],
    shown: str,
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            # Integer keys (replica numbers) stay integers, as safe_load reads them.
            is_int = key_node.tag == "tag:yaml.org,2002:int"
            key: Any = int(key_node.value) if is_int else key_node.value
            child = (*path, key)
            if key in seen:
                duplicates.append(
                    Located(
                        shown,
                        key_node.start_mark.line + 1,
                        ".".join(str(p) for p in child),
                        "duplicate key: YAML keeps only the last one; remove one of them",
                    )
                )
            seen.add(key)
            lines[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _walk(value_node, child, lines, duplicates, shown)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _walk(item, child, lines, duplicates, shown)


def _unwrap_secure(config: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Replace `{secure: ...}` values with a placeholder; return the keys that held one."""
    secret_keys: set[str] = set()

    def unwrap(key: str, value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"secure"}:
                secret_keys.add(key)
                return SECRET_PLACEHOLDER
            return {k: unwrap(key, v) for k, v in value.items()}
        if isinstance(value, list):
            return [unwrap(key, v) for v in value]
        return value

    return {str(k): unwrap(str(k), v) for k, v in config.items()}, secret_keys
