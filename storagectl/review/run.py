"""A review end to end: check out the base, plan both sides, diff each environment."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..engine import DEFAULT_TIMEOUT_S
from ..parallel import PLAN_OVERHEAD_S
from ..workspace import stacks
from .collect import PARALLEL_PLANS, PlanResult, Side, plan_sides
from .diff import diff_plans, new_mandatory
from .worktree import ReviewError, checkout, repository_root, resolve_commit

EXIT_OK, EXIT_VIOLATIONS, EXIT_INVALID = 0, 1, 2
HEAD_LABEL = "working tree"


def run_review(
    program_dir: Path,
    base: str,
    only: Sequence[str] = (),
    timeout_s: float = DEFAULT_TIMEOUT_S,
    deadline_s: float | None = None,
) -> dict[str, Any]:
    """The review document of `program_dir`'s working tree against git revision `base`.

    `only` limits the environments (like Ansible's `--limit`); ReviewError on bad input.
    Each plan's program gets `timeout_s`; the whole review ends within `deadline_s`
    (default: `default_deadline`), plans not done by then are errors.
    """
    started = time.monotonic()
    program_dir = program_dir.resolve()
    repository = repository_root(program_dir)
    commit = resolve_commit(repository, base)
    # The project may live in a subdirectory of the repository; find it in the base tree.
    relative = program_dir.relative_to(repository.resolve())
    with checkout(repository, commit) as tree:
        base_dir = tree / relative
        base_envs = stacks(base_dir) if (base_dir / "Pulumi.yaml").exists() else []
        head_envs = stacks(program_dir)
        envs = _selected(sorted(set(base_envs) | set(head_envs)), only)
        sides = [
            Side(label, tree_dir, wanted, every_env=set(wanted) == set(present))
            for label, tree_dir, present in (
                ("base", base_dir, base_envs),
                ("head", program_dir, head_envs),
            )
            if (wanted := [env for env in envs if env in present])
        ]
        count = sum(len(side.envs) for side in sides)
        budget = deadline_s if deadline_s is not None else default_deadline(timeout_s, count)
        plans = plan_sides(sides, timeout_s, started + budget)
    environments = {
        env: _environment(base, plans.get(("base", env)), plans.get(("head", env))) for env in envs
    }
    return {
        "base": base,
        "base_commit": commit,
        "head": HEAD_LABEL,
        "environments": environments,
        "summary": summarize(environments),
    }


def default_deadline(timeout_s: float, plans: int) -> float:
    """Seconds for a whole review: every plan at its limit, `PARALLEL_PLANS` at a time."""
    rounds = max(1, math.ceil(plans / PARALLEL_PLANS))
    return rounds * (timeout_s + PLAN_OVERHEAD_S) + 60.0  # + the git worktree


def _selected(known: list[str], only: Sequence[str]) -> list[str]:
    unknown = sorted(set(only) - set(known))
    if unknown:
        raise ReviewError(
            f"--env {', '.join(unknown)}: no such environment at the base or in the working "
            f"tree (known: {', '.join(known) or 'none'})"
        )
    return [e for e in known if not only or e in only]


def _environment(base_ref: str, base: PlanResult | None, head: PlanResult | None) -> dict[str, Any]:
    errors = [
        f"{side}: {result.error}"
        for side, result in ((f"base ({base_ref})", base), (f"head ({HEAD_LABEL})", head))
        if result is not None and result.error is not None
    ]
    if errors:
        empty = diff_plans(None, None)
        return {**empty, "status": "error", "error": "\n".join(errors)}
    return diff_plans(
        base.document if base is not None else None, head.document if head is not None else None
    )


def summarize(environments: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """Totals over all environments, for the headline and the exit code."""
    values = list(environments.values())
    return {
        "environments": len(values),
        "errors": sum(1 for e in values if e["error"]),
        "data_loss_risks": sum(len(e["data_loss_risks"]) for e in values),
        "new_violations": sum(len(e["new_violations"]) for e in values),
        "new_mandatory_violations": sum(new_mandatory(e) for e in values),
        "resolved_violations": sum(len(e["resolved_violations"]) for e in values),
    }


def exit_code(review: Mapping[str, Any]) -> int:
    """2 when an environment could not be planned, 1 when HEAD adds a mandatory violation."""
    summary = review["summary"]
    if summary["errors"]:
        return EXIT_INVALID
    return EXIT_VIOLATIONS if summary["new_mandatory_violations"] else EXIT_OK
