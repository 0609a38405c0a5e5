"""Facts: the stack outputs and expectations, flattened into check targets, built once.

The suite parametrizes every test from these lists, so each endpoint, replica, bucket or
key is its own test case with an id like ``orders/replica-1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from .expectations import BucketExpectation, CacheExpectation, DatabaseExpectation, Expectations
from .outputs import BucketOutputs, CacheOutputs, DatabaseOutputs, RoleOutputs, StackOutputs
from .secrets import SecretStore


@dataclass(frozen=True)
class Settings:
    """How to reach things: per-operation timeout, CA bundle, AWS endpoint override."""

    timeout: float = 10.0
    ca_bundle: Path | None = None
    aws_endpoint: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """A host name and port the data-plane checks connect to."""

    id: str
    host: str
    port: int


@dataclass(frozen=True)
class DatabaseTarget:
    """One database endpoint (the writer or one replica) with its store's facts."""

    id: str
    role: str  # "writer" or "replica"
    endpoint: Endpoint
    database: DatabaseOutputs
    expect: DatabaseExpectation


@dataclass(frozen=True)
class DatabaseIamUser:
    """A database user granted `rds-db:connect`, checked on its database's writer."""

    id: str
    user: str
    writer: DatabaseTarget


@dataclass(frozen=True)
class CacheTarget:
    """One cache endpoint (primary or reader) with its store's facts."""

    id: str
    role: str  # "primary" or "reader"
    endpoint: Endpoint
    cache: CacheOutputs
    expect: CacheExpectation


@dataclass(frozen=True)
class CacheUser:
    """An application user of a cache; `secret_arn` is None for IAM-authenticated users."""

    id: str
    application: str
    secret_arn: str | None
    target: CacheTarget


@dataclass(frozen=True)
class BucketTarget:
    """One bucket with its declared replication."""

    id: str
    bucket: BucketOutputs
    expect: BucketExpectation


@dataclass(frozen=True)
class KeyTarget:
    """One KMS key ARN (a data class's key, or its copy in the DR region)."""

    id: str
    arn: str


@dataclass(frozen=True)
class RoleTarget:
    """One application's IAM role."""

    id: str
    role: RoleOutputs


@dataclass(frozen=True)
class Facts:
    """Everything the suite needs, derived once from outputs + expectations + settings."""

    outputs: StackOutputs
    expectations: Expectations
    settings: Settings
    secrets: SecretStore = field(compare=False)

    @property
    def region(self) -> str:
        """The environment's primary region."""
        return self.outputs.environment.region

    def database_endpoints(self) -> list[DatabaseTarget]:
        """Writer and replicas of every database."""
        return self.database_writers() + self.database_replicas()

    def database_writers(self) -> list[DatabaseTarget]:
        """The writer endpoint of every database."""
        return [self._db(name, "writer", db.writer_endpoint) for name, db in self._dbs()]

    def database_replicas(self) -> list[DatabaseTarget]:
        """Every in-region replica endpoint of every database."""
        return [
            self._db(name, f"replica-{index}", host)
            for name, db in self._dbs()
            for index, host in enumerate(db.replica_endpoints, start=1)
        ]

    def database_iam_users(self) -> list[DatabaseIamUser]:
        """Every IAM-granted user of every database (outputs `databases.<name>.iamUsers`)."""
        return [
            DatabaseIamUser(f"{writer.database.name}/{user}", user, writer)
            for writer in self.database_writers()
            for user in sorted(set(writer.database.iam_users))
        ]

    def cache_primaries(self) -> list[CacheTarget]:
        """The primary endpoint of every cache."""
        return [self._cache(name, "primary", c.primary_endpoint) for name, c in self._caches()]

    def cache_readers(self) -> list[CacheTarget]:
        """The reader endpoint of every cache declared with replicas."""
        return [
            self._cache(name, "reader", c.reader_endpoint)
            for name, c in self._caches()
            if c.reader_endpoint and self.expectations.caches[name].replicas > 0
        ]

    def cache_endpoints(self) -> list[CacheTarget]:
        """Primary and reader endpoints of every cache."""
        return self.cache_primaries() + self.cache_readers()

    def cache_users(self) -> list[CacheUser]:
        """Application users of every cache (password users carry their secret's ARN)."""
        users = []
        for target in self.cache_primaries():
            for app, arn in sorted(target.cache.user_secret_arns.items()):
                users.append(CacheUser(f"{target.cache.name}/{app}", app, arn, target))
            if target.expect.authentication == "iam" and not target.cache.user_secret_arns:
                users.append(CacheUser(f"{target.cache.name}/iam", "iam", None, target))
        return users

    def databases(self) -> list[DatabaseTarget]:
        """Every database, by logical name, for the control-plane checks."""
        return [replace(t, id=t.database.name) for t in self.database_writers()]

    def caches(self) -> list[CacheTarget]:
        """Every cache, by logical name, for the control-plane checks."""
        return [replace(t, id=t.cache.name) for t in self.cache_primaries()]

    def failover_caches(self) -> list[CacheTarget]:
        """Caches declared with replicas: they must fail over automatically."""
        return [t for t in self.caches() if t.expect.replicas > 0]

    def buckets(self) -> list[BucketTarget]:
        """Every bucket with its expectation."""
        return [
            BucketTarget(name, bucket, self.expectations.buckets[name])
            for name, bucket in sorted(self.outputs.buckets.items())
        ]

    def replicated_buckets(self) -> list[BucketTarget]:
        """Buckets declared with replication to the DR region."""
        return [t for t in self.buckets() if t.expect.replication]

    def keys(self) -> list[KeyTarget]:
        """Every KMS key and its DR copy."""
        targets = []
        for name, key in sorted(self.outputs.keys.items()):
            targets.append(KeyTarget(name, key.arn))
            if key.dr_arn:
                targets.append(KeyTarget(f"{name}/dr", key.dr_arn))
        return targets

    def roles(self) -> list[RoleTarget]:
        """Every application role."""
        return [RoleTarget(name, role) for name, role in sorted(self.outputs.roles.items())]

    def first_password_user(self, cache: CacheOutputs) -> str | None:
        """The secret ARN of some application user of `cache`, for checks needing a login."""
        arns = [arn for _, arn in sorted(cache.user_secret_arns.items())]
        return arns[0] if arns else None

    def network_endpoints(self) -> list[Endpoint]:
        """Every distinct database and cache endpoint, for resolution and port checks."""
        seen: dict[tuple[str, int], Endpoint] = {}
        targets: list[DatabaseTarget | CacheTarget] = [
            *self.database_endpoints(),
            *self.cache_endpoints(),
        ]
        for target in targets:
            key = (target.endpoint.host, target.endpoint.port)
            seen.setdefault(key, target.endpoint)
        return list(seen.values())

    def _dbs(self) -> list[tuple[str, DatabaseOutputs]]:
        return sorted(self.outputs.databases.items())

    def _caches(self) -> list[tuple[str, CacheOutputs]]:
        return sorted(self.outputs.caches.items())

    def _db(self, name: str, role: str, host: str) -> DatabaseTarget:
        db = self.outputs.databases[name]
        target_id = f"{name}/{role}"
        endpoint = Endpoint(target_id, host, db.port)
        kind = "writer" if role == "writer" else "replica"
        return DatabaseTarget(target_id, kind, endpoint, db, self.expectations.databases[name])

    def _cache(self, name: str, role: str, host: str | None) -> CacheTarget:
        cache = self.outputs.caches[name]
        target_id = f"{name}/{role}"
        endpoint = Endpoint(target_id, host or "", cache.port)
        return CacheTarget(target_id, role, endpoint, cache, self.expectations.caches[name])


def build_facts(outputs: StackOutputs, expectations: Expectations, settings: Settings) -> Facts:
    """Facts for one run; secrets are read lazily, by the checks that need them."""
    secrets = SecretStore(outputs.environment.region, settings.aws_endpoint, settings.timeout)
    return Facts(outputs, expectations, settings, secrets)
