"""PostgreSQL data-plane checks (RDS instances and Aurora PostgreSQL) with psycopg 3.

Every connection that carries credentials verifies the server certificate and host name
(`sslmode=verify-full`): sending the master password to an unverified server would be the
very hole these checks look for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from .access import Access
from .deadline import bounded_check
from .tcp import one_line
from .verdict import Verdict


def _connect(access: Access, *, tls: bool = True) -> psycopg.Connection[Any]:
    creds = access.required_credentials()
    params: dict[str, Any] = {
        "host": access.host,
        "port": access.port,
        "user": creds.username,
        "password": creds.password,
        "dbname": access.database or "postgres",
        # libpq's minimum is 2 s; the deadline around every check enforces the rest.
        "connect_timeout": max(2, int(access.timeout)),
        "options": f"-c statement_timeout={int(access.timeout * 1000)}",
        "application_name": "storagectl-verify",
    }
    if tls:
        params["sslmode"] = "verify-full"
        params["sslrootcert"] = str(access.ca_bundle) if access.ca_bundle else "system"
    else:
        params["sslmode"] = "disable"
    return psycopg.connect(**params, autocommit=True)


def _bounded(timeout: float, action: Callable[[], Verdict]) -> Verdict:
    return bounded_check(timeout, action, (psycopg.Error,))


def _scalar(conn: psycopg.Connection[Any], sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    return row[0] if row else None


def tls_connection(access: Access) -> Verdict:
    """A verified TLS connection succeeds and the session is encrypted."""

    def check() -> Verdict:
        with _connect(access) as conn:
            version = _scalar(conn, "SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        if not version:
            return Verdict.failed("connected, but the session is not encrypted")
        return Verdict.passed(f"{version}, certificate and host name verified")

    return _bounded(access.timeout, check)


def plaintext_refused(access: Access) -> Verdict:
    """The server rejects an unencrypted connection (pg_hba `hostssl` / `rds.force_ssl`)."""

    def check() -> Verdict:
        try:
            conn = _connect(access, tls=False)
        except psycopg.OperationalError as exc:
            message = one_line(exc)
            # Only a rejection by the server proves enforcement; a dead port proves nothing.
            if "no pg_hba.conf entry" in message or "SSL" in message or "encryption" in message:
                return Verdict.passed("plaintext connection rejected by the server")
            return Verdict.failed(f"could not tell: {message}")
        conn.close()
        return Verdict.failed("plaintext connection accepted: enforce TLS (rds.force_ssl=1)")

    return _bounded(access.timeout, check)


def writer_accepts_writes(access: Access) -> Verdict:
    """The writer is not in recovery and accepts a write (to a temporary table)."""

    def check() -> Verdict:
        with _connect(access) as conn:
            if _scalar(conn, "SELECT pg_is_in_recovery()"):
                return Verdict.failed("the writer endpoint reaches a server in recovery")
            conn.execute("CREATE TEMPORARY TABLE storagectl_verify_probe (id int)")
            conn.execute("INSERT INTO storagectl_verify_probe VALUES (1)")
            count = _scalar(conn, "SELECT count(*) FROM storagectl_verify_probe")
        if count != 1:
            return Verdict.failed("write to a temporary table was not visible")
        return Verdict.passed("wrote and read back a row in a temporary table")

    return _bounded(access.timeout, check)


def replica_read_only(access: Access) -> Verdict:
    """The replica is in recovery, hence read-only."""

    def check() -> Verdict:
        with _connect(access) as conn:
            in_recovery = _scalar(conn, "SELECT pg_is_in_recovery()")
        if not in_recovery:
            return Verdict.failed("pg_is_in_recovery() is false: the replica accepts writes")
        return Verdict.passed("pg_is_in_recovery() is true")

    return _bounded(access.timeout, check)


# Streaming replicas (RDS instances): lag is zero when everything received is replayed,
# else the age of the last replayed transaction. The WAL receiver must be streaming, or a
# replica cut off from its primary would report a lag of zero forever.
_STREAMING_LAG = """
SELECT (SELECT status FROM pg_stat_wal_receiver),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""
# Aurora readers share storage and do not stream WAL; Aurora reports lag itself.
_AURORA_LAG = """
SELECT 'streaming', replica_lag_in_msec / 1000.0 FROM aurora_replica_status()
 WHERE server_id = aurora_db_instance_identifier()
"""


def replica_lag(access: Access, *, limit_seconds: float, aurora: bool) -> Verdict:
    """The replica is connected to its primary and its lag is under `limit_seconds`."""

    def check() -> Verdict:
        with _connect(access) as conn:
            row = conn.execute(_AURORA_LAG if aurora else _STREAMING_LAG).fetchone()
        status, lag = row if row else (None, None)
        if status != "streaming":
            return Verdict.failed(f"not receiving from the primary (WAL receiver: {status})")
        if lag is None:
            return Verdict.failed("lag unknown: nothing replayed yet")
        if float(lag) > limit_seconds:
            return Verdict.failed(f"lag {float(lag):.1f} s exceeds {limit_seconds:g} s")
        return Verdict.passed(f"lag {float(lag):.1f} s (limit {limit_seconds:g} s)")

    return _bounded(access.timeout, check)
