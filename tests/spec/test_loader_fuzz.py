"""Random and mutated stack documents: every rejection is the loader's own located error."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from stackspec import SpecError, load_stack_file
from tests.plans import REPO

BASE = yaml.safe_load((REPO / "stacks" / "Pulumi.prod.yaml").read_text(encoding="utf-8"))
LOCATED = re.compile(r"^[^:]+\.yaml(:\d+(:\d+)?)?: ")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.text(max_size=12),
    st.sampled_from(["{{ env }}", "{{ ''.__class__ }}", "{{ nope }}", "{% for %}", "db.r6g.large"]),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a document."""
    found = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            found += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += paths(v, (*prefix, i))
    return found


ALL_PATHS = [p for p in paths(BASE) if len(p) >= 2]


def mutate(
    document: dict[str, Any], path: tuple[Any, ...], value: Any, delete: bool
) -> dict[str, Any]:
    """A copy of `document` with the node at `path` replaced (or deleted)."""
    out = copy.deepcopy(document)
    node = out
    for step in path[:-1]:
        node = node[step]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


def check(tmp_path: Path, document: Any) -> None:
    """Loading either succeeds or raises SpecError whose every line is located."""
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    try:
        load_stack_file(path)
    except SpecError as exc:
        assert exc.problems, "a SpecError lists at least one problem"
        for problem in exc.problems:
            assert LOCATED.match(str(problem)), str(problem)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(ALL_PATHS), value=values, delete=st.booleans())
def test_mutated_stack_documents_fail_only_with_located_errors(
    tmp_path: Path, path: tuple[Any, ...], value: Any, delete: bool
) -> None:
    check(tmp_path, mutate(BASE, path, value, delete))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=values)
def test_random_documents_fail_only_with_located_errors(tmp_path: Path, document: Any) -> None:
    check(tmp_path, {"config": document} if isinstance(document, dict) else document)


# --- Mutations of the shipped stack files, at byte and YAML-node level (issue 9) -----------
#
# The oracle: `load_stack_file` either returns a spec or raises SpecError whose every
# problem is located and none is the loader's last-resort "failed unexpectedly". The
# number of examples comes from the hypothesis profile (tests/conftest.py): a few hundred
# by default, thousands with `--hypothesis-profile=long`; benchmarks/loader_limits.py runs
# the same strategies 4,000 times and counts exceptions of any other kind.

SHIPPED = {
    stack: (REPO / "stacks" / f"Pulumi.{stack}.yaml").read_bytes()
    for stack in ("dev", "staging", "prod")
}
INTERNAL = "the loader failed unexpectedly"
TOKENS = [
    b"\x00",
    b"\xff",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\t",
    b"\r",
    b"\n",
    b"\n---\n",
    b": ",
    b"- ",
    b"? ",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b"&a ",
    b"*a",
    b"<<: ",
    b"!!python/object:os.system ",
    b"!!binary ",
    b"!!int ",
    b"!!float ",
    b"!!bool ",
    b"!!timestamp ",
    b"!!map ",
    b"!!str ",
    b"!!set ",
    b"!x ",
    b"0x10",
    b"1:30",
    b"2024-01-01",
    b"1e999",
    b"~",
    b"'",
    b'"',
    b"\\",
    b"#",
    b"|",
    b">",
    b"%",
    b"@",
    b"`",
    b"{{ ",
    b" }}",
    b"{% ",
    b" %}",
    b"{{ 10**100000 }}",
    b"{{ range(10**9)|list }}",
    b"{% include 'x' %}",
    b"secure: ",
    b"9" * 5000,
    b"[" * 70,
    b"    ",
]
byte_edit = st.tuples(
    st.sampled_from(["insert", "delete", "replace", "duplicate"]),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=8)),
    st.integers(min_value=1, max_value=64),
)


def mutate_bytes(data: bytes, edits: list[tuple[str, float, bytes, int]]) -> bytes:
    """Apply insert/delete/replace/duplicate edits at relative positions."""
    for kind, where, token, length in edits:
        at = int(where * len(data))
        if kind == "insert":
            data = data[:at] + token + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + length :]
        elif kind == "replace":
            data = data[:at] + token + data[at + len(token) :]
        else:
            data = data[:at] + data[at : at + length] * 3 + data[at:]
    return data


def outcome(tmp_path: Path, data: bytes) -> str:
    """`loaded`, `spec-error`, or `crash: ...` for one stack file's bytes (never raises)."""
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_bytes(data)
    try:
        load_stack_file(path)
    except SpecError as exc:
        lines = [str(p) for p in exc.problems]
        if not lines or INTERNAL in str(exc):
            return f"crash: {str(exc)[:300]}"
        unlocated = [line for line in lines if not LOCATED.match(line)]
        return f"crash: not located: {unlocated[0]}" if unlocated else "spec-error"
    except BaseException as exc:  # what the oracle forbids
        return f"crash: {type(exc).__name__}: {str(exc)[:300]}"
    return "loaded"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stack=st.sampled_from(sorted(SHIPPED)), edits=st.lists(byte_edit, min_size=1, max_size=5))
def test_byte_mutations_of_shipped_stacks_fail_only_with_located_errors(
    tmp_path: Path, stack: str, edits: list[tuple[str, float, bytes, int]]
) -> None:
    result = outcome(tmp_path, mutate_bytes(SHIPPED[stack], edits))
    assert not result.startswith("crash"), result


SCALARS = [
    ("tag:yaml.org,2002:str", "x"),
    ("tag:yaml.org,2002:int", "abc"),
    ("tag:yaml.org,2002:int", "0x10"),
    ("tag:yaml.org,2002:float", "abc"),
    ("tag:yaml.org,2002:bool", "maybe"),
    ("tag:yaml.org,2002:timestamp", "2024-99-99"),
    ("tag:yaml.org,2002:timestamp", "2024-01-01"),
    ("tag:yaml.org,2002:binary", "aGVsbG8="),
    ("tag:yaml.org,2002:python/object:os.system", "ls"),
    ("tag:yaml.org,2002:str", "2024-01-01"),
    ("tag:yaml.org,2002:null", ""),
    ("!local", "x"),
    ("tag:yaml.org,2002:str", "{{ 10**100000 }}"),
    ("tag:yaml.org,2002:str", "{{ env }}-{{ name }}"),
    ("tag:yaml.org,2002:str", "{% for i in range(10**9) %}{% endfor %}"),
    ("tag:yaml.org,2002:str", "1:30"),
    ("tag:yaml.org,2002:str", "\x00"),
    ("tag:yaml.org,2002:int", "9" * 5000),
]
node_edit = st.tuples(
    st.sampled_from(["scalar", "tag", "alias", "nest", "complex-key", "duplicate-key", "delete"]),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=10_000),
    st.sampled_from(SCALARS),
)
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def _slots(root: yaml.Node) -> list[tuple[yaml.Node, int, int]]:
    """(parent, index, 0 for a value / 1 for a key) of every node below `root`, in order."""
    found: list[tuple[yaml.Node, int, int]] = []
    stack: list[yaml.Node] = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for i, (key, value) in enumerate(node.value):
                found += [(node, i, 1), (node, i, 0)]
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                found.append((node, i, 0))
                stack.append(item)
    return found


def _get(parent: yaml.Node, index: int, is_key: int) -> yaml.Node:
    item = parent.value[index]
    return item[1 - is_key] if isinstance(parent, yaml.MappingNode) else item


def _set(parent: yaml.Node, index: int, is_key: int, node: yaml.Node) -> None:
    if isinstance(parent, yaml.MappingNode):
        key, value = parent.value[index]
        parent.value[index] = (node, value) if is_key else (key, node)
    else:
        parent.value[index] = node


def mutate_nodes(data: bytes, edits: list[tuple[str, int, int, tuple[str, str]]]) -> bytes | None:
    """Edit the composed node graph (tags, aliases, nesting, keys), then serialise it."""
    root = yaml.compose(data.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for kind, first, second, (tag, value) in edits:
        slots = _slots(root)
        if not slots:
            break
        parent, index, is_key = slots[first % len(slots)]
        node = _get(parent, index, is_key)
        if kind == "scalar":
            _set(parent, index, is_key, yaml.ScalarNode(tag, value))
        elif kind == "tag":
            node.tag = (
                tag if isinstance(node, yaml.ScalarNode) else (_SEQ if node.tag == _MAP else _MAP)
            )
        elif kind == "alias":  # shares a node: an alias, or a recursive alias if an ancestor
            other_parent, other_index, other_key = slots[second % len(slots)]
            _set(parent, index, is_key, _get(other_parent, other_index, other_key))
        elif kind == "nest":
            for _ in range(second % 80):
                node = yaml.SequenceNode(_SEQ, [node])
            _set(parent, index, is_key, node)
        elif kind == "complex-key" and isinstance(parent, yaml.MappingNode):
            _set(parent, index, 1, yaml.SequenceNode(_SEQ, [node]))
        elif kind == "duplicate-key" and isinstance(parent, yaml.MappingNode):
            parent.value.insert(index, parent.value[index])
        elif kind == "delete":
            del parent.value[index]
    try:
        return yaml.serialize(root, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper)).encode(
            "utf-8"
        )
    except (yaml.YAMLError, RecursionError, UnicodeEncodeError):
        return None  # a graph the emitter cannot write: not a file anyone could hand us


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stack=st.sampled_from(sorted(SHIPPED)), edits=st.lists(node_edit, min_size=1, max_size=4))
def test_node_mutations_of_shipped_stacks_fail_only_with_located_errors(
    tmp_path: Path, stack: str, edits: list[tuple[str, int, int, tuple[str, str]]]
) -> None:
    data = mutate_nodes(SHIPPED[stack], edits)
    assume(data is not None)
    assert data is not None
    result = outcome(tmp_path, data)
    assert not result.startswith("crash"), result
