"""Redis / Valkey data plane: TLS only, no anonymous access, users and replicas work."""

from __future__ import annotations

from storagectl.verify import redis_checks
from storagectl.verify.context import Context
from storagectl.verify.facts import CacheTarget, CacheUser
from storagectl.verify.verdict import Verdict


def test_cache_plaintext_refused(cache_endpoint: CacheTarget, ctx: Context) -> Verdict:
    """A plain-text connection gets no Redis session."""
    return redis_checks.plaintext_refused(ctx.cache_access(cache_endpoint, None))


def test_cache_anonymous_command_gets_noauth(cache_endpoint: CacheTarget, ctx: Context) -> Verdict:
    """A command without AUTH over TLS is refused with NOAUTH."""
    return redis_checks.anonymous_gets_noauth(ctx.cache_access(cache_endpoint, None))


def test_cache_default_user_disabled(cache_primary: CacheTarget, ctx: Context) -> Verdict:
    """The `default` user cannot log in (and is off, where ACL GETUSER is allowed)."""
    login = ctx.facts.first_password_user(cache_primary.cache)
    return redis_checks.default_user_disabled(ctx.cache_access(cache_primary, login))


def test_cache_application_user_connects(cache_user: CacheUser, ctx: Context) -> Verdict:
    """Each application's user authenticates over TLS."""
    arn = cache_user.secret_arn or ctx.login_for(cache_user.target)
    return redis_checks.user_connects(ctx.cache_access(cache_user.target, arn))


def test_cache_replica_link_up(cache_reader: CacheTarget, ctx: Context) -> Verdict:
    """The reader endpoint reaches a replica whose link to the primary is up."""
    access = ctx.cache_access(cache_reader, ctx.login_for(cache_reader))
    return redis_checks.replica_link_up(access)
