"""What a forked child of the driver does first: its own process group, its output to a pipe.

Shared by the program's child (`engine.isolation`) and the workers of `plan --all` and
`review` (`parallel`). Standard library only: `parallel` must not load the engine.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys


def become_child(output_fd: int) -> None:
    """In a fresh fork: own process group, default signals, die with the driver, output to
    `output_fd` (descriptors 1 and 2 and `sys.stdout`/`sys.stderr`), stdin from /dev/null.

    The driver's signal handlers are the driver's: here SIGTERM and SIGINT end the child.
    The driver's `sys.stdout` may be a wrapper (a test runner's buffer), so new ones are
    made over the descriptors: a `print()` reaches the pipe like everything else written.
    """
    parent = os.getppid()
    os.setpgid(0, 0)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent:  # the driver died before the line above took effect
        os._exit(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    sys.stdout = io.TextIOWrapper(
        io.FileIO(1, "w", closefd=False), line_buffering=True, errors="backslashreplace"
    )
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), line_buffering=True, errors="backslashreplace"
    )
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to `fd` (a pipe takes it in pieces)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG: if the driver is killed outright, the kernel kills the child too
    # (and a worker's program child dies with the worker the same way).
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)
