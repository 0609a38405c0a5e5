"""MySQL / MariaDB data-plane checks (RDS instances and Aurora MySQL) with PyMySQL.

Connections that carry credentials verify the server certificate and host name: PyMySQL
given an SSLContext refuses a server that does not offer TLS ("SSL is required but the
server doesn't support it") before it sends the handshake response, so neither a scramble
nor a `mysql_clear_password` answer ever crosses an unverified channel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pymysql
import pymysql.cursors

from .access import Access
from .deadline import bounded_check
from .tcp import tls_context
from .verdict import Verdict

# MySQL checks require_secure_transport only after the password was accepted
# (sql/auth/sql_authentication.cc: the ER_SECURE_TRANSPORT_REQUIRED test follows the
# password and SSL-attribute checks), and MariaDB answers "access denied" (1045) either
# way. So no plaintext login can prove the refusal without sending a valid password in
# clear. The check therefore probes plaintext as an unknown user with no password (which
# catches anonymous accounts), and reads the server's own setting over verified TLS.
_SECURE_TRANSPORT_REQUIRED = 3159
_ACCESS_DENIED = 1045
_PROBE_USER = "storagectl_probe"
# RDS IAM database users (MySQL and MariaDB): `IDENTIFIED WITH AWSAuthenticationPlugin AS
# 'RDS'` (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html).
IAM_PLUGIN = "AWSAuthenticationPlugin"
_BOOTSTRAP = ": run the database's `iamUserBootstrap` statements (stack output) as the master user"


def _connect(access: Access) -> pymysql.connections.Connection[Any]:
    creds = access.required_credentials()
    return pymysql.connect(
        host=access.host,
        port=access.port,
        user=creds.username,
        # Bytes: PyMySQL would encode a str as latin-1, fail on other characters and quote
        # one of them in its error message.
        password=creds.password.encode("utf-8"),
        # Temporary tables need a default schema; `mysql` always exists.
        database=access.database or "mysql",
        ssl=tls_context(access.ca_bundle),
        connect_timeout=access.timeout,
        read_timeout=access.timeout,
        write_timeout=access.timeout,
        autocommit=True,
        cursorclass=pymysql.cursors.DictCursor,
    )


def _bounded(access: Access, action: Callable[[], Verdict]) -> Verdict:
    return bounded_check(access, action, (pymysql.MySQLError, OSError, ValueError))


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

    return _bounded(access, check)


def plaintext_refused(access: Access) -> Verdict:
    """Plaintext gets no session: no anonymous login, and `require_secure_transport` is on.

    The only password sent is the master's, over verified TLS, to read the setting.
    """

    def check() -> Verdict:
        refusal = _plaintext_probe(access)
        if refusal is None:
            return Verdict.failed(
                f"plaintext login as unknown user {_PROBE_USER!r} without a password was "
                "accepted: drop the anonymous account and set require_secure_transport=ON"
            )
        if refusal == _SECURE_TRANSPORT_REQUIRED:
            return Verdict.passed("plaintext connection rejected: secure transport required")
        if refusal != _ACCESS_DENIED:
            return Verdict.failed(f"could not tell: plaintext probe refused with error {refusal}")
        if not _requires_secure_transport(access):
            return Verdict.failed(
                "require_secure_transport is OFF: plaintext logins are accepted; set it to ON"
            )
        return Verdict.passed(
            "require_secure_transport=ON (read over verified TLS); an unknown user's "
            "plaintext login was refused"
        )

    return _bounded(access, check)


def _requires_secure_transport(access: Access) -> bool:
    with _connect(access) as conn:
        row = _row(conn, "SELECT @@require_secure_transport AS required")
    return bool(row.get("required"))


def _plaintext_probe(access: Access) -> int | None:
    """Log in over plaintext as an unknown user with no password; the error code, or None."""
    try:
        conn = pymysql.connect(
            host=access.host,
            port=access.port,
            user=_PROBE_USER,
            password=b"",
            ssl_disabled=True,
            connect_timeout=access.timeout,
            read_timeout=access.timeout,
            write_timeout=access.timeout,
        )
    except pymysql.err.OperationalError as exc:
        code = exc.args[0] if exc.args else None
        if isinstance(code, int) and code < 2000:  # a server error, not a client one
            return code
        raise
    conn.close()
    return None


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

    return _bounded(access, check)


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

    return _bounded(access, check)


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

    return _bounded(access, check)


def iam_user_enabled(access: Access, user: str) -> Verdict:
    """Database user `user` exists, and every account of that name uses the IAM plugin."""

    def check() -> Verdict:
        with _connect(access) as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT Host AS host, plugin AS plugin FROM mysql.user WHERE User = %s", (user,)
            )
            rows = list(cursor.fetchall())
        if not rows:
            return Verdict.failed(f"user {user} does not exist{_BOOTSTRAP}")
        other = sorted(
            f"{user}@{r['host']} ({r['plugin']})" for r in rows if r["plugin"] != IAM_PLUGIN
        )
        if other:
            return Verdict.failed(f"not IAM-authenticated: {', '.join(other)}{_BOOTSTRAP}")
        return Verdict.passed(f"{len(rows)} account(s) named {user}, all with {IAM_PLUGIN}")

    return _bounded(access, check)
