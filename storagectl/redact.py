"""One redaction mechanism for every renderer: plan, review, validate, verify, audit.

Two things are secret: a value whose *key* names a credential (at any depth, in any
case: ``dbPassword``, ``client-secret``, ``app.password``, ``apiToken``...), and a value
already known to be one (a Pulumi secret's plaintext, a password read from Secrets
Manager). A :class:`Redactor` learns the second kind from the data it is shown, then
masks both kinds in structures and scrubs known values out of free text. Renderers
redact *before* they reformat (collapse whitespace, truncate, escape), so no reformatting
can split a secret into pieces that no longer match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

SECRET = "[secret]"
"""What a redacted value looks like in every output form."""

CREDENTIAL_WORD = re.compile(
    r"pass(?:word|wd|phrase)|pwd|secret|token|api[-_ ]?key|auth|credential|"
    r"private[-_ ]?key|access[-_ ]?key|session[-_ ]?key|signing[-_ ]?key|cookie",
    re.IGNORECASE,
)
"""A key containing one of these words holds a credential (or something as sensitive)."""

_MIN_KNOWN = 4
# Shorter "known secrets" are not scrubbed from free text: replacing every "ab" in a
# report would destroy it and reveal nothing a 3-character secret did not already.


def is_credential_key(key: object) -> bool:
    """Whether a mapping key (any nesting, any case, any separator) names a credential."""
    return isinstance(key, str) and CREDENTIAL_WORD.search(key) is not None


class Redactor:
    """Masks credential-keyed values and scrubs known secret values from text."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._known: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for value in known:
            self.learn(value)

    def learn(self, value: object) -> None:
        """Remember `value` (a string or number) as a secret to scrub from any text."""
        if isinstance(value, bool) or value is None:
            return
        text = str(value)
        if len(text) >= _MIN_KNOWN and text != SECRET and text not in self._known:
            self._known.add(text)
            self._pattern = None

    def collect(self, data: Any, under_credential: bool = False) -> None:
        """Learn every scalar that sits under a credential-named key in `data`."""
        if isinstance(data, dict):
            for key, value in data.items():
                self.collect(value, under_credential or is_credential_key(key))
        elif isinstance(data, list | tuple):
            for value in data:
                self.collect(value, under_credential)
        elif under_credential:
            self.learn(data)

    def text(self, value: str) -> str:
        """`value` with every known secret replaced by the marker."""
        if not self._known or not value:
            return value
        if self._pattern is None:
            # Longest first, so a secret that contains another is removed whole.
            ordered = sorted(self._known, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))
        return self._pattern.sub(SECRET, value)

    def data(self, data: Any, under_credential: bool = False) -> Any:
        """A copy of `data`: credential-keyed scalars masked, known secrets scrubbed.

        Booleans and nulls are kept (``manageMasterUserPassword: true`` is no secret and
        reviewers need it); containers under a credential key keep their shape.
        """
        if isinstance(data, dict):
            return {
                (self.text(k) if isinstance(k, str) else k): self.data(
                    v, under_credential or is_credential_key(k)
                )
                for k, v in data.items()
            }
        if isinstance(data, list | tuple):
            return [self.data(v, under_credential) for v in data]
        if isinstance(data, bool) or data is None:
            return data
        if under_credential and data not in ("", SECRET):
            return SECRET
        if isinstance(data, str):
            return self.text(data)
        return data


def redact(data: Any, known: Iterable[str] = ()) -> Any:
    """`data` redacted with everything learnt from itself plus `known` values."""
    redactor = Redactor(known)
    redactor.collect(data)
    return redactor.data(data)
