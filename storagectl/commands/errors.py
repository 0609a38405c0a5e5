"""The engine's `ProgramError`, for commands that do not run the offline engine.

`validate`, `verify`, `drift` and `doctor` meet one only when `storagectl.workspace`
finds no program or no stack file, and that path imports the engine to raise it.
`except program_error():` looks the class up only when an exception reaches the handler,
so catching it costs these commands no import of the engine (nor of the Pulumi SDK,
~0.3 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storagectl.engine import ProgramError


def program_error() -> type[ProgramError]:
    """`storagectl.engine.ProgramError`, imported now."""
    from storagectl.engine import ProgramError  # the engine imports pulumi: only on this path

    return ProgramError
