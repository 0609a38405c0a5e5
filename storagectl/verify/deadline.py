"""Hard wall-clock limit around a blocking client call.

Client libraries bound connecting, but not every later read (psycopg blocks on a socket
that a frozen server never answers). Running the call in a daemon thread and waiting
with a timeout turns such a hang into a failure within the limit; the abandoned thread
dies with the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from .access import Access
from .tcp import host_problem
from .verdict import Verdict

T = TypeVar("T")


class DeadlineExceeded(Exception):
    """The call did not finish within its limit."""


def call_within(seconds: float, func: Callable[[], T]) -> T:
    """Return `func()`, re-raising its exception, or raise DeadlineExceeded after `seconds`."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = func()
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="verify-call", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise DeadlineExceeded(f"no answer within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def bounded_check(
    access: Access,
    action: Callable[[], Verdict],
    client_errors: tuple[type[BaseException], ...],
) -> Verdict:
    """Run one data-plane check under a wall-clock deadline; client errors become failures.

    The endpoint must be a host name or an IP address before any client sees it. The
    grace second lets the client's own (better worded) timeout fire first. Details keep
    the client's message as it is: the report redacts, then squeezes it onto one line.
    """
    problem = host_problem(access.host)
    if problem:
        return Verdict.failed(problem)
    try:
        return call_within(access.timeout + 1, action)
    except DeadlineExceeded as exc:
        return Verdict.failed(f"{exc}: the server accepted the connection but never answered")
    except client_errors as exc:
        return Verdict.failed(f"cannot connect or query: {exc}")
