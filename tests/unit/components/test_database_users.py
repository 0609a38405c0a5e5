"""The IAM database user bootstrap: exact statements, and PostgreSQL's run on a real server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from components.database_users import bootstrap_sql, mysql_statements


def test_mysql_users_use_the_rds_iam_plugin_and_tls() -> None:
    # AWS, "Creating a database account using IAM authentication" (MySQL).
    assert mysql_statements(["orders_app"]) == [
        "CREATE USER IF NOT EXISTS 'orders_app'@'%' "
        "IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS';",
        "ALTER USER 'orders_app'@'%' REQUIRE SSL;",
    ]


def test_no_users_no_statements() -> None:
    assert (bootstrap_sql("postgres", []), bootstrap_sql("mysql", [])) == ("", "")


@pytest.mark.parametrize("name", ["Robert'); DROP TABLE x;--", "a b", "1abc", ""])
def test_a_name_that_is_not_a_database_user_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a database user name"):
        bootstrap_sql("postgres", [name])


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL binaries not found: run scripts/install-servers")
    return found[-1].parent


def _run(*command: str) -> None:
    # initdb refuses to run as root: run the server as `postgres` when we are root.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL on a Unix socket, with the `rds_iam` role RDS has."""
    folder = Path(tempfile.mkdtemp(prefix="iam-users-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data, bin_dir = folder / "data", _pg_bin()
    _run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-N")
    options = f"-k {folder} -p {port} -c listen_addresses=''"
    # -l: the server must not hold our output pipes open.
    log = str(folder / "server.log")
    _run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", log, "-o", options, "-w", "start")
    dsn = f"host={folder} port={port} user=postgres dbname=postgres"
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE ROLE rds_iam NOLOGIN")  # what RDS provides
        yield dsn
    finally:
        _run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _iam_users(dsn: str) -> list[tuple[str, bool, bool]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT rolname, rolcanlogin, pg_has_role(rolname, 'rds_iam', 'member') "
            "FROM pg_roles WHERE rolname IN ('orders_app', 'reporting_ro') ORDER BY rolname"
        ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def test_postgres_bootstrap_creates_iam_enabled_login_roles_and_is_idempotent(
    postgres: str,
) -> None:
    sql = bootstrap_sql("postgres", ["reporting_ro", "orders_app", "orders_app"])
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute("CREATE ROLE reporting_ro NOLOGIN PASSWORD 'old'")  # a role already there
        for _ in range(2):  # an operator running it again changes nothing
            for statement in sql.splitlines():
                conn.execute(statement.encode())
    assert _iam_users(postgres) == [("orders_app", True, True), ("reporting_ro", True, True)]
