"""The plan renderers (storagectl/report): their fast paths print what the slow ones did."""

from __future__ import annotations

import copy
import importlib
import io
import json
from typing import Any

import pytest
from rich.console import Console

from storagectl.plan import is_redacted, redact_plan
from storagectl.report import render
from storagectl.report.jsontext import dumps_indented
from tests.plans import plan_of

# The module, not the `render` function the package exports under the same name.
render_module = importlib.import_module("storagectl.report.render")


class _Text(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": [], "b": {}, "c": [[], {}, [1, [2, {"d": None}]]]},
        [1.5, -0.0, 1e300, float("nan"), float("inf"), -float("inf"), True, False, None, 10**30],
        'é\u2028\x00"\\ 界',
        (1, ("x",)),
        {2: "int key", None: 2, 1.5: 3, True: 4},
        [_Text("a str subclass")],
    ],
)
def test_indented_json_is_json_dumps_indented(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2)


def test_indented_json_of_a_plan_is_json_dumps_indented() -> None:
    plan = plan_of("prod")
    assert dumps_indented(plan) == json.dumps(plan, indent=2)


def test_indented_json_raises_as_json_dumps_does() -> None:
    with pytest.raises(TypeError):
        dumps_indented({"a": {1, 2}})


def test_a_redacted_plan_is_known_as_such_until_it_changes() -> None:
    plan = redact_plan(copy.deepcopy(plan_of("dev")))
    assert is_redacted(plan)
    plan["resources"][0]["inputs"]["note"] = "added later"
    assert not is_redacted(plan)


def test_a_credential_added_to_a_redacted_plan_is_still_redacted_by_every_renderer() -> None:
    plan = redact_plan(copy.deepcopy(plan_of("dev")))
    plan["resources"][0]["inputs"]["dbPassword"] = "added-after-redaction-9876"
    plan["violations"].append({**plan["violations"][0], "message": "added-after-redaction-9876"})
    for fmt in ("json", "table", "markdown", "sarif"):
        assert "added-after-redaction-9876" not in render(plan, fmt), fmt


def _table_row_by_row(plan: dict[str, Any], width: int) -> str:
    """The table as rich prints it with one row per resource (the layout before stacking)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=False,
        color_system=None,
        markup=False,
        emoji=False,
        highlight=False,
    )
    providers = render_module._providers(plan)
    rows = [
        (
            r["type"],
            r["name"],
            render_module._region(plan, r, providers),
            "yes" if r["protect"] else "",
        )
        for r in plan["resources"]
        if r["custom"] and not r["type"].startswith("pulumi:providers:")
    ]
    title = f"{plan['project']} / {plan['stack']}"
    console.print(render_module._grid(title, rows))
    console.print(render_module.summary_line(plan))
    for v in plan["violations"]:
        console.print(f"[{v['enforcement']}] {v['policy']}: {v['message']}")
    return buffer.getvalue()


@pytest.mark.parametrize("width", [40, 90, 160])
@pytest.mark.parametrize(
    "name",
    ["", "a very long name " + "w" * 70, "界" * 30, "tab\there", "two\nlines", "┡━ │ [b]x[/]"],
)
def test_table_prints_as_one_row_per_resource_would(width: int, name: str) -> None:
    plan = copy.deepcopy(plan_of("dev"))
    custom = [r for r in plan["resources"] if r["custom"]]
    custom[3]["name"] = name
    assert render(plan, "table", width=width) == _table_row_by_row(redact_plan(plan), width)
