"""`storagectl review` of every environment: each side planned by one `plan --all` process
(storagectl/review/collect.py), a failing environment reported without hiding the others,
and a base whose driver predates `plan --all` planned one environment at a time."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from storagectl.review.collect import Side, plan_sides
from tests.driver.review_fixtures import copy_project, git


@pytest.fixture(scope="module")
def whole_review(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path]:
    """(exit code, JSON document, repo) of `review` of every environment, where the working
    tree breaks dev's stack file and adds a replica to prod."""
    repo = copy_project(tmp_path_factory.mktemp("project"))
    dev = repo / "stacks" / "Pulumi.dev.yaml"
    dev.write_text(
        dev.read_text(encoding="utf-8").replace(
            "backend-storage:buckets:", "backend-storage:bukets:"
        ),
        encoding="utf-8",
    )
    prod = repo / "stacks" / "Pulumi.prod.yaml"
    prod.write_text(
        prod.read_text(encoding="utf-8").replace(
            "db.r6g.large\n      replicas: 1\n", "db.r6g.large\n      replicas: 2\n"
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "storagectl", "review", "--format", "json"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return done.returncode, json.loads(done.stdout), repo


def test_whole_review_covers_every_environment(whole_review: Any) -> None:
    assert list(whole_review[1]["environments"]) == ["dev", "prod", "staging"]


def test_whole_review_reports_the_broken_environment_with_its_error(whole_review: Any) -> None:
    error = whole_review[1]["environments"]["dev"]["error"] or ""
    assert (whole_review[0], error.startswith("head (working tree): "), "bukets" in error) == (
        2,
        True,
        True,
    )


def test_whole_review_still_diffs_the_other_environments(whole_review: Any) -> None:
    prod = whole_review[1]["environments"]["prod"]
    added = [r["name"] for r in prod["added"]]
    assert (prod["error"], added) == (None, ["backend-storage-prod-catalog-instance-3"])


def test_whole_review_removes_its_worktree(whole_review: Any) -> None:
    assert len(git(whole_review[2], "worktree", "list").splitlines()) == 1


OLD_DRIVER = """\
import json, sys

args = sys.argv[1:]
if "--all" in args:
    print("Usage: storagectl plan [OPTIONS] [ENV]", file=sys.stderr)
    print("Error: No such option: --all", file=sys.stderr)
    sys.exit(2)
env = args[1]
print(json.dumps({"stack": env, "resources": [], "violations": []}))
"""


def test_a_driver_without_plan_all_is_asked_one_environment_at_a_time(tmp_path: Path) -> None:
    # `python -m storagectl` in the tree runs the tree's own driver: here, an old one.
    (tmp_path / "storagectl").mkdir()
    (tmp_path / "storagectl" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "storagectl" / "__main__.py").write_text(OLD_DRIVER, encoding="utf-8")
    side = Side("base", tmp_path, ["dev", "prod"], every_env=True)
    plans = plan_sides([side], timeout_s=30, deadline=time.monotonic() + 120)
    assert {key: result.document for key, result in plans.items()} == {
        ("base", "dev"): {"stack": "dev", "resources": [], "violations": []},
        ("base", "prod"): {"stack": "prod", "resources": [], "violations": []},
    }
