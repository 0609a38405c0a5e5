"""Where commands print: messages to stderr, the documents they render to stdout."""

from __future__ import annotations

import sys


def eprint(message: str) -> None:
    """Print to stderr.

    `storagectl.planner.eprint` does the same; commands use this one because importing the
    planner imports the engine and the Pulumi SDK (~0.3 s), which `--help` must not pay.
    """
    print(message, file=sys.stderr)
