"""Redis / Valkey data plane: TLS only, no anonymous access, users and replicas work."""

from __future__ import annotations

from storagectl.verify import redis_checks


def test_cache_plaintext_refused(cache_endpoint, cache_access, record) -> None:
    """A plain-text connection gets no Redis session."""
    verdict = record(redis_checks.plaintext_refused(cache_access(cache_endpoint, None)))
    assert verdict.ok, verdict.detail


def test_cache_anonymous_command_gets_noauth(cache_endpoint, cache_access, record) -> None:
    """A command without AUTH over TLS is refused with NOAUTH."""
    verdict = record(redis_checks.anonymous_gets_noauth(cache_access(cache_endpoint, None)))
    assert verdict.ok, verdict.detail


def test_cache_default_user_disabled(cache_primary, cache_access, facts, record) -> None:
    """The `default` user cannot log in (and is off, where ACL GETUSER is allowed)."""
    login = facts.first_password_user(cache_primary.cache)
    verdict = record(redis_checks.default_user_disabled(cache_access(cache_primary, login)))
    assert verdict.ok, verdict.detail


def test_cache_application_user_connects(cache_user, cache_access, login_for, record) -> None:
    """Each application's user authenticates over TLS."""
    arn = cache_user.secret_arn or login_for(cache_user.target)
    verdict = record(redis_checks.user_connects(cache_access(cache_user.target, arn)))
    assert verdict.ok, verdict.detail


def test_cache_replica_link_up(cache_reader, cache_access, login_for, record) -> None:
    """The reader endpoint reaches a replica whose link to the primary is up."""
    access = cache_access(cache_reader, login_for(cache_reader))
    verdict = record(redis_checks.replica_link_up(access))
    assert verdict.ok, verdict.detail
