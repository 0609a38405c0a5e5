"""The result of one check: passed or failed, with a one-sentence detail."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """Outcome of one check; `detail` is safe to print (it never carries secrets)."""

    ok: bool
    detail: str

    @classmethod
    def passed(cls, detail: str) -> Verdict:
        """A passing verdict."""
        return cls(True, detail)

    @classmethod
    def failed(cls, detail: str) -> Verdict:
        """A failing verdict."""
        return cls(False, detail)


class NotVerifiable(Exception):
    """The check cannot be decided from here (an API the endpoint lacks, IAM-only users).

    The suite turns it into a skipped test, which the runner reports as "not verifiable":
    neither a pass nor a failure.
    """
