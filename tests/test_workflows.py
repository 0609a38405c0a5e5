"""The GitHub workflows in .github/workflows: actionlint-clean, pinned, least privilege."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _actionlint() -> str:
    found = Path(sys.executable).parent / "actionlint"
    return str(found) if found.exists() else (shutil.which("actionlint") or "actionlint")


def test_the_three_workflows_exist() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"pull-request.yml", "deploy.yml", "drift.yml"} <= names


def test_actionlint_finds_nothing() -> None:
    done = subprocess.run(
        [_actionlint(), "-no-color", *map(str, WORKFLOWS)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (0, "")


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_sha(path: Path) -> None:
    uses = [
        step["uses"]
        for job in _load(path)["jobs"].values()
        for step in job.get("steps", [])
        if "uses" in step
    ]
    assert [u for u in uses if not PINNED.match(u)] == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_permission_is_granted_by_default_and_each_job_names_its_own(path: Path) -> None:
    data = _load(path)
    jobs = data["jobs"]
    assert (data.get("permissions"), [n for n, j in jobs.items() if "permissions" not in j]) == (
        {},
        [],
    )


def test_prod_deploys_only_after_staging_through_its_environment() -> None:
    deploy = _load(REPO / ".github" / "workflows" / "deploy.yml")["jobs"]
    stack_job = _load(REPO / ".github" / "workflows" / "deploy-stack.yml")["jobs"]["apply"]
    assert (deploy["prod"]["needs"], deploy["prod"]["with"]["stack"], stack_job["environment"]) == (
        "staging",
        "prod",
        "${{ inputs.stack }}",
    )


def test_pull_request_review_uploads_sarif_and_comments() -> None:
    text = (REPO / ".github" / "workflows" / "pull-request.yml").read_text(encoding="utf-8")
    assert (
        "storagectl review --base" in text,
        "upload-sarif" in text,
        "updateComment" in text,
    ) == (True, True, True)
