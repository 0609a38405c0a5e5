"""PostgreSQL / MySQL data plane: TLS enforced, writer writable, replicas read-only and close,
IAM database users in place."""

from __future__ import annotations

from types import ModuleType

from storagectl.verify import mysql, postgres
from storagectl.verify.context import Context
from storagectl.verify.facts import DatabaseIamUser, DatabaseTarget
from storagectl.verify.verdict import Verdict


def engine(target: DatabaseTarget) -> ModuleType:
    """The check module speaking the database's protocol."""
    return postgres if target.database.engine == "postgres" else mysql


def test_database_tls_connection_succeeds(
    database_endpoint: DatabaseTarget, ctx: Context
) -> Verdict:
    """A TLS connection with a verified certificate succeeds."""
    access = ctx.database_access(database_endpoint)
    return engine(database_endpoint).tls_connection(access)  # type: ignore[no-any-return]


def test_database_plaintext_refused(database_endpoint: DatabaseTarget, ctx: Context) -> Verdict:
    """The server refuses an unencrypted connection (no password is ever sent in clear)."""
    access = ctx.database_access(database_endpoint)
    return engine(database_endpoint).plaintext_refused(access)  # type: ignore[no-any-return]


def test_database_writer_accepts_writes(database_writer: DatabaseTarget, ctx: Context) -> Verdict:
    """The writer endpoint accepts a write."""
    access = ctx.database_access(database_writer)
    return engine(database_writer).writer_accepts_writes(access)  # type: ignore[no-any-return]


def test_database_replica_read_only(database_replica: DatabaseTarget, ctx: Context) -> Verdict:
    """Each replica is read-only."""
    access = ctx.database_access(database_replica)
    return engine(database_replica).replica_read_only(access)  # type: ignore[no-any-return]


def test_database_replica_lag_within_limit(
    database_replica: DatabaseTarget, ctx: Context
) -> Verdict:
    """Each replica replicates, with lag under the stack file's maxReplicaLagSeconds."""
    access = ctx.database_access(database_replica)
    return engine(database_replica).replica_lag(  # type: ignore[no-any-return]
        access,
        limit_seconds=database_replica.expect.max_replica_lag_seconds,
        aurora=database_replica.database.flavour == "aurora",
    )


def test_database_iam_user_enabled(database_iam_user: DatabaseIamUser, ctx: Context) -> Verdict:
    """Each database user granted `rds-db:connect` exists and authenticates with IAM."""
    access = ctx.database_access(database_iam_user.writer)
    check = engine(database_iam_user.writer).iam_user_enabled
    return check(access, database_iam_user.user)  # type: ignore[no-any-return]
