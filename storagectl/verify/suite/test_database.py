"""PostgreSQL / MySQL data plane: TLS enforced, writer writable, replicas read-only and close."""

from __future__ import annotations

from types import ModuleType

from storagectl.verify import mysql, postgres
from storagectl.verify.facts import DatabaseTarget


def engine(target: DatabaseTarget) -> ModuleType:
    """The check module speaking the database's protocol."""
    return postgres if target.database.engine == "postgres" else mysql


def test_database_tls_connection_succeeds(database_endpoint, database_access, record) -> None:
    """A TLS connection with a verified certificate succeeds."""
    access = database_access(database_endpoint)
    verdict = record(engine(database_endpoint).tls_connection(access))
    assert verdict.ok, verdict.detail


def test_database_plaintext_refused(database_endpoint, database_access, record) -> None:
    """The server refuses an unencrypted connection."""
    access = database_access(database_endpoint)
    verdict = record(engine(database_endpoint).plaintext_refused(access))
    assert verdict.ok, verdict.detail


def test_database_writer_accepts_writes(database_writer, database_access, record) -> None:
    """The writer endpoint accepts a write."""
    access = database_access(database_writer)
    verdict = record(engine(database_writer).writer_accepts_writes(access))
    assert verdict.ok, verdict.detail


def test_database_replica_read_only(database_replica, database_access, record) -> None:
    """Each replica is read-only."""
    access = database_access(database_replica)
    verdict = record(engine(database_replica).replica_read_only(access))
    assert verdict.ok, verdict.detail


def test_database_replica_lag_within_limit(database_replica, database_access, record) -> None:
    """Each replica replicates, with lag under the stack file's maxReplicaLagSeconds."""
    access = database_access(database_replica)
    verdict = record(
        engine(database_replica).replica_lag(
            access,
            limit_seconds=database_replica.expect.max_replica_lag_seconds,
            aurora=database_replica.database.flavour == "aurora",
        )
    )
    assert verdict.ok, verdict.detail
