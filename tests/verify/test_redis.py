"""Redis checks against a TLS + ACL primary/replica pair and a plain, open Redis."""

from __future__ import annotations

import pytest

from storagectl.verify import redis_checks
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
def test_redis_auth_check_fails_on_plain_server(check, plain_redis) -> None:
    # The plain server speaks no TLS, so point the TLS checks at it via a plaintext probe:
    # these checks must fail there (no handshake), never pass.
    verdict = check(access(plain_redis.host, plain_redis.port, None, None))
    assert not verdict.ok
