"""Run components in-process under the Pulumi SDK's mocks, for the access tests.

Reuses the offline engine's pieces rather than a second copy: `EngineMocks` answers
with realistic computed outputs (ARNs with the account, the region of the resource's
provider, physical names auto-named from `backend-storage-<env>-...`), and
`RecordingMonitor` (a `MockMonitor` subclass) keeps every `RegisterResource` request:
type, name, parent, provider, protect, inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pulumi
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from storagectl.engine.mocks import EngineMocks
from storagectl.engine.recorder import RecordingMonitor, Registration

T = TypeVar("T")


class Recorded:
    """What a program registered, with small queries for tests."""

    def __init__(self, monitor: RecordingMonitor) -> None:
        self.monitor = monitor

    @property
    def registrations(self) -> list[Registration]:
        """Every registration, in order."""
        return self.monitor.registrations

    def of_type(self, type_: str) -> list[Registration]:
        """Registrations of one type token."""
        return [r for r in self.registrations if r.type == type_]

    def named(self, name: str) -> Registration:
        """The one registration with this resource name."""
        found = [r for r in self.registrations if r.name == name]
        assert len(found) == 1, f"{len(found)} resources named {name}"
        return found[0]

    def under(self, ancestor_urn: str) -> list[Registration]:
        """Registrations below `ancestor_urn` (children, grandchildren, ...)."""
        parents = {r.urn: r.parent for r in self.registrations}
        found = []
        for r in self.registrations:
            parent = r.parent
            while parent is not None and parent != ancestor_urn:
                parent = parents.get(parent)
            if parent == ancestor_urn:
                found.append(r)
        return found


def run_components(
    program: Callable[[], T], *, project: str, stack: str, region: str, account: str
) -> tuple[T, Recorded]:
    """Run `program` (which builds components) under the mocks until everything settled."""
    reset()
    mocks = EngineMocks(stack, project, region, account, preview=False)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    result: dict[str, T] = {}

    def body() -> None:
        result["value"] = program()

    _sync_await(run_pulumi_func(body))
    return result["value"], Recorded(monitor)


def resolve(value: Any) -> Any:
    """The settled value of an Output (or of a tree holding Outputs), after `run_components`."""
    return _sync_await(pulumi.Output.from_input(value).future())


def reset() -> None:
    """Forget the root stack so that the next `run_components` starts a fresh program."""
    pulumi_settings.set_root_resource(None)  # type: ignore[arg-type]
