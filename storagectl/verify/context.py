"""What every check of the suite receives besides its target: access builders and clients."""

from __future__ import annotations

import functools
import threading
from typing import Any

from .access import Access
from .aws.session import client
from .facts import CacheTarget, DatabaseTarget, Facts
from .verdict import NotVerifiable


class Context:
    """Builds accesses, AWS clients and the testinfra host for one run's checks.

    Thread-safe: the checks run concurrently and share it.
    """

    def __init__(self, facts: Facts, hosts: str = "local://") -> None:
        self.facts = facts
        self._hosts = hosts
        self._host_lock = threading.Lock()

    @functools.cached_property
    def _host(self) -> Any:
        import testinfra  # heavy; needed by the network checks only

        return testinfra.get_host(self._hosts)

    @property
    def host(self) -> Any:
        """The testinfra host of the vantage point (`--hosts`)."""
        with self._host_lock:
            return self._host

    def database_access(self, target: DatabaseTarget) -> Access:
        """Access to a database endpoint as the master user (secret from Secrets Manager)."""
        return Access(
            host=target.endpoint.host,
            port=target.endpoint.port,
            credentials=self.facts.secrets.credentials(target.database.master_secret_arn),
            database=target.database.database_name,
            timeout=self.facts.settings.timeout,
            ca_bundle=self.facts.settings.ca_bundle,
        )

    def cache_access(self, target: CacheTarget, secret_arn: str | None) -> Access:
        """Access to a cache endpoint, as the user of the given secret ARN (or anonymous)."""
        return Access(
            host=target.endpoint.host,
            port=target.endpoint.port,
            credentials=self.facts.secrets.credentials(secret_arn) if secret_arn else None,
            timeout=self.facts.settings.timeout,
            ca_bundle=self.facts.settings.ca_bundle,
        )

    def login_for(self, target: CacheTarget) -> str:
        """The secret ARN of a password user of the cache; NotVerifiable for IAM-only caches."""
        arn = self.facts.first_password_user(target.cache)
        if arn is None:
            raise NotVerifiable(
                "not verifiable from here: the cache's users authenticate with IAM, "
                "which needs an application's role"
            )
        return arn

    def aws(self, service: str, region: str | None = None) -> Any:
        """A boto3 client for the environment's region (or `region`)."""
        settings = self.facts.settings
        return client(service, region or self.facts.region, settings.aws_endpoint, settings.timeout)
