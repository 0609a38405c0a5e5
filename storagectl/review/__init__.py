"""`storagectl review`: the offline plans of every environment at a git base and in the
working tree, compared — resources, property diffs, data-loss risks, policy findings."""

from .diff import diff_plans, diff_resources, diff_values, diff_violations
from .render import render
from .run import exit_code, run_review
from .worktree import ReviewError

__all__ = [
    "ReviewError",
    "diff_plans",
    "diff_resources",
    "diff_values",
    "diff_violations",
    "exit_code",
    "render",
    "run_review",
]
