"""Redis checks against a TLS + ACL primary/replica pair and a plain, open Redis."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from storagectl.verify import redis_checks
from tests.verify import servers
from tests.verify.conftest import access

# Real servers (or moto) on loopback: deselect with `-m "not servers"`.
pytestmark = pytest.mark.servers


def test_redis_plaintext_refused_passes_on_tls_port(redis_pair, tls) -> None:
    primary, _ = redis_pair
    verdict = redis_checks.plaintext_refused(access(primary.host, primary.port, None, tls.ca_cert))
    assert verdict.ok, verdict.detail


def test_redis_plaintext_refused_fails_on_plain_server(plain_redis, tls) -> None:
    target = access(plain_redis.host, plain_redis.port, None, tls.ca_cert)
    verdict = redis_checks.plaintext_refused(target)
    assert not verdict.ok and "PONG" in verdict.detail


@pytest.mark.parametrize("role", ["primary", "replica"])
def test_redis_anonymous_command_gets_noauth(role, redis_pair, tls) -> None:
    server = redis_pair[0] if role == "primary" else redis_pair[1]
    verdict = redis_checks.anonymous_gets_noauth(
        access(server.host, server.port, None, tls.ca_cert)
    )
    assert verdict.ok, verdict.detail


def test_redis_default_user_disabled_passes(redis_pair, app_creds, tls) -> None:
    primary, _ = redis_pair
    target = access(primary.host, primary.port, app_creds, tls.ca_cert)
    verdict = redis_checks.default_user_disabled(target)
    assert verdict.ok, verdict.detail


def test_redis_user_connects_passes(redis_pair, app_creds, tls) -> None:
    primary, _ = redis_pair
    verdict = redis_checks.user_connects(access(primary.host, primary.port, app_creds, tls.ca_cert))
    assert verdict.ok, verdict.detail


def test_redis_user_connects_fails_with_another_ca(redis_pair, app_creds, other_tls) -> None:
    primary, _ = redis_pair
    target = access(primary.host, primary.port, app_creds, other_tls.ca_cert)
    verdict = redis_checks.user_connects(target)
    assert not verdict.ok and "certificate verify failed" in verdict.detail


def test_redis_replica_link_up_passes(redis_pair, app_creds, tls) -> None:
    _, replica = redis_pair
    verdict = redis_checks.replica_link_up(
        access(replica.host, replica.port, app_creds, tls.ca_cert)
    )
    assert verdict.ok, verdict.detail


def test_redis_replica_link_up_fails_on_primary(redis_pair, app_creds, tls) -> None:
    primary, _ = redis_pair
    verdict = redis_checks.replica_link_up(
        access(primary.host, primary.port, app_creds, tls.ca_cert)
    )
    assert not verdict.ok and "role:master" in verdict.detail


@pytest.mark.parametrize(
    "check",
    [redis_checks.anonymous_gets_noauth, redis_checks.default_user_disabled],
    ids=lambda c: c.__name__,
)
def test_redis_auth_check_fails_on_plain_server(check, plain_redis, tls) -> None:
    # A TLS client meets a plaintext-only port: the handshake never completes, and the
    # check must fail (never pass) within its timeout.
    verdict = check(access(plain_redis.host, plain_redis.port, None, tls.ca_cert, timeout=1))
    assert (
        verdict.ok,
        "cannot connect" in verdict.detail or "never answered" in verdict.detail,
    ) == (
        False,
        True,
    ), verdict.detail


def test_redis_plaintext_client_gets_pong_from_plain_server(plain_redis) -> None:
    # The fault itself: a plaintext client, no AUTH, and the server answers.
    verdict = redis_checks.plaintext_refused(access(plain_redis.host, plain_redis.port, None, None))
    assert (verdict.ok, "+PONG" in verdict.detail) == (False, True), verdict.detail


# --- TLS servers that really have the fault, each owned by its test -------------------

APP_USER = "user app on >{password} ~* &* +@all -@dangerous +info"
# A login user allowed to read the default user's flags, as an auditor account would be.
AUDITOR = "user app on >{password} ~* &* +@all -@dangerous +info +acl|getuser"


@pytest.fixture
def fault_redis(tls, tmp_path, passwords) -> Iterator[Callable[[list[str]], servers.RedisServer]]:
    """Start TLS Redis servers with the given ACL lines; stopped after the test."""
    started: list[servers.RedisServer] = []

    def start(users: list[str]) -> servers.RedisServer:
        lines = [u.format(password=passwords.redis_app) for u in users]
        server = servers.start_tls_redis(tmp_path, f"fault-{len(started)}", tls, lines)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def test_redis_anonymous_ping_answered_with_nopass_default(fault_redis, tls) -> None:
    server = fault_redis(["user default on nopass ~* &* +@all", APP_USER])
    verdict = redis_checks.anonymous_gets_noauth(
        access(server.host, server.port, None, tls.ca_cert)
    )
    assert (verdict.ok, "unauthenticated PING was answered" in verdict.detail) == (False, True)


def test_redis_default_user_nopass_detected(fault_redis, tls, app_creds) -> None:
    server = fault_redis(["user default on nopass ~* &* +@all", APP_USER])
    target = access(server.host, server.port, app_creds, tls.ca_cert)
    verdict = redis_checks.default_user_disabled(target)
    assert (verdict.ok, "(nopass)" in verdict.detail) == (False, True), verdict.detail


def test_redis_default_user_on_with_password_detected(fault_redis, tls, app_creds) -> None:
    # AUTH default with a guess fails, but the user is on: ACL GETUSER shows it.
    server = fault_redis(["user default on >d3fault-pw ~* &* +@all", AUDITOR])
    target = access(server.host, server.port, app_creds, tls.ca_cert)
    verdict = redis_checks.default_user_disabled(target)
    assert (verdict.ok, "shows the user on" in verdict.detail) == (False, True), verdict.detail


def test_redis_default_user_on_with_password_still_gets_noauth(fault_redis, tls) -> None:
    server = fault_redis(["user default on >d3fault-pw ~* &* +@all", AUDITOR])
    verdict = redis_checks.anonymous_gets_noauth(
        access(server.host, server.port, None, tls.ca_cert)
    )
    assert verdict.ok, verdict.detail


def test_redis_default_user_off_confirmed_by_acl(fault_redis, tls, app_creds) -> None:
    server = fault_redis(["user default off", AUDITOR])
    target = access(server.host, server.port, app_creds, tls.ca_cert)
    verdict = redis_checks.default_user_disabled(target)
    assert (verdict.ok, "shows off" in verdict.detail) == (True, True), verdict.detail
