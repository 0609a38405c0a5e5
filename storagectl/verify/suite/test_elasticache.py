"""ElastiCache control plane: encryption, failover and the RBAC user group."""

from __future__ import annotations

from storagectl.verify.aws import elasticache
from storagectl.verify.context import Context
from storagectl.verify.facts import CacheTarget
from storagectl.verify.verdict import Verdict


def test_cache_encrypted_at_rest(cache: CacheTarget, ctx: Context) -> Verdict:
    """At-rest encryption is on, with the cache's environment key."""
    outputs = cache.cache
    return elasticache.encrypted_at_rest(
        ctx.aws("elasticache"), outputs.replication_group_id, outputs.kms_key_arn
    )


def test_cache_encrypted_in_transit(cache: CacheTarget, ctx: Context) -> Verdict:
    """In-transit encryption is on and required."""
    group = cache.cache.replication_group_id
    return elasticache.encrypted_in_transit(ctx.aws("elasticache"), group)


def test_cache_automatic_failover_enabled(failover_cache: CacheTarget, ctx: Context) -> Verdict:
    """Caches with replicas fail over automatically."""
    group = failover_cache.cache.replication_group_id
    return elasticache.automatic_failover(ctx.aws("elasticache"), group)


def test_cache_user_group_default_user_off(cache: CacheTarget, ctx: Context) -> Verdict:
    """The RBAC user group is attached and its default user is off."""
    outputs = cache.cache
    return elasticache.default_user_disabled(
        ctx.aws("elasticache"), outputs.replication_group_id, outputs.user_group_id
    )
