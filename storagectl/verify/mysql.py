"""MySQL / MariaDB data-plane checks (RDS instances and Aurora MySQL) with PyMySQL.

Connections that carry credentials verify the server certificate and host name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pymysql
import pymysql.cursors

from .access import Access
from .deadline import bounded_check
from .tcp import one_line, tls_context
from .verdict import Verdict

# MySQL refuses insecure transport with ER_SECURE_TRANSPORT_REQUIRED (3159). MariaDB
# answers a plain "access denied" (1045), which a wrong password would also give, so
# that answer counts only when the same login over TLS works and the server reports
# require_secure_transport on. A refusal for any other reason proves nothing.
_SECURE_TRANSPORT_REQUIRED = 3159
_ACCESS_DENIED = 1045


def _connect(access: Access, *, tls: bool = True) -> pymysql.connections.Connection[Any]:
    creds = access.required_credentials()
    return pymysql.connect(
        host=access.host,
        port=access.port,
        user=creds.username,
        password=creds.password,
        # Temporary tables need a default schema; `mysql` always exists.
        database=access.database or "mysql",
        ssl=tls_context(access.ca_bundle) if tls else None,
        # PyMySQL upgrades to TLS when the server offers it unless told not to, which
        # would make the plaintext probe silently encrypted.
        ssl_disabled=not tls,
        connect_timeout=access.timeout,
        read_timeout=access.timeout,
        write_timeout=access.timeout,
        autocommit=True,
        cursorclass=pymysql.cursors.DictCursor,
    )


def _bounded(timeout: float, action: Callable[[], Verdict]) -> Verdict:
    return bounded_check(timeout, action, (pymysql.MySQLError, OSError))


def _row(conn: pymysql.connections.Connection[Any], sql: str) -> dict[str, Any]:
    with conn.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone() or {}


def tls_connection(access: Access) -> Verdict:
    """A verified TLS connection succeeds and the session is encrypted."""

    def check() -> Verdict:
        with _connect(access) as conn:
            row = _row(conn, "SHOW SESSION STATUS LIKE 'Ssl_version'")
        version = row.get("Value")
        if not version:
            return Verdict.failed("connected, but the session is not encrypted")
        return Verdict.passed(f"{version}, certificate and host name verified")

    return _bounded(access.timeout, check)


def plaintext_refused(access: Access) -> Verdict:
    """The server rejects an unencrypted connection (`require_secure_transport=ON`)."""

    def check() -> Verdict:
        try:
            conn = _connect(access, tls=False)
        except pymysql.err.OperationalError as exc:
            code = exc.args[0] if exc.args else None
            if code == _SECURE_TRANSPORT_REQUIRED:
                return Verdict.passed("plaintext connection rejected: secure transport required")
            if code == _ACCESS_DENIED and _requires_secure_transport(access):
                return Verdict.passed(
                    "plaintext login denied, TLS login accepted, require_secure_transport=ON"
                )
            return Verdict.failed(f"could not tell: {one_line(exc)}")
        conn.close()
        return Verdict.failed("plaintext connection accepted: set require_secure_transport=ON")

    return _bounded(access.timeout, check)


def _requires_secure_transport(access: Access) -> bool:
    with _connect(access) as conn:
        row = _row(conn, "SELECT @@require_secure_transport AS required")
    return bool(row.get("required"))


def writer_accepts_writes(access: Access) -> Verdict:
    """The writer is not read-only and accepts a write (to a temporary table)."""

    def check() -> Verdict:
        with _connect(access) as conn:
            flags = _row(conn, "SELECT @@read_only AS ro, @@innodb_read_only AS innodb_ro")
            if flags.get("ro") or flags.get("innodb_ro"):
                return Verdict.failed("the writer endpoint reaches a read-only server")
            with conn.cursor() as cursor:
                # Temporary tables need no schema of ours and vanish with the session.
                cursor.execute("CREATE TEMPORARY TABLE storagectl_verify_probe (id INT)")
                cursor.execute("INSERT INTO storagectl_verify_probe VALUES (1)")
            count = _row(conn, "SELECT COUNT(*) AS n FROM storagectl_verify_probe").get("n")
        if count != 1:
            return Verdict.failed("write to a temporary table was not visible")
        return Verdict.passed("wrote and read back a row in a temporary table")

    return _bounded(access.timeout, check)


def replica_read_only(access: Access) -> Verdict:
    """The replica is read-only (`read_only` on RDS/MariaDB, `innodb_read_only` on Aurora)."""

    def check() -> Verdict:
        with _connect(access) as conn:
            flags = _row(conn, "SELECT @@read_only AS ro, @@innodb_read_only AS innodb_ro")
        if flags.get("ro") or flags.get("innodb_ro"):
            return Verdict.passed(
                f"read_only={flags.get('ro')}, innodb_read_only={flags.get('innodb_ro')}"
            )
        return Verdict.failed("read_only and innodb_read_only are off: the replica accepts writes")

    return _bounded(access.timeout, check)


def _replica_status(conn: pymysql.connections.Connection[Any]) -> dict[str, Any]:
    try:
        return _row(conn, "SHOW REPLICA STATUS")
    except pymysql.err.ProgrammingError:  # MySQL before 8.0.22 knows only the old words
        return _row(conn, "SHOW SLAVE STATUS")


def _field(status: dict[str, Any], *names: str) -> Any:
    # MySQL 8.0.22+ renamed Master/Slave to Source/Replica; MariaDB keeps both spellings.
    for name in names:
        if name in status:
            return status[name]
    return None


def replica_lag(access: Access, *, limit_seconds: float, aurora: bool) -> Verdict:
    """The replica replicates (both threads running) and its lag is under the limit."""

    def check() -> Verdict:
        with _connect(access) as conn:
            if aurora:
                # Aurora readers share storage; Aurora reports the lag per instance.
                row = _row(
                    conn,
                    "SELECT REPLICA_LAG_IN_MILLISECONDS / 1000 AS lag "
                    "FROM information_schema.REPLICA_HOST_STATUS "
                    "WHERE SERVER_ID = @@aurora_server_id",
                )
                lag, running = row.get("lag"), True
            else:
                status = _replica_status(conn)
                if not status:
                    return Verdict.failed("not a replica: replica status is empty")
                io = _field(status, "Replica_IO_Running", "Slave_IO_Running")
                sql = _field(status, "Replica_SQL_Running", "Slave_SQL_Running")
                lag = _field(status, "Seconds_Behind_Source", "Seconds_Behind_Master")
                running = io == "Yes" and sql == "Yes"
                if not running:
                    return Verdict.failed(f"replication stopped (IO thread {io}, SQL thread {sql})")
        if lag is None:
            return Verdict.failed("lag unknown")
        if float(lag) > limit_seconds:
            return Verdict.failed(f"lag {float(lag):.1f} s exceeds {limit_seconds:g} s")
        return Verdict.passed(f"lag {float(lag):.1f} s (limit {limit_seconds:g} s)")

    return _bounded(access.timeout, check)
