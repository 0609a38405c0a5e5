"""Random and mutated stack documents: every rejection is the loader's own located error."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
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
