"""The README's rule table is generated from the registry and must be current."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from tests.plans import REPO

SCRIPT = REPO / "scripts" / "gen_rule_table.py"


def _module():
    spec = importlib.util.spec_from_file_location("gen_rule_table", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_rule_table"] = module
    spec.loader.exec_module(module)
    return module


def test_readme_rule_table_is_current() -> None:
    generator = _module()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert generator.rewrite(readme) == readme, "run scripts/gen_rule_table.py"


def test_rule_table_lists_every_rule_once_with_its_prod_level() -> None:
    generator = _module()
    text = generator.table()
    prod = json.loads((REPO / "policies" / "config" / "prod.json").read_text())
    for rule in generator._rules():
        (row,) = [line for line in text.splitlines() if line.startswith(f"| `{rule.name}` |")]
        assert row.split(" | ")[5] == generator.enforcement(rule.name, prod)


def test_stale_table_is_detected(tmp_path: Path) -> None:
    generator = _module()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    stale = readme.replace("| `kms-key-enable-rotation` |", "| `kms-key-enable-rotations` |")
    assert stale != readme and generator.rewrite(stale) != stale


def test_enforcement_follows_entry_then_all() -> None:
    generator = _module()
    config = {"all": "mandatory", "a": "disabled", "b": {"enforcementLevel": "advisory"}}
    assert [generator.enforcement(n, config) for n in ("a", "b", "c")] == [
        "disabled",
        "advisory",
        "mandatory",
    ]
    assert generator.enforcement("c", {}) == "advisory"
