"""How a protocol check reaches one endpoint: address, credentials, limits, trust."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .secrets import Credentials


@dataclass(frozen=True)
class Access:
    """Everything a data-plane check needs to open one connection."""

    host: str
    port: int
    credentials: Credentials | None = None
    database: str | None = None
    timeout: float = 10.0
    ca_bundle: Path | None = None

    def required_credentials(self) -> Credentials:
        """The credentials; a programming error if the caller forgot to supply them."""
        if self.credentials is None:
            raise ValueError(f"{self.host}:{self.port}: this check needs credentials")
        return self.credentials
