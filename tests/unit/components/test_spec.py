"""Cross-key rules of the spec models (`components/spec/environment.py`), through the loader."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from stackspec import SpecError, build_spec, read_stack_file
from tests.plans import REPO


def prod_config(**databases: dict[str, Any]) -> dict[str, Any]:
    """The shipped prod config with some keys of `backend-storage:databases` replaced."""
    config = copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.prod.yaml").config)
    for name, keys in databases.items():
        config["backend-storage:databases"][name].update(keys)
    return config


def problems(config: dict[str, Any]) -> list[str]:
    """The located problems of `config`, as `key: message`."""
    try:
        build_spec(config, "backend-storage", "prod", None)
    except SpecError as exc:
        return [f"{p.key}: {p.message}" for p in exc.problems]
    return []


@pytest.mark.parametrize(("version", "major"), [("16.4", "16"), ("16.4.2", "16")])
def test_instance_with_a_pinned_minor_is_refused_with_the_fix(version: str, major: str) -> None:
    found = problems(prod_config(orders={"engineVersion": version}))
    assert len(found) == 1 and found[0].startswith(
        f'backend-storage:databases.orders.engineVersion: pin the major version only ("{major}")'
    ), found


def test_mysql_instance_major_is_two_numbers() -> None:
    found = problems(prod_config(orders={"engine": "mysql", "engineVersion": "8.0.39"}))
    assert len(found) == 1 and '("8.0")' in found[0], found


def test_aurora_needs_the_full_version_to_create_with() -> None:
    found = problems(prod_config(catalog={"engineVersion": "8.0"}))
    assert len(found) == 1 and "give the full Aurora version" in found[0], found


def test_shipped_versions_are_accepted() -> None:
    assert problems(prod_config()) == []


def test_failover_without_any_dr_copy_is_refused() -> None:
    config = copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.dev.yaml").config)
    config["backend-storage:failover"] = {"active": True}
    try:
        build_spec(config, "backend-storage", "dev", None)
    except SpecError as exc:
        found = [f"{p.key}: {p.message}" for p in exc.problems]
    else:
        found = []
    assert len(found) == 1 and found[0].startswith(
        "backend-storage:failover.active: no store has a copy in a DR region"
    ), found


def test_failover_of_prod_is_accepted() -> None:
    config = prod_config()
    config["backend-storage:failover"] = {"active": True}
    assert problems(config) == []
