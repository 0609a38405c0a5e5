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


# --- IAM database users: every account of the name uses AWSAuthenticationPlugin -------


@pytest.fixture(scope="module")
def iam_accounts(mariadb_pair) -> None:
    """Accounts in each state. MariaDB has no AWSAuthenticationPlugin, so the IAM one is
    created with a password and then given RDS's plugin name in the grant table: exactly
    the row the check reads on RDS (such an account cannot log in here, and need not)."""
    with mariadb_pair.admin() as conn, conn.cursor() as cursor:
        cursor.execute("CREATE USER 'iam_ok'@'%' IDENTIFIED BY 'not-iam-1'")
        cursor.execute(
            "UPDATE mysql.global_priv SET priv = JSON_SET(priv, '$.plugin', %s, "
            "'$.authentication_string', 'RDS') WHERE User = 'iam_ok'",
            (mysql.IAM_PLUGIN,),
        )
        cursor.execute("CREATE USER 'iam_password'@'%' IDENTIFIED BY 'not-iam-2'")
        cursor.execute("FLUSH PRIVILEGES")


@pytest.mark.parametrize(
    ("user", "ok", "fragment"),
    [
        ("iam_ok", True, "all with AWSAuthenticationPlugin"),
        ("iam_password", False, "iam_password@% (mysql_native_password)"),
        ("iam_missing", False, "does not exist"),
    ],
)
def test_mysql_iam_user_enabled(user, ok, fragment, iam_accounts, mariadb_pair, maria_creds, tls):
    target = access(PRIMARY_HOST, mariadb_pair.port, maria_creds, tls.ca_cert)
    verdict = mysql.iam_user_enabled(target, user)
    assert (verdict.ok, fragment in verdict.detail) == (ok, True), verdict.detail
