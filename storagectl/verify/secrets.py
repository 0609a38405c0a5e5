"""Credentials from Secrets Manager, read once, and remembered so output can redact them."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from .aws.session import client


class SecretUnavailable(Exception):
    """A secret could not be read or has the wrong shape (message names the ARN only)."""


@dataclass(frozen=True)
class Credentials:
    """A user name and password (RDS managed-secret JSON shape); the password never prints."""

    username: str
    password: str = field(repr=False)


class SecretStore:
    """Reads {"username", "password"} secrets by ARN, caching them and recording passwords."""

    def __init__(self, region: str, endpoint: str | None, timeout: float) -> None:
        self._region = region
        self._endpoint = endpoint
        self._timeout = timeout
        self._cache: dict[str, Credentials] = {}
        self._lock = threading.Lock()

    def credentials(self, arn: str) -> Credentials:
        """The credentials stored in secret `arn`; SecretUnavailable when unreadable."""
        with self._lock:
            if arn not in self._cache:
                self._cache[arn] = self._read(arn)
            return self._cache[arn]

    def known_secrets(self) -> list[str]:
        """Every password read so far: the runner scrubs them from anything it prints."""
        with self._lock:
            return [c.password for c in self._cache.values() if c.password]

    def _read(self, arn: str) -> Credentials:
        # A secret ARN names its region; the DR copy of a secret lives elsewhere.
        parts = arn.split(":")
        region = parts[3] if len(parts) > 4 and parts[3] else self._region
        try:
            sm = client("secretsmanager", region, self._endpoint, self._timeout)
            value = sm.get_secret_value(SecretId=arn)["SecretString"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise SecretUnavailable(f"cannot read secret {arn}: {code}") from None
        except (BotoCoreError, KeyError) as exc:
            raise SecretUnavailable(f"cannot read secret {arn}: {type(exc).__name__}") from None
        try:
            data = json.loads(value)
            return Credentials(str(data["username"]), str(data["password"]))
        except (ValueError, KeyError, TypeError):
            raise SecretUnavailable(
                f"secret {arn} is not JSON with 'username' and 'password'"
            ) from None
