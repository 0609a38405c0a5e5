"""Did the program run to its end? Stack outputs registered, every resource registered.

A plan is only as complete as the run behind it: a program that stops half-way (an exit
in an `apply`, resources created by a thread whose event loop never runs) must fail the
plan, never leave a shorter plan that looks clean.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pulumi
from pulumi.runtime.settings import SETTINGS, _get_rpc_manager

from .recorder import RecordingMonitor

STACK_TYPE = "pulumi:pulumi:Stack"
_QUIET_ROUNDS = 3
"""Rounds of the event loop without a new RPC after which the run is settled."""


class CompletionMonitor(RecordingMonitor):
    """The recording monitor, also noting the stack's output registration and reads."""

    def __init__(self, mocks: Any) -> None:
        super().__init__(mocks)
        self.root_urn: str | None = None
        self.stack_outputs_registered = False
        self.registered: Counter[tuple[str, str]] = Counter()

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self.registered[(request.type, request.name)] += 1
        if request.type == STACK_TYPE:
            self.root_urn = response.urn
        return response

    def ReadResource(self, request: Any) -> Any:
        response = super().ReadResource(request)
        self.registered[(request.type, request.name)] += 1
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        response = super().RegisterResourceOutputs(request)
        if self.root_urn is not None and request.urn == self.root_urn:
            self.stack_outputs_registered = True
        return response


async def drain() -> None:
    """Wait for every RPC and Output task outstanding, in time linear in their number.

    This is what the SDK's `pulumi.runtime.stack.wait_for_rpcs` waits for, with the same
    errors, without its cost: it awaits the RPCs one per event-loop round, then calls
    `asyncio.wait(pending, FIRST_COMPLETED)` on all outstanding Output tasks again and
    again, registering and removing a done-callback on every pending task each round:
    quadratic in the resources of the program (at 3,700 resources, 1.2 million
    callback registrations, a quarter of the run). Gathering each batch registers one
    callback per task once. The program's run waits here first, so the SDK's own wait at
    the end of `run_in_stack` finds (almost) nothing left to wait for.
    """
    rpc_manager = _get_rpc_manager()
    while True:
        while rpc_manager.rpcs:
            pending_rpcs = list(rpc_manager.rpcs)
            rpc_manager.rpcs.clear()
            try:
                await asyncio.gather(*pending_rpcs)
            except Exception as exn:
                # As the SDK does: a failed RPC is re-raised with the first unhandled
                # exception (and its traceback) as its cause.
                if rpc_manager.unhandled_exception is not None:
                    cause = rpc_manager.unhandled_exception.with_traceback(
                        rpc_manager.exception_traceback
                    )
                    raise exn from cause
                raise
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
        with SETTINGS.lock:
            pending_outputs = list(SETTINGS.outputs)
            SETTINGS.outputs.clear()
        if pending_outputs:
            # Output tasks may register resources (RPCs) and create more Outputs: go round.
            await asyncio.gather(*pending_outputs)
            continue
        if not rpc_manager.rpcs:
            return


async def settle(monitor: CompletionMonitor) -> None:
    """Let RPCs queued at the end of the run reach the monitor.

    The SDK schedules RegisterResourceOutputs with `ensure_future`; its RPC enters the
    SDK's list only when that task first runs, so a wait can find the list empty and
    return before it. Yield to the loop, wait again, until no new RPC appears.
    """
    quiet = 0
    while quiet < _QUIET_ROUNDS:
        await asyncio.sleep(0)
        busy = bool(_get_rpc_manager().rpcs)
        await drain()
        quiet = 0 if busy else quiet + 1
        if monitor.stack_outputs_registered and not busy:
            return


class Constructed:
    """The resources a program constructed: how many of each (type, name), and in what order."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.order: dict[tuple[str, str], int] = {}

    def sort_key(self, type_: str, name: str, urn: str) -> tuple[int, str]:
        """Program order: registrations arrive from executor threads in any order."""
        return (self.order.get((type_, name), len(self.order)), urn)


@contextlib.contextmanager
def tracked_resources() -> Iterator[Constructed]:
    """Count every resource the program constructs (type, name) while the block runs.

    Only constructions that returned are counted: one that raised was never scheduled for
    registration, and the program either failed with it or chose to carry on without it.
    References to existing resources (`urn=` options, dependency placeholders) register
    nothing and are not counted. The order is that of the constructor calls (a component
    before its children), which the plan keeps.
    """
    constructed = Constructed()
    original = pulumi.Resource.__init__

    def counting_init(self: Any, t: str, name: str, *args: Any, **kwargs: Any) -> None:
        constructed.order.setdefault((t, name), len(constructed.order))
        original(self, t, name, *args, **kwargs)
        opts = kwargs.get("opts", args[2] if len(args) > 2 else None)
        dependency = kwargs.get("dependency", args[4] if len(args) > 4 else False)
        if not dependency and getattr(opts, "urn", None) is None:
            constructed.counts[(t, name)] += 1

    pulumi.Resource.__init__ = counting_init  # type: ignore[method-assign]
    try:
        yield constructed
    finally:
        pulumi.Resource.__init__ = original  # type: ignore[method-assign]


def check_completed(monitor: CompletionMonitor, constructed: Constructed) -> str | None:
    """Why the run is incomplete, or None when it completed."""
    missing = constructed.counts - monitor.registered
    if missing:
        names = ", ".join(f"{t} {n!r}" for t, n in sorted(missing)[:5])
        more = f" and {missing.total() - 5} more" if missing.total() > 5 else ""
        return (
            f"the program ended before {missing.total()} of its resources were registered "
            f"({names}{more}); it must not leave work behind (threads, pending tasks)"
        )
    if not monitor.stack_outputs_registered:
        return (
            "the program never registered its stack outputs (RegisterResourceOutputs for the "
            "root stack); it ended before its run completed"
        )
    return None


@contextlib.contextmanager
def thread_failures() -> Iterator[list[threading.ExceptHookArgs]]:
    """Collect the exceptions that end the program's threads while the block runs.

    A thread that dies (say, declaring a resource without an event loop) leaves the plan
    without what it declared; the SDK never hears of it. The traceback is still printed
    (program output); the run is failed by `run_program`.
    """
    failures: list[threading.ExceptHookArgs] = []
    original = threading.excepthook

    def record(args: threading.ExceptHookArgs) -> None:
        if not issubclass(args.exc_type, SystemExit):
            failures.append(args)
        original(args)

    threading.excepthook = record
    try:
        yield failures
    finally:
        threading.excepthook = original
