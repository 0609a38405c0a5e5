"""Faults: a frozen or stopped primary, a stopped replica — clear failures, never hangs.

Every test here owns the servers it freezes or stops (module-scoped servers of this file,
not the session's shared ones), and every fault is undone by the fixture that caused it,
so the tests pass in any order and disturb no other file.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from storagectl.verify import mysql, postgres, redis_checks
from tests.verify import servers
from tests.verify.conftest import access

# Real servers (or moto) on loopback: deselect with `-m "not servers"`.
pytestmark = pytest.mark.servers

TIMEOUT = 2.0
# The check's own timeout, the deadline's grace second, and scheduling slack on 2 cores.
BOUND = TIMEOUT + 1 + 2


@pytest.fixture(scope="module")
def fault_pg(tls, passwords) -> Iterator[servers.PostgresPair]:
    """A PostgreSQL pair of this file's own."""
    pair = servers.start_postgres_pair(tls, passwords.postgres)
    yield pair
    pair.stop()


@pytest.fixture(scope="module")
def fault_maria(tls, passwords) -> Iterator[servers.MariaDBPair]:
    """A lone MariaDB primary of this file's own."""
    server = servers.start_mariadb_primary(tls, passwords.mariadb)
    yield server
    server.stop()


@pytest.fixture
def fault_redis_pair(tls, tmp_path, passwords) -> Iterator[tuple[servers.RedisServer, ...]]:
    """A Redis primary and replica of this test's own."""
    pair = servers.start_redis_pair(tmp_path, tls, passwords.redis_app, passwords.replication)
    yield pair
    for server in reversed(pair):
        server.stop()


@pytest.fixture
def replica_stopped(fault_pg) -> Iterator[None]:
    """The fault pair's replica, stopped for one test."""
    fault_pg.stop_replica()
    yield
    fault_pg.start_replica()


@pytest.fixture
def primary_stopped(fault_pg) -> Iterator[None]:
    """The fault pair's primary, stopped for one test."""
    fault_pg.stop_primary()
    yield
    fault_pg.start_primary()


def _timed(check, target):
    started = time.monotonic()
    verdict = check(target)
    return verdict, time.monotonic() - started


@pytest.mark.parametrize("check", [postgres.tls_connection, postgres.writer_accepts_writes])
def test_fault_frozen_postgres_primary_fails_within_timeout(check, fault_pg, pg_creds, tls) -> None:
    target = access(servers.PRIMARY_HOST, fault_pg.port, pg_creds, tls.ca_cert, TIMEOUT)
    with servers.frozen(fault_pg.primary_pid()):
        verdict, elapsed = _timed(check, target)
    assert (verdict.ok, elapsed < BOUND) == (False, True), verdict.detail


def test_fault_frozen_mariadb_primary_fails_within_timeout(fault_maria, maria_creds, tls) -> None:
    target = access(servers.PRIMARY_HOST, fault_maria.port, maria_creds, tls.ca_cert, TIMEOUT)
    with servers.frozen(fault_maria.processes["primary"].pid):
        verdict, elapsed = _timed(mysql.tls_connection, target)
    assert (verdict.ok, elapsed < BOUND) == (False, True), verdict.detail


def test_fault_frozen_redis_primary_fails_within_timeout(fault_redis_pair, app_creds, tls) -> None:
    primary = fault_redis_pair[0]
    target = access(primary.host, primary.port, app_creds, tls.ca_cert, TIMEOUT)
    with servers.frozen(primary.process.pid):
        verdict, elapsed = _timed(redis_checks.user_connects, target)
    assert (verdict.ok, elapsed < BOUND) == (False, True), verdict.detail


def test_fault_mid_query_freeze_fails_within_timeout(fault_pg, pg_creds, tls) -> None:
    # Freeze after the check started: the connection is up, the query never answers.
    target = access(servers.PRIMARY_HOST, fault_pg.port, pg_creds, tls.ca_cert, TIMEOUT)
    pid = fault_pg.primary_pid()
    timer = threading.Timer(0.05, lambda: os.kill(pid, signal.SIGSTOP))
    timer.start()
    try:
        verdict, elapsed = _timed(
            lambda t: postgres.replica_lag(t, limit_seconds=30, aurora=False), target
        )
    finally:
        timer.join()
        os.kill(pid, signal.SIGCONT)
    assert (verdict.ok, elapsed < BOUND) == (False, True), verdict.detail


@pytest.mark.parametrize(
    "check",
    [postgres.replica_read_only, lambda t: postgres.replica_lag(t, limit_seconds=30, aurora=False)],
    ids=["replica_read_only", "replica_lag"],
)
def test_fault_stopped_postgres_replica_fails(
    check, fault_pg, pg_creds, tls, replica_stopped
) -> None:
    verdict = check(access(servers.REPLICA_HOST, fault_pg.port, pg_creds, tls.ca_cert, TIMEOUT))
    assert not verdict.ok and "cannot connect" in verdict.detail


def test_fault_replica_of_stopped_primary_reports_no_stream(
    fault_pg, pg_creds, tls, primary_stopped
) -> None:
    target = access(servers.REPLICA_HOST, fault_pg.port, pg_creds, tls.ca_cert, TIMEOUT)
    verdict = postgres.replica_lag(target, limit_seconds=30, aurora=False)
    assert not verdict.ok and "not receiving" in verdict.detail


def test_fault_stopped_redis_replica_fails(fault_redis_pair, app_creds, tls) -> None:
    replica = fault_redis_pair[1]
    replica.stop()
    target = access(replica.host, replica.port, app_creds, tls.ca_cert, TIMEOUT)
    verdict = redis_checks.replica_link_up(target)
    assert not verdict.ok and "cannot connect" in verdict.detail
