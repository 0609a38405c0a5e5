"""PostgreSQL checks against a TLS-only primary/replica pair and the machine's default server."""

from __future__ import annotations

import pytest

from storagectl.verify import postgres
from storagectl.verify.secrets import Credentials
from tests.verify.conftest import access
from tests.verify.servers import PRIMARY_HOST, REPLICA_HOST

# Real servers (or moto) on loopback: deselect with `-m "not servers"`.
pytestmark = pytest.mark.servers

WRITER_CHECKS = [
    postgres.tls_connection,
    postgres.plaintext_refused,
    postgres.writer_accepts_writes,
]
REPLICA_CHECKS = [postgres.tls_connection, postgres.plaintext_refused, postgres.replica_read_only]


def _lag(target):
    return postgres.replica_lag(target, limit_seconds=30, aurora=False)


@pytest.mark.parametrize("check", WRITER_CHECKS, ids=lambda c: c.__name__)
def test_postgres_writer_check_passes(check, pg_pair, pg_creds, tls) -> None:
    verdict = check(access(PRIMARY_HOST, pg_pair.port, pg_creds, tls.ca_cert))
    assert verdict.ok, verdict.detail


@pytest.mark.parametrize("check", [*REPLICA_CHECKS, _lag], ids=lambda c: c.__name__)
def test_postgres_replica_check_passes(check, pg_pair, pg_creds, tls) -> None:
    verdict = check(access(REPLICA_HOST, pg_pair.port, pg_creds, tls.ca_cert))
    assert verdict.ok, verdict.detail


def test_postgres_tls_connection_fails_with_another_ca(pg_pair, pg_creds, other_tls) -> None:
    verdict = postgres.tls_connection(
        access(PRIMARY_HOST, pg_pair.port, pg_creds, other_tls.ca_cert)
    )
    assert not verdict.ok and "certificate verify failed" in verdict.detail


@pytest.mark.parametrize(
    "check", [postgres.tls_connection, postgres.plaintext_refused], ids=lambda c: c.__name__
)
def test_postgres_tls_enforcement_fails_on_machine_default(check, machine_pg_port, tls) -> None:
    # Trust authentication: the password is never checked.
    creds = Credentials("postgres", "unused")
    verdict = check(access(PRIMARY_HOST, machine_pg_port, creds, tls.ca_cert))
    assert not verdict.ok


def test_postgres_writer_check_fails_on_replica(pg_pair, pg_creds, tls) -> None:
    verdict = postgres.writer_accepts_writes(
        access(REPLICA_HOST, pg_pair.port, pg_creds, tls.ca_cert)
    )
    assert not verdict.ok and "recovery" in verdict.detail


@pytest.mark.parametrize("check", [postgres.replica_read_only, _lag], ids=lambda c: c.__name__)
def test_postgres_replica_check_fails_on_primary(check, pg_pair, pg_creds, tls) -> None:
    verdict = check(access(PRIMARY_HOST, pg_pair.port, pg_creds, tls.ca_cert))
    assert not verdict.ok


def test_postgres_replica_lag_fails_over_limit(pg_pair, pg_creds, tls) -> None:
    # A negative limit: any measured lag, even zero, is over it.
    target = access(REPLICA_HOST, pg_pair.port, pg_creds, tls.ca_cert)
    verdict = postgres.replica_lag(target, limit_seconds=-1, aurora=False)
    assert not verdict.ok and "exceeds" in verdict.detail


# --- IAM database users: exist, may log in, member of rds_iam -------------------------


@pytest.fixture(scope="module")
def iam_roles(pg_pair) -> None:
    """rds_iam (RDS creates it; here the test does) and users in each state."""
    with pg_pair.admin() as conn:
        conn.execute(
            "DO $$ BEGIN CREATE ROLE rds_iam NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        conn.execute("CREATE ROLE iam_ok LOGIN IN ROLE rds_iam")
        conn.execute("CREATE ROLE iam_nologin NOLOGIN IN ROLE rds_iam")
        conn.execute("CREATE ROLE iam_password LOGIN PASSWORD 'not-iam-1'")


@pytest.mark.parametrize(
    ("user", "ok", "fragment"),
    [
        ("iam_ok", True, "member of rds_iam"),
        ("iam_nologin", False, "cannot log in"),
        ("iam_password", False, "GRANT rds_iam TO iam_password"),
        ("iam_missing", False, "does not exist"),
    ],
)
def test_postgres_iam_user_enabled(user, ok, fragment, iam_roles, pg_pair, pg_creds, tls) -> None:
    target = access(PRIMARY_HOST, pg_pair.port, pg_creds, tls.ca_cert)
    verdict = postgres.iam_user_enabled(target, user)
    assert (verdict.ok, fragment in verdict.detail) == (ok, True), verdict.detail
