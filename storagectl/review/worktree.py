"""The base side of a review: a detached `git worktree` of REF in a temporary directory.

A worktree shares the repository's objects, so it costs no clone, and it leaves the
user's working tree, index and stash alone. It is removed when the review ends, also
when planning fails or the user interrupts: `signals_raise` (storagectl/parallel.py)
turns SIGTERM and SIGINT into an exception, so the `finally` of `checkout` runs (a CI job
cancelled mid-review leaves no worktree registered in the repository).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


class ReviewError(Exception):
    """Invalid input to a review (not a git repository, unknown REF): message for the user."""


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False
    )


def repository_root(path: Path) -> Path:
    """The top of the git working tree that contains `path`."""
    try:
        result = _git(path, "rev-parse", "--show-toplevel")
    except FileNotFoundError:
        raise ReviewError("git is not installed; `storagectl review` needs it") from None
    if result.returncode != 0:
        raise ReviewError(
            f"{path}: not inside a git repository; `storagectl review` compares git revisions"
        )
    return Path(result.stdout.strip())


def resolve_commit(repository: Path, ref: str) -> str:
    """The full commit id `ref` names; ReviewError naming `ref` when there is none."""
    # `--end-of-options` keeps a REF that starts with "-" from being read as an option.
    result = _git(
        repository, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise ReviewError(
            f"--base {ref}: no such commit in {repository} "
            "(a branch, tag or commit id, e.g. origin/main or HEAD~1)"
        )
    return result.stdout.strip()


@contextlib.contextmanager
def checkout(repository: Path, commit: str) -> Iterator[Path]:
    """A detached worktree of `commit`; removed (and pruned from git's list) afterwards."""
    parent = Path(tempfile.mkdtemp(prefix="storagectl-review-"))
    tree = parent / "base"
    try:
        added = _git(repository, "worktree", "add", "--detach", "--quiet", str(tree), commit)
        if added.returncode != 0:
            raise ReviewError(f"cannot check out {commit[:12]}: {added.stderr.strip()}")
        yield tree
    finally:
        _git(repository, "worktree", "remove", "--force", str(tree))
        shutil.rmtree(parent, ignore_errors=True)
        # If `remove` could not run (a half-made worktree), forget the missing directory.
        _git(repository, "worktree", "prune")
