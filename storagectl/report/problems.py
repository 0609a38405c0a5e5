"""Error lines about a stack file, redacted before they are printed (validate, plan, apply).

The loader's messages may quote what it found, truncated or escaped (`(got 's3cr...')`);
the values under credential-named keys of the file are learnt from the file itself, raw,
before any of that reformatting, and scrubbed from every line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from stackspec import SpecError
from stackspec.source import read_stack_file

from ..redact import SECRET, Redactor, is_credential_path

_RAW_LIMIT = 2_000_000
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def stack_redactor(path: Path | None) -> Redactor:
    """A redactor that knows the values under credential-named keys of the stack file
    `path`, parsed if it parses, else read line by line (first 2 MB), so that errors about
    the file never echo one."""
    redactor = Redactor()
    if path is None:
        return redactor
    # Best effort: the file is already known to be bad; whatever it cannot tell us, the
    # key-path rule in `problem_lines` still covers.
    with contextlib.suppress(Exception):
        redactor.collect(read_stack_file(path).config)
    with contextlib.suppress(OSError), path.open("rb") as handle:
        redactor.collect_text(handle.read(_RAW_LIMIT).decode("utf-8", errors="replace"))
    return redactor


def problem_lines(problems: Iterable[Any], redactor: Redactor) -> list[str]:
    """`file:line: key: problem` lines, redacted before they are printed.

    A problem about a credential-named key loses every quoted literal of its message: the
    loader may quote the value truncated or escaped (`(got 's3cr3t...')`), which no
    scrubbing of known values could match.
    """
    lines = []
    for problem in problems:
        message = redactor.text(str(getattr(problem, "message", "")))
        if is_credential_path(str(getattr(problem, "key", ""))):
            message = _QUOTED.sub(f"'{SECRET}'", message)
        if dataclasses.is_dataclass(problem) and not isinstance(problem, type):
            problem = dataclasses.replace(problem, message=message)  # type: ignore[type-var]
        lines.append(redactor.text(str(problem)))
    return lines


def plan_failure_lines(exc: Exception, path: Path | None) -> list[str]:
    """What `storagectl plan` prints when a stack cannot be planned, redacted: the stack
    file's problems (a `SpecError`), or one `error:` line (a failed program)."""
    if isinstance(exc, SpecError):
        return problem_lines(exc.problems, stack_redactor(path))
    return [stack_redactor(path).text(f"error: {exc}")]
