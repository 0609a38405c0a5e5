"""Errors a user can cause with the input of `storagectl verify` (exit status 2)."""

from __future__ import annotations

from pathlib import Path


class VerifyInputError(Exception):
    """Invalid input: names the file, the dotted key path, what is wrong and the fix."""

    def __init__(self, file: Path | str, key_path: str, problem: str, fix: str) -> None:
        self.file = str(file)
        self.key_path = key_path
        self.problem = problem
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """`FILE: KEY.PATH: problem; fix` — the message printed to the user."""
        where = f"{self.file}: {self.key_path}" if self.key_path else self.file
        return f"{where}: {self.problem}; {self.fix}"
