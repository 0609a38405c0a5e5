"""`pulumi preview` / `pulumi up` for one stack, with the policy pack, via the Automation API."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class DeployError(Exception):
    """The engine refused or failed the run: message for the user."""


class EngineMissing(DeployError):
    """No Pulumi CLI on this machine."""


@dataclass(frozen=True)
class DeployRequest:
    """Everything one engine run needs."""

    program_dir: Path
    stack: str
    policy_pack: Path
    policy_config: Path | None
    targets: tuple[str, ...] = ()
    check: bool = False
    """Preview only (check mode): nothing is changed."""
    diff: bool = False
    """Show property-level diffs (diff mode)."""

    def engine_arguments(self) -> dict[str, Any]:
        """Keyword arguments of `Stack.preview` / `Stack.up`."""
        arguments: dict[str, Any] = {
            "policy_packs": [str(self.policy_pack)],
            "diff": self.diff,
        }
        if self.policy_config is not None:
            arguments["policy_pack_configs"] = [str(self.policy_config)]
        if self.targets:
            # Dependents follow their targets, as `pulumi up --target-dependents`: a limit
            # never leaves a resource pointing at a replaced one.
            arguments["target"] = list(self.targets)
            arguments["target_dependents"] = True
        return arguments


def run(request: DeployRequest, on_output: Callable[[str], Any]) -> str:
    """Preview or update the stack; returns the engine's summary line."""
    if shutil.which("pulumi") is None:
        raise EngineMissing(
            "the Pulumi CLI is not installed (no `pulumi` on PATH); install it "
            "(https://www.pulumi.com/docs/install/) to deploy, or use `storagectl plan` "
            "for the offline plan"
        )
    from pulumi import automation as auto  # the CLI exists: only now is the import useful

    try:
        stack = auto.select_stack(stack_name=request.stack, work_dir=str(request.program_dir))
        arguments = request.engine_arguments()
        if request.check:
            preview = stack.preview(on_output=on_output, **arguments)
            return f"preview: {dict(preview.change_summary)}"
        result = stack.up(on_output=on_output, **arguments)
        return f"{result.summary.result}: {dict(result.summary.resource_changes or {})}"
    except auto.errors.CommandError as exc:
        raise DeployError(f"pulumi {'preview' if request.check else 'up'} failed: {exc}") from None
