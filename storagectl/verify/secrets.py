"""Credentials from Secrets Manager, read once, and learnt by the run's Redactor.

Every value read from Secrets Manager (the whole secret string and every field in it) is
learnt by the one shared :class:`storagectl.redact.Redactor` before any check sees it, so
whatever a check or a client library later prints, the report scrubs it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storagectl.redact import Redactor

from .aws.session import client, region_of


class SecretUnavailable(Exception):
    """A secret could not be read or has the wrong shape (message names the ARN only)."""


@dataclass(frozen=True)
class Credentials:
    """A user name and password (RDS managed-secret JSON shape); the password never prints."""

    username: str
    password: str = field(repr=False)


class SecretStore:
    """Reads {"username", "password"} secrets by ARN; caches results, failures included.

    One lock per ARN: checks needing different secrets read them concurrently, checks
    needing the same one wait for a single read. A failed read is remembered too, so an
    unreachable endpoint costs one bounded read per secret, not one per check.
    """

    def __init__(self, region: str, endpoint: str | None, timeout: float) -> None:
        self._region = region
        self._endpoint = endpoint
        self._timeout = timeout
        self._results: dict[str, Credentials | SecretUnavailable] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._redactor = Redactor()

    def credentials(self, arn: str) -> Credentials:
        """The credentials stored in secret `arn`; SecretUnavailable when unreadable."""
        with self._guard:
            lock = self._locks.setdefault(arn, threading.Lock())
        with lock:
            if arn not in self._results:
                try:
                    self._results[arn] = self._read(arn)
                except SecretUnavailable as exc:
                    self._results[arn] = exc
            result = self._results[arn]
        if isinstance(result, SecretUnavailable):
            raise SecretUnavailable(str(result))
        return result

    def scrub(self, text: str) -> str:
        """`text` with every secret learnt so far replaced by the redaction marker."""
        with self._guard:
            return self._redactor.text(text)

    def _remember(self, secret_string: str, data: Any) -> None:
        with self._guard:
            self._redactor.learn(secret_string)
            for value in _scalars(data):
                self._redactor.learn(value)
                # The same text as a client library may quote it in an error message.
                self._redactor.learn(json.dumps(value, ensure_ascii=False)[1:-1])
                self._redactor.learn(repr(value)[1:-1])

    def _read(self, arn: str) -> Credentials:
        # A secret ARN names its region; the DR copy of a secret lives elsewhere.
        region = region_of(arn, self._region)
        try:
            sm = client("secretsmanager", region, self._endpoint, self._timeout)
            value = sm.get_secret_value(SecretId=arn)["SecretString"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise SecretUnavailable(f"cannot read secret {arn}: {code}") from None
        except (BotoCoreError, KeyError) as exc:
            raise SecretUnavailable(f"cannot read secret {arn}: {type(exc).__name__}") from None
        if not isinstance(value, str):
            raise SecretUnavailable(f"secret {arn} has no SecretString")
        try:
            data = json.loads(value)
        except (ValueError, RecursionError):
            data = None
        self._remember(value, data)
        if not (isinstance(data, dict) and "username" in data and "password" in data):
            raise SecretUnavailable(f"secret {arn} is not JSON with 'username' and 'password'")
        return Credentials(str(data["username"]), str(data["password"]))


def _scalars(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [s for value in data.values() for s in _scalars(value)]
    if isinstance(data, list):
        return [s for value in data for s in _scalars(value)]
    if isinstance(data, str):
        return [data]
    return []
