"""Parametrization from facts: each check runs once per target it names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from storagectl.verify.facts import Facts
from storagectl.verify.plugin import FACTS_KEY

# Argument name -> the Facts method listing its cases; a check taking the argument runs
# once per case, with the case's id (e.g. "orders/replica-1") in its name.
_SOURCES: dict[str, Callable[[Facts], list[Any]]] = {
    "network_endpoint": Facts.network_endpoints,
    "database_endpoint": Facts.database_endpoints,
    "database_writer": Facts.database_writers,
    "database_replica": Facts.database_replicas,
    "database_iam_user": Facts.database_iam_users,
    "database": Facts.databases,
    "cache_endpoint": Facts.cache_endpoints,
    "cache_primary": Facts.cache_primaries,
    "cache_reader": Facts.cache_readers,
    "cache_user": Facts.cache_users,
    "cache": Facts.caches,
    "failover_cache": Facts.failover_caches,
    "bucket": Facts.buckets,
    "replicated_bucket": Facts.replicated_buckets,
    "key": Facts.keys,
    "role": Facts.roles,
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize each check over the facts it names."""
    facts = metafunc.config.stash[FACTS_KEY]
    for name, source in _SOURCES.items():
        if name in metafunc.fixturenames:
            cases = source(facts)
            metafunc.parametrize(name, cases, ids=[case.id for case in cases])
