"""Session-wide real servers for the verify tests: started once, stopped after.

PostgreSQL (primary + streaming replica, TLS only), MariaDB (primary + replica, secure
transport required), Redis (TLS, ACL, replica) and a plain Redis, the machine's default
PostgreSQL, and a moto server holding the secrets and the AWS resources.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from storagectl.verify.access import Access
from storagectl.verify.secrets import Credentials
from tests.verify import aws_world, servers
from tests.verify.certs import TlsFiles, make_tls_files


@dataclass(frozen=True)
class Passwords:
    """Every password the servers use: random, so tests can grep output for them."""

    postgres: str
    mariadb: str
    redis_app: str
    replication: str

    def all(self) -> list[str]:
        """All of them."""
        return [self.postgres, self.mariadb, self.redis_app, self.replication]


@pytest.fixture(scope="session")
def passwords() -> Passwords:
    """Random passwords for this session."""
    return Passwords(*(f"pw-{secrets.token_hex(12)}" for _ in range(4)))


@pytest.fixture(scope="session")
def tls_dir() -> Iterator[Path]:
    """A folder for certificates that server processes run as other users can read."""
    folder = Path(tempfile.mkdtemp(prefix="verify-tls-"))
    folder.chmod(0o755)
    yield folder
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


@pytest.fixture(scope="session")
def tls(tls_dir: Path) -> TlsFiles:
    """The CA the servers' certificates come from (what `--ca-bundle` should be)."""
    return make_tls_files(tls_dir, "good")


@pytest.fixture(scope="session")
def other_tls(tls_dir: Path) -> TlsFiles:
    """An unrelated CA: trusting it instead must fail TLS verification."""
    return make_tls_files(tls_dir, "other")


@pytest.fixture(scope="session")
def aws_credentials() -> Iterator[None]:
    """Dummy AWS credentials for boto3 against moto (restored after the session)."""
    names = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def moto_endpoint(aws_credentials: None) -> Iterator[str]:
    """A moto server on a free loopback port."""
    port = servers.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def compliant(moto_endpoint: str) -> aws_world.Shape:
    """AWS resources configured as the components declare them."""
    return aws_world.build_shape(moto_endpoint, "good", compliant=True)


@pytest.fixture(scope="session")
def noncompliant(moto_endpoint: str) -> aws_world.Shape:
    """The same resources with every protection left off."""
    return aws_world.build_shape(moto_endpoint, "bad", compliant=False)


@pytest.fixture(scope="session")
def pg_pair(tls: TlsFiles, passwords: Passwords) -> Iterator[servers.PostgresPair]:
    """TLS-only PostgreSQL primary + streaming replica."""
    pair = servers.start_postgres_pair(tls, passwords.postgres)
    yield pair
    pair.stop()


@pytest.fixture(scope="session")
def machine_pg_port() -> Iterator[int]:
    """The machine's default PostgreSQL (plain TCP allowed, trust auth)."""
    yield from servers.machine_postgres()


@pytest.fixture(scope="session")
def mariadb_pair(tls: TlsFiles, passwords: Passwords) -> Iterator[servers.MariaDBPair]:
    """MariaDB primary + replica with require_secure_transport=ON."""
    pair = servers.start_mariadb_pair(tls, passwords.mariadb, passwords.replication)
    yield pair
    pair.stop()


@pytest.fixture(scope="session")
def redis_pair(
    tls: TlsFiles, tls_dir: Path, passwords: Passwords
) -> Iterator[tuple[servers.RedisServer, servers.RedisServer]]:
    """TLS-only Redis primary (default user off, user `app`) + replica."""
    folder = Path(tempfile.mkdtemp(prefix="verify-redis-"))
    primary, replica = servers.start_redis_pair(
        folder, tls, passwords.redis_app, passwords.replication
    )
    yield primary, replica
    replica.stop()
    primary.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def plain_redis() -> Iterator[servers.RedisServer]:
    """A plaintext Redis with the default user on and no password."""
    folder = Path(tempfile.mkdtemp(prefix="verify-redis-plain-"))
    server = servers.start_plain_redis(folder)
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_creds(passwords: Passwords) -> Credentials:
    """The PostgreSQL master user."""
    return Credentials("storage_admin", passwords.postgres)


@pytest.fixture(scope="session")
def maria_creds(passwords: Passwords) -> Credentials:
    """The MariaDB master user."""
    return Credentials("storage_admin", passwords.mariadb)


@pytest.fixture(scope="session")
def app_creds(passwords: Passwords) -> Credentials:
    """The Redis application user."""
    return Credentials("app", passwords.redis_app)


def access(host: str, port: int, creds: Credentials | None, ca: Path, timeout: float = 5) -> Access:
    """Access to one endpoint with a 5 s default timeout."""
    return Access(host=host, port=port, credentials=creds, timeout=timeout, ca_bundle=ca)
