"""The project as a user meets it: Pulumi.yaml, the README's commands, CI calling them."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import yaml

from tests.plans import REPO

SCHEMA = REPO.parent / "shared" / "schemas" / "pulumi-project.schema.json"
VENDORED = REPO / "tests" / "data" / "pulumi-project.schema.json"


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- readme-commands -->", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]


def test_pulumi_yaml_matches_the_official_schema() -> None:
    schema_path = SCHEMA if SCHEMA.exists() else VENDORED
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    project = yaml.safe_load((REPO / "Pulumi.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(project, schema)


def test_pulumi_yaml_names_the_stack_dir_and_venv() -> None:
    project = yaml.safe_load((REPO / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert (project["name"], project["stackConfigDir"], project["runtime"]["options"]) == (
        "backend-storage",
        "stacks",
        {"toolchain": "pip", "virtualenv": ".venv"},
    )


def test_readme_has_exactly_the_two_commands() -> None:
    assert readme_commands() == ["scripts/plan dev", "scripts/test"]


def test_readme_plan_command_prints_the_dev_plan() -> None:
    result = subprocess.run(
        readme_commands()[0], shell=True, cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert (result.returncode, "backend-storage / dev" in result.stdout) == (0, True), result.stderr


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(rf"^exec {re.escape(readme_commands()[1])}$", ci, re.M)


def test_vendored_schema_is_the_shared_one() -> None:
    if SCHEMA.exists():
        assert json.loads(SCHEMA.read_text()) == json.loads(VENDORED.read_text())
    else:
        assert VENDORED.exists()


def test_every_stack_file_is_used_by_pulumi_naming() -> None:
    names = sorted(p.name for p in (REPO / "stacks").iterdir())
    assert names == ["Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.staging.yaml"]


def test_program_reads_only_its_stack_dir(tmp_path: Path) -> None:
    assert "STACKS" in (REPO / "__main__.py").read_text() and Path(REPO / "stacks").is_dir()


def test_readme_database_and_cache_example_is_a_valid_stack_file_section() -> None:
    from stackspec import build_spec

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Databases and caches", 1)[1]
    example = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])["config"]
    config = yaml.safe_load((REPO / "stacks" / "Pulumi.prod.yaml").read_text(encoding="utf-8"))[
        "config"
    ]
    spec = build_spec({**config, **example}, "backend-storage", "prod", None)
    assert (sorted(spec.databases), sorted(spec.caches)) == (
        ["catalog", "orders"],
        ["catalog", "sessions"],
    )
