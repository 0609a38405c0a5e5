"""ElastiCache control plane: encryption, failover and the RBAC user group."""

from __future__ import annotations

from storagectl.verify.aws import elasticache


def test_cache_encrypted_at_rest(cache, aws, record) -> None:
    """At-rest encryption is on, with the cache's environment key."""
    outputs = cache.cache
    verdict = record(
        elasticache.encrypted_at_rest(
            aws("elasticache"), outputs.replication_group_id, outputs.kms_key_arn
        )
    )
    assert verdict.ok, verdict.detail


def test_cache_encrypted_in_transit(cache, aws, record) -> None:
    """In-transit encryption is on and required."""
    group = cache.cache.replication_group_id
    verdict = record(elasticache.encrypted_in_transit(aws("elasticache"), group))
    assert verdict.ok, verdict.detail


def test_cache_automatic_failover_enabled(failover_cache, aws, record) -> None:
    """Caches with replicas fail over automatically."""
    group = failover_cache.cache.replication_group_id
    verdict = record(elasticache.automatic_failover(aws("elasticache"), group))
    assert verdict.ok, verdict.detail


def test_cache_user_group_default_user_off(cache, aws, record) -> None:
    """The RBAC user group is attached and its default user is off."""
    outputs = cache.cache
    verdict = record(
        elasticache.default_user_disabled(
            aws("elasticache"), outputs.replication_group_id, outputs.user_group_id
        )
    )
    assert verdict.ok, verdict.detail
