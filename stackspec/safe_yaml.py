"""A bounded YAML reader for stack files: core schema only, every failure located.

Why not `yaml.safe_load`: it expands aliases while constructing (a 353-byte file of nine
levels of nine aliases grew to 11.7 GB), recurses once per nesting level (RecursionError),
accepts `!!binary`/`!!set`/`!!timestamp` (values that are not JSON and later break `plan`),
and raises half a dozen exception types. Here:

* events come from libyaml when present (fast, and it already rejects lone-surrogate
  escapes), else from PyYAML's pure-Python parser;
* our own composer builds the node graph, refusing nesting deeper than `MAX_DEPTH` and
  counting every value *after alias expansion* as it goes: an alias costs the size of the
  node it names (sizes memoised per node), so an alias bomb stops after `MAX_NODES` counted
  values, in milliseconds, before anything is constructed; an alias to a node still being
  composed (a recursive alias) is refused;
* the resolver is YAML's core schema (PyYAML's YAML 1.1 rules) without the `timestamp` and
  `value` types: `2024-01-01` stays the string `"2024-01-01"`, as Pulumi's own config
  reader keeps it (go-yaml v3 decodes timestamp-looking scalars into interface{} values as
  their text, for backward compatibility; see its decode.go), and never reaches
  `json.dumps` as a `datetime.date`;
* explicit tags other than `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!seq` and
  `!!map` are refused (`!!python/object`, `!!binary`, `!!set`, `!!timestamp`, local `!x`);
  a core tag on a value it cannot hold (`!!int abc`) is a located error;
* keys must be scalars and are kept as the text written (`0x10`, `1:30`, `1`), which is
  what the key becomes in Pulumi's config (object keys are strings in its JSON), so entry
  names never mix int and str.

Every problem is a `YamlProblem` with a line, column and key path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver, Resolver

MAX_FILE_BYTES = 1 << 20
"""A stack file larger than 1 MiB is refused before it is parsed (the shipped ones are < 8 KiB)."""
MAX_DEPTH = 64
"""Nesting depth of mappings and lists (the shipped files nest 7 deep)."""
MAX_NODES = 25_000
"""Values in the document once aliases are expanded (the shipped files hold < 1,000; composing
25,000 takes ~0.2 s, so a file of many small values is refused quickly too)."""
MAX_SCALAR_CHARS = 4 << 20
"""Characters of all scalars once aliases are expanded (4 MiB): bounds what `plan` serialises."""

CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(CORE + t for t in ("str", "int", "float", "bool", "null"))
_DROPPED_TYPES = frozenset({CORE + "timestamp", CORE + "value"})
# Characters YAML 1.1 allows in a stream (spec 5.1); others are a located error, not a ReaderError.
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")

YamlPath = tuple[Any, ...]


class YamlProblem(Exception):
    """One located problem in the YAML text (line and column are 1-based)."""

    def __init__(
        self, message: str, line: int | None, column: int | None = None, path: YamlPath = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.path = path


class _CoreResolver(BaseResolver):
    """PyYAML's implicit resolvers minus `timestamp` and `value` (see the module docstring)."""


_CoreResolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in rules if tag not in _DROPPED_TYPES]
    for first, rules in Resolver.yaml_implicit_resolvers.items()
}


USE_LIBYAML = True
"""Parse with libyaml when PyYAML was built with it (tests turn it off to cover the fallback)."""


def _event_source(text: str) -> Any:
    """A parser object with check_event/peek_event/get_event/dispose over `text`."""
    try:
        if not USE_LIBYAML:
            raise ImportError("libyaml turned off")
        from yaml._yaml import CParser  # type: ignore[import-not-found]

        return CParser(text)
    except ImportError:  # no libyaml: PyYAML's own reader, scanner and parser
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class _PyParser(Reader, Scanner, Parser):
            def __init__(self, stream: str) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                Parser.__init__(self)

        return _PyParser(text)


def line_and_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of character `index` in `text`."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def show_tag(tag: str) -> str:
    """`tag:yaml.org,2002:binary` → `!!binary` (cut short: tags are user input)."""
    shown = "!!" + tag[len(CORE) :] if tag.startswith(CORE) else tag
    return shown if len(shown) <= 60 else shown[:57] + "..."


class _Scalar(ScalarNode):
    """A scalar node that remembers whether its tag was written (`!!int 1`) or resolved."""

    def __init__(self, tag: str, event: Any, explicit: bool) -> None:
        super().__init__(tag, event.value, event.start_mark, event.end_mark, event.style)
        self.explicit = explicit


class _Composer:
    """Events → node graph, with depth and expanded-size bounds enforced while composing."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.resolver = _CoreResolver()
        self.anchors: dict[str, Node] = {}
        self.open: set[str] = set()
        self.sizes: dict[int, tuple[int, int]] = {}
        self.nodes = 0
        self.chars = 0

    def document(self) -> Node | None:
        parser = self.parser
        parser.get_event()  # StreamStart
        if parser.check_event(StreamEndEvent):
            return None
        parser.get_event()  # DocumentStart
        node = self.node(0, ())
        parser.get_event()  # DocumentEnd
        if not parser.check_event(StreamEndEvent):
            mark = parser.peek_event().start_mark
            raise YamlProblem(
                "holds more than one YAML document (`---`); a stack file is one document",
                mark.line + 1,
                mark.column + 1,
            )
        return node

    def _count(self, nodes: int, chars: int, mark: Any, path: YamlPath) -> None:
        self.nodes += nodes
        self.chars += chars
        if self.nodes > MAX_NODES:
            raise YamlProblem(
                f"the document holds more than {MAX_NODES:,} values once aliases are expanded "
                "(an alias counts as the size of what it names): refused as an alias bomb or "
                "a runaway file",
                mark.line + 1,
                mark.column + 1,
                path,
            )
        if self.chars > MAX_SCALAR_CHARS:
            raise YamlProblem(
                f"the document holds more than {MAX_SCALAR_CHARS:,} characters of values once "
                "aliases are expanded: refused as an alias bomb or a runaway file",
                mark.line + 1,
                mark.column + 1,
                path,
            )

    def node(self, depth: int, path: YamlPath) -> Node:
        parser = self.parser
        event: Any = parser.peek_event()
        mark: Any = event.start_mark
        if isinstance(event, AliasEvent):
            parser.get_event()
            anchor = event.anchor
            if anchor in self.open:
                raise YamlProblem(
                    f"alias *{anchor} refers to a node that contains it (a recursive alias)",
                    mark.line + 1,
                    mark.column + 1,
                    path,
                )
            if anchor not in self.anchors:
                raise YamlProblem(
                    f"alias *{anchor} names no anchor defined before it",
                    mark.line + 1,
                    mark.column + 1,
                    path,
                )
            target = self.anchors[anchor]
            self._count(*self.sizes[id(target)], mark, path)
            return target
        if depth > MAX_DEPTH:
            raise YamlProblem(
                f"nested more than {MAX_DEPTH} levels deep", mark.line + 1, mark.column + 1, path
            )
        anchor = event.anchor
        if anchor is not None:
            self.open.add(anchor)
        before = (self.nodes, self.chars)
        node: Node
        tag: Any
        if isinstance(event, ScalarEvent):
            parser.get_event()
            tag = event.tag
            explicit = tag not in (None, "!")
            if not explicit:
                tag = self.resolver.resolve(ScalarNode, event.value, event.implicit)
            node = _Scalar(tag, event, explicit)
            self._count(1, len(event.value), mark, path)
        elif isinstance(event, SequenceStartEvent):
            parser.get_event()
            tag = event.tag
            if tag is None or tag == "!":
                tag = self.resolver.resolve(SequenceNode, None, event.implicit)
            node = SequenceNode(tag, [], mark, None, event.flow_style)
            self._count(1, 0, mark, path)
            while not parser.check_event(SequenceEndEvent):
                node.value.append(self.node(depth + 1, (*path, len(node.value))))
            node.end_mark = parser.get_event().end_mark
        elif isinstance(event, MappingStartEvent):
            parser.get_event()
            tag = event.tag
            if tag is None or tag == "!":
                tag = self.resolver.resolve(MappingNode, None, event.implicit)
            node = MappingNode(tag, [], mark, None, event.flow_style)
            self._count(1, 0, mark, path)
            while not parser.check_event(MappingEndEvent):
                key = self.node(depth + 1, path)
                label = key.value if isinstance(key, ScalarNode) else "[key]"
                node.value.append((key, self.node(depth + 1, (*path, label))))
            node.end_mark = parser.get_event().end_mark
        else:  # pragma: no cover - the parser emits only the events above here
            raise YamlProblem("unexpected YAML structure", mark.line + 1, mark.column + 1, path)
        if anchor is not None:
            self.open.discard(anchor)
            self.anchors[anchor] = node
        self.sizes[id(node)] = (self.nodes - before[0], self.chars - before[1])
        return node


@dataclass
class Document:
    """Native data of a YAML document, the (line, column) of every key path, and its problems."""

    data: Any
    lines: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)


_SAFE = SafeConstructor()


def _where(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Constructor:
    """Node graph → plain Python (dict, list, str, int, float, bool, None); aliases copied."""

    def __init__(self, document: Document) -> None:
        self.document = document

    def problem(self, node: Node, path: YamlPath, message: str) -> None:
        line, column = _where(node)
        self.document.problems.append(YamlProblem(message, line, column, path))

    def value(self, node: Node, path: YamlPath) -> Any:
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != CORE + "seq":
                self.problem(node, path, _tag_refused(node.tag, "a list"))
                return None
            out = []
            for index, item in enumerate(node.value):
                self.document.lines[(*path, index)] = _where(item)
                out.append(self.value(item, (*path, index)))
            return out
        if isinstance(node, MappingNode):
            if node.tag != CORE + "map":
                self.problem(node, path, _tag_refused(node.tag, "a mapping"))
                return None
            return self.mapping(node, path)
        self.problem(node, path, "unsupported YAML node")  # pragma: no cover
        return None

    def mapping(self, node: MappingNode, path: YamlPath) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == CORE + "merge":
                for source in self.merge_sources(value_node, path):
                    for merged_key, value in self.mapping(source, path).items():
                        merged.setdefault(merged_key, value)
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            if key in out:
                self.problem(
                    key_node,
                    (*path, key),
                    "duplicate key: YAML keeps only the last one; remove one of them",
                )
            self.document.lines[(*path, key)] = _where(key_node)
            out[key] = self.value(value_node, (*path, key))
        # `<<: *defaults` (go-yaml, which Pulumi uses, honours merge keys too): keys written
        # in the mapping win over merged ones, earlier merge sources over later ones.
        for key, value in merged.items():
            out.setdefault(key, value)
        return out

    def merge_sources(self, node: Node, path: YamlPath) -> list[MappingNode]:
        if isinstance(node, MappingNode) and node.tag == CORE + "map":
            return [node]
        if isinstance(node, SequenceNode) and all(
            isinstance(n, MappingNode) and n.tag == CORE + "map" for n in node.value
        ):
            return list(node.value)
        self.problem(node, path, "a merge key `<<` takes a mapping or a list of mappings")
        return []

    def key(self, node: Node, path: YamlPath) -> str | None:
        if not isinstance(node, ScalarNode):
            kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
            self.problem(node, path, f"a key must be a plain string or number, not {kind}")
            return None
        if node.tag not in _SCALAR_TAGS:
            self.problem(node, path, _tag_refused(node.tag, "a key"))
            return None
        if _SURROGATE.search(node.value):
            self.problem(node, path, "a key holds an invalid Unicode escape (a lone surrogate)")
            return None
        return node.value

    def scalar(self, node: ScalarNode, path: YamlPath) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            self.problem(node, path, _tag_refused(tag, "a value"))
            return None
        if _SURROGATE.search(node.value):
            self.problem(node, path, "holds an invalid Unicode escape (a lone surrogate)")
            return None
        if tag == CORE + "str":
            return node.value
        if tag == CORE + "null":
            return None
        kind = {CORE + "int": "a whole number", CORE + "float": "a number"}.get(
            tag, "true or false"
        )
        try:
            value = _CONSTRUCT[tag](node)
        except (ValueError, KeyError, OverflowError, TypeError):
            # The value is not echoed: it may sit below a `secure:` key.
            if getattr(node, "explicit", True):
                self.problem(node, path, f"is tagged {show_tag(tag)} but is not {kind}")
            else:  # only a number too long for Python's int() (4,300 digits) gets here
                self.problem(node, path, "is a number too large to read; quote it if it is text")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            # JSON (Pulumi's config objects, our plan) has no NaN or infinity.
            self.problem(node, path, "is not a finite number; quote it if it is text")
            return None
        return value


_CONSTRUCT: dict[str, Callable[[ScalarNode], Any]] = {
    CORE + "int": _SAFE.construct_yaml_int,
    CORE + "float": _SAFE.construct_yaml_float,
    CORE + "bool": _SAFE.construct_yaml_bool,
}


def _tag_refused(tag: str, what: str) -> str:
    if tag in _SCALAR_TAGS or tag in (CORE + "seq", CORE + "map"):
        return f"the tag {show_tag(tag)} cannot be applied to {what}"
    return (
        f"the tag {show_tag(tag)} is not allowed: stack config holds only strings, numbers, "
        "booleans, null, lists and mappings; remove the tag"
    )


def parse(text: str) -> Document:
    """Parse one YAML document under the bounds above; raise YamlProblem if it cannot be read.

    Problems that leave the rest of the document readable (a refused tag, a duplicate
    key, a complex key) are collected in `Document.problems`, so all are reported at once.
    """
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line, column = line_and_column(text, bad.start())
        raise YamlProblem(
            f"contains the control character U+{ord(bad.group()):04X}, which YAML does not "
            "allow; remove it (or write it as an escape in a double-quoted string)",
            line,
            column,
        )
    parser = _event_source(text)
    try:
        root = _Composer(parser).document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise YamlProblem(
            f"YAML syntax error: {problem}{context}",
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        ) from None
    except yaml.reader.ReaderError as exc:
        raise YamlProblem(f"YAML syntax error: {exc.reason}", None) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"YAML syntax error: {type(exc).__name__}", None) from None
    finally:
        parser.dispose()
    document = Document(None)
    if root is not None:
        document.data = _Constructor(document).value(root, ())
    return document
