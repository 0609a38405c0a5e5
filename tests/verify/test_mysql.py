"""MySQL checks against a MariaDB primary/replica pair with secure transport required."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storagectl.verify import mysql
from tests.verify.conftest import access
from tests.verify.servers import PRIMARY_HOST, REPLICA_HOST

# Real servers (or moto) on loopback: deselect with `-m "not servers"`.
pytestmark = pytest.mark.servers

WRITER_CHECKS = [mysql.tls_connection, mysql.plaintext_refused, mysql.writer_accepts_writes]
REPLICA_CHECKS = [mysql.tls_connection, mysql.plaintext_refused, mysql.replica_read_only]


def _lag(target):
    return mysql.replica_lag(target, limit_seconds=30, aurora=False)


@pytest.fixture
def insecure_transport(mariadb_pair) -> Iterator[None]:
    """The primary with require_secure_transport=OFF for one test."""
    mariadb_pair.set_secure_transport(False)
    yield
    mariadb_pair.set_secure_transport(True)


@pytest.mark.parametrize("check", WRITER_CHECKS, ids=lambda c: c.__name__)
def test_mysql_writer_check_passes(check, mariadb_pair, maria_creds, tls) -> None:
    verdict = check(access(PRIMARY_HOST, mariadb_pair.port, maria_creds, tls.ca_cert))
    assert verdict.ok, verdict.detail


@pytest.mark.parametrize("check", [*REPLICA_CHECKS, _lag], ids=lambda c: c.__name__)
def test_mysql_replica_check_passes(check, mariadb_pair, maria_creds, tls) -> None:
    verdict = check(access(REPLICA_HOST, mariadb_pair.port, maria_creds, tls.ca_cert))
    assert verdict.ok, verdict.detail


def test_mysql_plaintext_refused_fails_without_secure_transport(
    mariadb_pair, maria_creds, tls, insecure_transport
) -> None:
    verdict = mysql.plaintext_refused(
        access(PRIMARY_HOST, mariadb_pair.port, maria_creds, tls.ca_cert)
    )
    assert not verdict.ok and "accepted" in verdict.detail


def test_mysql_tls_connection_fails_with_another_ca(mariadb_pair, maria_creds, other_tls) -> None:
    target = access(PRIMARY_HOST, mariadb_pair.port, maria_creds, other_tls.ca_cert)
    verdict = mysql.tls_connection(target)
    assert not verdict.ok and "CERTIFICATE_VERIFY_FAILED" in verdict.detail


def test_mysql_writer_check_fails_on_replica(mariadb_pair, maria_creds, tls) -> None:
    verdict = mysql.writer_accepts_writes(
        access(REPLICA_HOST, mariadb_pair.port, maria_creds, tls.ca_cert)
    )
    assert not verdict.ok and "read-only" in verdict.detail


@pytest.mark.parametrize("check", [mysql.replica_read_only, _lag], ids=lambda c: c.__name__)
def test_mysql_replica_check_fails_on_primary(check, mariadb_pair, maria_creds, tls) -> None:
    verdict = check(access(PRIMARY_HOST, mariadb_pair.port, maria_creds, tls.ca_cert))
    assert not verdict.ok
