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

from .tcp import one_line
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

    worker = threading.Thread(target=target, name="verify-check", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise DeadlineExceeded(f"no answer within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def bounded_check(
    timeout: float,
    action: Callable[[], Verdict],
    client_errors: tuple[type[BaseException], ...],
) -> Verdict:
    """Run one check under a wall-clock deadline; client errors become failed verdicts.

    The grace second lets the client's own (better worded) timeout fire first.
    """
    try:
        return call_within(timeout + 1, action)
    except DeadlineExceeded as exc:
        return Verdict.failed(f"{exc}: the server accepted the connection but never answered")
    except client_errors as exc:
        return Verdict.failed(f"cannot connect or query: {one_line(exc)}")
