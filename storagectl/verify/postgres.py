"""PostgreSQL data-plane checks (RDS instances and Aurora PostgreSQL) with psycopg 3.

Every connection that carries credentials verifies the server certificate and host name
(`sslmode=verify-full`): sending the master password to an unverified server would be the
very hole these checks look for. The plaintext check sends no password at all: it speaks
the first message of the protocol itself and reads how the server answers.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from typing import Any

import psycopg

from .access import Access
from .deadline import bounded_check
from .tcp import recv_exact
from .verdict import Verdict

_PROTOCOL_3_0 = 196608
_INVALID_AUTHORIZATION = "28000"
_AUTH_REQUESTS = {
    0: "let the user in without a password (trust)",
    3: "asked for the password in clear text",
    5: "asked for an MD5 password",
    10: "asked for a SCRAM password",
}


def _connect(access: Access) -> psycopg.Connection[Any]:
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
        # TLS with the certificate and host name verified, or no connection at all.
        "sslmode": "verify-full",
        "sslrootcert": str(access.ca_bundle) if access.ca_bundle else "system",
        # GSSAPI encryption would be tried first and, when it works, replace TLS with a
        # channel no --ca-bundle vouches for; a password file would add a second secret.
        "gssencmode": "disable",
        "passfile": "/dev/null",
    }
    return psycopg.connect(**params, autocommit=True)


def _bounded(access: Access, action: Callable[[], Verdict]) -> Verdict:
    return bounded_check(access, action, (psycopg.Error, OSError, ValueError))


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

    return _bounded(access, check)


def plaintext_refused(access: Access) -> Verdict:
    """The server refuses an unencrypted session before any password is asked for.

    pg_hba.conf is matched before authentication, so a server that allows only `hostssl`
    (RDS: `rds.force_ssl=1`) answers a plaintext StartupMessage with "no pg_hba.conf entry
    ..., no encryption". The probe names the master user (a throwaway name could fall to
    a different pg_hba line) but never sends a password: any authentication request is
    itself the proof that plaintext got through, and the probe hangs up on it.
    """

    def check() -> Verdict:
        user = access.credentials.username if access.credentials else "storagectl_probe"
        kind, payload = _plaintext_startup(access, user)
        if kind == b"R" and len(payload) >= 4:
            (code,) = struct.unpack("!I", payload[:4])
            what = _AUTH_REQUESTS.get(code, f"asked for authentication (method {code})")
            return Verdict.failed(
                f"plaintext session accepted: the server {what} over an unencrypted "
                "connection (no password was sent); enforce TLS (rds.force_ssl=1, hostssl)"
            )
        if kind == b"E":
            fields = _error_fields(payload)
            code, message = fields.get("C", ""), fields.get("M", "")
            refused_by_hba = "pg_hba.conf" in message and (
                "no encryption" in message or "SSL off" in message
            )
            if code == _INVALID_AUTHORIZATION and refused_by_hba:
                return Verdict.passed("plaintext connection rejected by pg_hba (no encryption)")
            return Verdict.failed(f"could not tell: the server answered {code} {message}")
        return Verdict.failed(f"could not tell: not a PostgreSQL answer ({kind!r})")

    return _bounded(access, check)


def _plaintext_startup(access: Access, user: str) -> tuple[bytes, bytes]:
    """Send a StartupMessage without SSLRequest; return the first answer's type and body."""
    fields = [("user", user), ("database", access.database or "postgres")]
    fields.append(("application_name", "storagectl-verify"))
    body = struct.pack("!I", _PROTOCOL_3_0)
    body += b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in fields) + b"\0"
    with socket.create_connection((access.host, access.port), timeout=access.timeout) as sock:
        sock.settimeout(access.timeout)
        sock.sendall(struct.pack("!I", len(body) + 4) + body)
        for _ in range(8):  # notices and parameter messages may come first
            header = recv_exact(sock, 5)
            kind, (length,) = header[:1], struct.unpack("!I", header[1:])
            if not 4 <= length <= 16384:
                return b"?", b""
            payload = recv_exact(sock, length - 4)
            if kind in (b"R", b"E"):
                return kind, payload
    return b"?", b""


def _error_fields(payload: bytes) -> dict[str, str]:
    """The fields of an ErrorResponse: one type byte and one NUL-terminated string each."""
    fields: dict[str, str] = {}
    for part in payload.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode("utf-8", "replace")
    return fields


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

    return _bounded(access, check)


def replica_read_only(access: Access) -> Verdict:
    """The replica is in recovery, hence read-only."""

    def check() -> Verdict:
        with _connect(access) as conn:
            in_recovery = _scalar(conn, "SELECT pg_is_in_recovery()")
        if not in_recovery:
            return Verdict.failed("pg_is_in_recovery() is false: the replica accepts writes")
        return Verdict.passed("pg_is_in_recovery() is true")

    return _bounded(access, check)


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

    return _bounded(access, check)


# A database user authenticates with IAM when it may log in and is a member of rds_iam
# (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html:
# `CREATE USER db_userx; GRANT rds_iam TO db_userx;`). `rds_iam` exists on RDS only, so
# the membership test goes through pg_roles and is simply false where the role is absent.
_IAM_USER = """
SELECT r.rolcanlogin,
       COALESCE((SELECT pg_has_role(r.oid, g.oid, 'MEMBER')
                   FROM pg_roles g WHERE g.rolname = 'rds_iam'), false)
  FROM pg_roles r WHERE r.rolname = %s
"""


_BOOTSTRAP = ": run the database's `iamUserBootstrap` statements (stack output) as the master user"


def iam_user_enabled(access: Access, user: str) -> Verdict:
    """Database user `user` exists, may log in and is a member of `rds_iam`."""

    def check() -> Verdict:
        with _connect(access) as conn:
            row = conn.execute(_IAM_USER, (user,)).fetchone()
        if row is None:
            return Verdict.failed(f"role {user} does not exist{_BOOTSTRAP}")
        can_login, iam = row
        if not can_login:
            return Verdict.failed(
                f"role {user} cannot log in (ALTER ROLE {user} LOGIN){_BOOTSTRAP}"
            )
        if not iam:
            return Verdict.failed(
                f"role {user} is not in rds_iam (GRANT rds_iam TO {user}){_BOOTSTRAP}"
            )
        return Verdict.passed(f"role {user} can log in and is a member of rds_iam")

    return _bounded(access, check)
