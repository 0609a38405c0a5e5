"""Read a Pulumi stack file: its data, and the line of every key for error messages."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Located, SpecError
from .safe_yaml import MAX_FILE_BYTES, YamlPath, YamlProblem, line_and_column, parse

SECRET_PLACEHOLDER = "[secret]"
"""What a `secure:` value becomes offline: it cannot be decrypted without the stack's key."""

_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}


@dataclass
class StackFile:
    """A parsed stack file: `config` values, the key-path → (line, column) map, secret keys.

    `secret_keys` are the config keys holding a `secure:` value at any depth;
    `secret_paths` the exact paths (below `config`) of those values.
    """

    path: Path
    display: str
    config: dict[str, Any]
    lines: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    secret_keys: set[str] = field(default_factory=set)
    secret_paths: set[YamlPath] = field(default_factory=set)

    def locate(self, path: YamlPath) -> int | None:
        """Line of the key at `path` (below `config`), or of its nearest declared ancestor."""
        full: YamlPath = ("config", *path)
        while full:
            for candidate in (full, tuple(str(p) if isinstance(p, int) else p for p in full)):
                # Keys are read as the text written; a validated model may name them by
                # number (replica overrides), so `1` also finds the key written `1`.
                if candidate in self.lines:
                    return self.lines[candidate][0]
            full = full[:-1]
        return None

    def value_at(self, path: YamlPath) -> Any:
        """The value at `path` below `config` as written in the file, or None."""
        node: Any = self.config
        for step in path:
            found = (isinstance(node, dict) and step in node) or (
                isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
            )
            if not found:
                return None
            node = node[step]
        return node


def display_name(path: Path) -> str:
    """The path as a user typed it: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return str(path)


def read_stack_file(path: Path) -> StackFile:
    """Parse `path`; raise SpecError (never a YAML, OS or decoding error) when it cannot be read."""
    shown = display_name(path)
    try:
        return _read(path, shown)
    except SpecError:
        raise
    except Exception as exc:  # a bug of ours: still the loader's own error, never a traceback
        raise SpecError([internal_error(shown, exc)]) from None


def internal_error(shown: str, exc: BaseException) -> Located:
    """The last-resort problem: names the exception type only (its text may hold a value)."""
    return Located(
        shown,
        None,
        "",
        f"the loader failed unexpectedly ({type(exc).__name__}); this is a bug in stackspec, "
        "please report it with the stack file",
    )


def _read(path: Path, shown: str) -> StackFile:
    data = _read_bytes(path, shown)
    text = _decode(data, shown)
    try:
        document = parse(text)
    except YamlProblem as problem:
        raise SpecError([_located(shown, problem)]) from None
    if document.problems:
        raise SpecError([_located(shown, p) for p in document.problems])
    root = document.data
    if not isinstance(root, dict) or not isinstance(root.get("config"), dict):
        raise SpecError(
            [Located(shown, 1, "config", "a stack file needs a top-level `config:` mapping")]
        )
    config, secret_keys, secret_paths = _unwrap_secure(root["config"])
    return StackFile(path, shown, config, document.lines, secret_keys, secret_paths)


def _read_bytes(path: Path, shown: str) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes of a regular file; never blocks on a FIFO or device."""

    def refuse(message: str) -> SpecError:
        return SpecError([Located(shown, None, "", message)])

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise refuse(f"cannot read the file: {exc.strerror or type(exc).__name__}") from None
    except ValueError:  # a NUL byte in the path
        raise refuse("cannot read the file: the path is not a valid file name") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise refuse("is a directory; name a stack file such as stacks/Pulumi.dev.yaml")
        if not stat.S_ISREG(info.st_mode):
            raise refuse("is not a regular file (a device, FIFO or socket); name a stack file")
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        too_big = refuse(
            f"is larger than {MAX_FILE_BYTES:,} bytes, the limit for a stack file; "
            "split it or remove what it does not need"
        )
        if info.st_size > MAX_FILE_BYTES:
            raise too_big
        try:
            data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise refuse(f"cannot read the file: {exc.strerror or type(exc).__name__}") from None
        if len(data) > MAX_FILE_BYTES:  # it grew after fstat
            raise too_big
        return data


def _decode(data: bytes, shown: str) -> str:
    """Strict UTF-8 (a UTF-8 byte-order mark is allowed, as YAML allows it)."""
    for bom, name in _BOMS.items():
        if data.startswith(bom):
            raise SpecError(
                [
                    Located(
                        shown,
                        1,
                        "",
                        f"is {name} text; Pulumi stack files are UTF-8: save it as UTF-8",
                        column=1,
                    )
                ]
            )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", errors="replace")
        line, column = line_and_column(prefix, len(prefix))
        raise SpecError(
            [
                Located(
                    shown,
                    line,
                    "",
                    f"is not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                    "Pulumi stack files are UTF-8: save it as UTF-8",
                    column=column,
                )
            ]
        ) from None


def _located(shown: str, problem: YamlProblem) -> Located:
    return Located(shown, problem.line, dotted(problem.path), problem.message, problem.column)


def dotted(path: YamlPath) -> str:
    """`("config", "backend-storage:tags", "a")` → `backend-storage:tags.a` (as users write it)."""
    parts = [str(p) for p in path]
    if parts[:1] == ["config"] and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


def _unwrap_secure(
    config: dict[str, Any],
) -> tuple[dict[str, Any], set[str], set[YamlPath]]:
    """Replace `{secure: ...}` values with a placeholder; return the keys and paths holding one."""
    secret_keys: set[str] = set()
    secret_paths: set[YamlPath] = set()

    def unwrap(path: YamlPath, value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"secure"}:
                secret_keys.add(path[0])
                secret_paths.add(path)
                return SECRET_PLACEHOLDER
            return {k: unwrap((*path, k), v) for k, v in value.items()}
        if isinstance(value, list):
            return [unwrap((*path, i), v) for i, v in enumerate(value)]
        return value

    return {k: unwrap((k,), v) for k, v in config.items()}, secret_keys, secret_paths
