"""What a program printed (stdout and stderr, fd level), kept within a fixed size.

Shown on the driver's stderr as program output, never mixed into the plan: the start and
the end are kept (the end usually holds the traceback), the middle is counted.
"""

from __future__ import annotations

import re

HEAD_BYTES = 16 * 1024
TAIL_BYTES = 16 * 1024
PREFIX = "program| "

# Terminal control characters from the program must not drive the user's terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class CapturedOutput:
    """The first `head` and last `tail` bytes of a stream, and how many were dropped."""

    def __init__(self, head: int = HEAD_BYTES, tail: int = TAIL_BYTES) -> None:
        self._head_limit = head
        self._tail_limit = tail
        self._head = bytearray()
        self._tail = bytearray()
        self.dropped = 0

    def feed(self, chunk: bytes) -> None:
        """Add `chunk`; memory stays within head + 2 * tail bytes."""
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        self._tail += chunk
        excess = len(self._tail) - self._tail_limit
        if excess > 0:
            del self._tail[:excess]
            self.dropped += excess

    @property
    def empty(self) -> bool:
        """Whether nothing was printed."""
        return not self._head

    def lines(self) -> list[str]:
        """Printable lines (controls escaped), with a marker where bytes were left out."""
        text = _printable(bytes(self._head))
        if self.dropped:
            text += f"\n[... {self.dropped} bytes of program output not shown ...]\n"
        text += _printable(bytes(self._tail))
        return text.splitlines()


def _printable(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
