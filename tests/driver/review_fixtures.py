"""Builders for `storagectl review` tests: small hand-written plans and git repositories."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.plans import REPO

BUCKET = "aws:s3/bucket:Bucket"
INSTANCE = "aws:rds/instance:Instance"
POLICY = "aws:iam/policy:Policy"
GIT_USER = ["-c", "user.name=review-test", "-c", "user.email=review-test@example.invalid"]


def resource(name: str, type_: str = BUCKET, **fields: Any) -> dict[str, Any]:
    """A plan resource with the contract's keys; `fields` override (inputs, protect, ...)."""
    return {
        "urn": f"urn:pulumi:dev::backend-storage::{type_}::{name}",
        "type": type_,
        "name": name,
        "parent": None,
        "provider": None,
        "custom": True,
        "protect": False,
        "retain_on_delete": False,
        "inputs": {},
        **fields,
    }


def violation(
    policy: str, subject: dict[str, Any], enforcement: str = "advisory"
) -> dict[str, Any]:
    """A violation about `subject`, shaped like the plan's `violations` entries."""
    return {
        "policy": policy,
        "enforcement": enforcement,
        "urn": subject["urn"],
        "name": subject["name"],
        "type": subject["type"],
        "message": f"{subject['name']} breaks {policy}.",
        "controls": ["S3.8"],
        "severity": "high",
        "remediation": "Fix it.",
    }


def plan(*resources: dict[str, Any], violations: tuple[dict[str, Any], ...] = ()) -> dict:
    """A plan document holding `resources` and `violations`."""
    return {"stack": "dev", "resources": list(resources), "violations": list(violations)}


def git(repo: Path, *args: str) -> str:
    """Run git in `repo`; its stdout."""
    done = subprocess.run(
        ["git", "-C", str(repo), *GIT_USER, *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def copy_project(target: Path) -> Path:
    """The project's working tree (tracked and untracked, not ignored) as a fresh git repo.

    Untracked files count because the working tree is what `review` plans as HEAD; a new
    module not yet committed must be there for the copy to run at all.
    """
    listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "init", "--quiet")
    git(target, "add", "--all")
    git(target, "commit", "--quiet", "--message", "base")
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace `old` (which must occur) with `new` in the file at `path`."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path}: {old!r} not found"
    path.write_text(text.replace(old, new), encoding="utf-8")
