"""The engine runs of `apply`, `destroy` and `drift`, through Pulumi's Automation API.

The Automation API drives the `pulumi` CLI as a subprocess; nothing here talks to a cloud
itself. Every run first checks the CLI (present, and at least `MIN_PULUMI_VERSION`), and
collects the engine's resource events so that callers can say what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cli_version import CliProblem, pulumi_cli_version


class DeployError(Exception):
    """The engine refused or failed the run: message for the user."""


class EngineMissing(DeployError):
    """No usable Pulumi CLI on this machine (missing or too old)."""


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


@dataclass
class ResourceChange:
    """One step the engine announced (a `resourcePreEvent`)."""

    urn: str
    type: str
    op: str
    diffs: list[str] = field(default_factory=list)
    detailed_diff: dict[str, str] = field(default_factory=dict)
    old_inputs: dict[str, Any] = field(default_factory=dict)
    new_inputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class EngineResult:
    """What one engine run reported."""

    summary: str
    changes: list[ResourceChange] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    """Stack outputs after an update, plaintext (secrets included: never print them)."""


class _Changes:
    """An `on_event` callback collecting resource steps, in engine order."""

    def __init__(self) -> None:
        self.items: list[ResourceChange] = []

    def __call__(self, event: Any) -> None:
        pre = getattr(event, "resource_pre_event", None)
        if pre is None or pre.metadata is None:
            return
        meta = pre.metadata
        op = getattr(meta.op, "value", str(meta.op))
        self.items.append(
            ResourceChange(
                urn=meta.urn,
                type=meta.type,
                op=op,
                diffs=list(meta.diffs or []),
                detailed_diff={
                    k: str(getattr(getattr(v, "diff_kind", None), "value", v))
                    for k, v in (meta.detailed_diff or {}).items()
                },
                old_inputs=dict((meta.old.inputs if meta.old else None) or {}),
                new_inputs=dict((meta.new.inputs if meta.new else None) or {}),
            )
        )


def _stack(program_dir: Path, stack: str) -> Any:
    try:
        pulumi_cli_version()
    except CliProblem as exc:
        raise EngineMissing(str(exc)) from None
    from pulumi import automation as auto  # the CLI exists: only now is the import useful

    try:
        return auto.select_stack(stack_name=stack, work_dir=str(program_dir))
    except auto.errors.CommandError as exc:
        raise DeployError(
            f"pulumi stack select {stack} failed: {_first_error(exc)}; create it with "
            f"`pulumi stack init {stack}` after `pulumi login`"
        ) from None


def _first_error(exc: Exception) -> str:
    # CommandError's text is the whole command transcript; its `error:` line is the cause.
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    errors = [line[line.lower().index("error:") :] for line in lines if "error:" in line.lower()]
    return (errors or lines or [type(exc).__name__])[0][:500]


def run(request: DeployRequest, on_output: Callable[[str], Any]) -> EngineResult:
    """Preview or update the stack; returns the engine's summary and steps."""
    from pulumi.automation import errors

    stack = _stack(request.program_dir, request.stack)
    changes = _Changes()
    arguments = request.engine_arguments()
    try:
        if request.check:
            preview = stack.preview(on_output=on_output, on_event=changes, **arguments)
            return EngineResult(f"preview: {dict(preview.change_summary)}", changes.items)
        result = stack.up(on_output=on_output, on_event=changes, **arguments)
    except errors.CommandError as exc:
        raise DeployError(
            f"pulumi {'preview' if request.check else 'up'} failed: {_first_error(exc)}"
        ) from None
    outputs = {key: value.value for key, value in (result.outputs or {}).items()}
    return EngineResult(
        f"{result.summary.result}: {dict(result.summary.resource_changes or {})}",
        changes.items,
        outputs,
    )


def destroy(
    program_dir: Path, stack_name: str, preview_only: bool, on_output: Callable[[str], Any]
) -> EngineResult:
    """`pulumi destroy --preview-only`, or the destroy itself."""
    from pulumi.automation import errors

    stack = _stack(program_dir, stack_name)
    changes = _Changes()
    try:
        if preview_only:
            preview = stack.preview_destroy(on_output=on_output, on_event=changes)
            return EngineResult(f"preview: {dict(preview.change_summary)}", changes.items)
        result = stack.destroy(on_output=on_output, on_event=changes)
    except errors.CommandError as exc:
        what = "destroy --preview-only" if preview_only else "destroy"
        raise DeployError(f"pulumi {what} failed: {_first_error(exc)}") from None
    return EngineResult(
        f"{result.summary.result}: {dict(result.summary.resource_changes or {})}", changes.items
    )


def drift(
    program_dir: Path,
    stack_name: str,
    policy_pack: Path,
    policy_config: Path | None,
    on_output: Callable[[str], Any],
) -> tuple[list[ResourceChange], list[ResourceChange]]:
    """(what the cloud changed outside Pulumi, what an update would change) for a stack.

    The first is `pulumi refresh --preview-only` (the state against the cloud); the second
    `pulumi preview --expect-no-changes` (the program against the state). Neither writes.
    """
    from pulumi.automation import errors

    stack = _stack(program_dir, stack_name)
    refreshed, previewed = _Changes(), _Changes()
    try:
        stack.preview_refresh(on_output=on_output, on_event=refreshed)
    except errors.CommandError as exc:
        raise DeployError(f"pulumi refresh --preview-only failed: {_first_error(exc)}") from None
    arguments: dict[str, Any] = {"policy_packs": [str(policy_pack)], "expect_no_changes": True}
    if policy_config is not None:
        arguments["policy_pack_configs"] = [str(policy_config)]
    try:
        stack.preview(on_output=on_output, on_event=previewed, **arguments)
    except errors.CommandError as exc:
        # --expect-no-changes makes the CLI fail when there are changes: the events tell
        # which. A failure without any change event is a real failure.
        if not [c for c in previewed.items if c.op != "same"]:
            raise DeployError(f"pulumi preview failed: {_first_error(exc)}") from None
    return _drifted(refreshed.items), [c for c in previewed.items if c.op != "same"]


def _drifted(steps: list[ResourceChange]) -> list[ResourceChange]:
    # A refresh step is drift when the cloud differs from the state: a changed property, or
    # a resource that is gone (refresh reports it as a delete).
    return [s for s in steps if s.op == "delete" or (s.op not in ("same", "read") and s.diffs)]
