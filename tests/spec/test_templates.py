"""Template limits: each abusive template is refused quickly with a located error; secrets are never templates."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import config as runtime_config

from stackspec import SpecError, load_runtime_config, load_stack_file, read_stack_file
from stackspec.runtime import current_config
from stackspec.sandbox import RENDER_BUDGET_SECONDS
from tests.plans import REPO
from tests.spec.make_hostile_corpus import TEMPLATE_PAYLOADS

PROD = (REPO / "stacks" / "Pulumi.prod.yaml").read_text(encoding="utf-8")
REFUSED = {name: case for name, case in TEMPLATE_PAYLOADS.items() if case[1] is not None}
QUICKLY = RENDER_BUDGET_SECONDS + 1.0


def with_cost_center(tmp_path: Path, value: str) -> Path:
    """The prod stack with `tags.cost-center` set to the double-quoted `value`."""
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(PROD.replace('cost-center: "4711"', f'cost-center: "{quoted}"'), "utf-8")
    return path


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_abusive_template_is_refused_quickly_at_its_key(tmp_path: Path, name: str) -> None:
    payload, says = REFUSED[name]
    path = with_cost_center(tmp_path, payload)
    line = next(i + 1 for i, t in enumerate(path.read_text().splitlines()) if "cost-center" in t)
    started = time.monotonic()
    with pytest.raises(SpecError) as caught:
        load_stack_file(path)
    elapsed = time.monotonic() - started
    (problem,) = caught.value.problems
    assert (problem.line, problem.key) == (line, "backend-storage:tags.cost-center")
    assert says is not None and says in problem.message
    assert elapsed < QUICKLY, f"{name} took {elapsed:.2f} s"


def test_documented_variables_and_filters_still_render(tmp_path: Path) -> None:
    path = with_cost_center(tmp_path, "{{ project }}/{{ env|upper }}/{{ range(3)|join('-') }}")
    assert load_stack_file(path).tags["cost-center"] == "backend-storage/PROD/0-1-2"


def test_one_time_budget_covers_the_whole_file(tmp_path: Path) -> None:
    # Two slow values: the second is not given a budget of its own (reported once).
    slow = "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"
    text = PROD.replace('cost-center: "4711"', f'cost-center: "{slow}"\n    other: "{slow}"')
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(SpecError) as caught:
        load_stack_file(path)
    assert time.monotonic() - started < QUICKLY
    assert [p.key for p in caught.value.problems if "longer than" in p.message] == [
        "backend-storage:tags.cost-center"
    ]


def engine_config(path: Path) -> dict[str, Any]:
    """The config the Pulumi engine would pass for `path`: JSON text for structured values."""
    stack = read_stack_file(path)
    return {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in stack.config.items()}


SECRET = "p4ss {{ 1/0 }} {% include 'x' %} word"


def test_a_decrypted_secret_is_never_rendered(tmp_path: Path) -> None:
    # The stack file holds the ciphertext; the engine hands the program the plaintext.
    text = PROD.replace('cost-center: "4711"', "cost-center:\n      secure: v1:Y2lwaGVy")
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(text, encoding="utf-8")
    config = engine_config(path)
    tags = json.loads(config["backend-storage:tags"])
    tags["cost-center"] = SECRET
    config["backend-storage:tags"] = json.dumps(tags)
    spec = load_runtime_config(config, "backend-storage", "prod", path, ["backend-storage:tags"])
    assert spec.tags["cost-center"] == SECRET
    assert spec.tags["stack"] == "backend-storage-prod"  # the file's own template still renders


def test_a_secret_the_file_does_not_hold_is_never_rendered_nor_echoed(tmp_path: Path) -> None:
    config = engine_config(REPO / "stacks" / "Pulumi.prod.yaml")
    config["backend-storage:owner"] = SECRET
    config["backend-storage:tier"] = "{{ 1/0 }} " + SECRET  # invalid, and secret
    secret = ["backend-storage:owner", "backend-storage:tier"]
    with pytest.raises(SpecError) as caught:
        load_runtime_config(config, "backend-storage", "prod", None, secret)
    assert "p4ss" not in str(caught.value) and "1/0" not in str(caught.value)
    assert "got a secret value" in str(caught.value)


def test_the_pulumi_up_path_asks_the_engine_which_keys_are_secret(tmp_path: Path) -> None:
    # __main__.py calls load_runtime_config(current_config(), ...) without secret keys.
    config = engine_config(REPO / "stacks" / "Pulumi.prod.yaml")
    config["backend-storage:owner"] = SECRET
    previous = (runtime_config.CONFIG.get(), runtime_config._SECRET_KEYS.get())
    runtime_config.set_all_config(config, ["backend-storage:owner"])
    try:
        spec = load_runtime_config(
            current_config(), "backend-storage", "prod", REPO / "stacks" / "Pulumi.prod.yaml"
        )
    finally:
        runtime_config.set_all_config(previous[0], sorted(previous[1]))
    assert spec.owner == SECRET
