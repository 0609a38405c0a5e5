"""Parametrization from facts, and the fixtures the checks share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from storagectl.verify.access import Access
from storagectl.verify.aws.session import client
from storagectl.verify.facts import CacheTarget, DatabaseTarget, Facts
from storagectl.verify.plugin import FACTS_KEY
from storagectl.verify.verdict import NotVerifiable, Verdict

# Fixture name -> the Facts method listing its cases; a test asking for the fixture runs
# once per case, with the case's id (e.g. "orders/replica-1") in its name.
_SOURCES: dict[str, Callable[[Facts], list[Any]]] = {
    "network_endpoint": Facts.network_endpoints,
    "database_endpoint": Facts.database_endpoints,
    "database_writer": Facts.database_writers,
    "database_replica": Facts.database_replicas,
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
    "table": Facts.tables,
    "document_cluster": Facts.document_clusters,
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize each test over the facts it names."""
    facts = metafunc.config.stash[FACTS_KEY]
    for name, source in _SOURCES.items():
        if name in metafunc.fixturenames:
            cases = source(facts)
            metafunc.parametrize(name, cases, ids=[case.id for case in cases])


@pytest.fixture
def record(record_property: Callable[[str, object], None]) -> Callable[[Verdict], Verdict]:
    """Note a verdict's detail for the report line, and hand the verdict back."""

    def note(verdict: Verdict) -> Verdict:
        record_property("detail", verdict.detail)
        return verdict

    return note


@pytest.fixture(scope="session")
def database_access(facts: Facts) -> Callable[[DatabaseTarget], Access]:
    """Access to a database endpoint as the master user (secret read from Secrets Manager)."""

    def build(target: DatabaseTarget) -> Access:
        return Access(
            host=target.endpoint.host,
            port=target.endpoint.port,
            credentials=facts.secrets.credentials(target.database.master_secret_arn),
            database=target.database.database_name,
            timeout=facts.settings.timeout,
            ca_bundle=facts.settings.ca_bundle,
        )

    return build


@pytest.fixture(scope="session")
def cache_access(facts: Facts) -> Callable[[CacheTarget, str | None], Access]:
    """Access to a cache endpoint, as the user of the given secret ARN (or anonymous)."""

    def build(target: CacheTarget, secret_arn: str | None) -> Access:
        return Access(
            host=target.endpoint.host,
            port=target.endpoint.port,
            credentials=facts.secrets.credentials(secret_arn) if secret_arn else None,
            timeout=facts.settings.timeout,
            ca_bundle=facts.settings.ca_bundle,
        )

    return build


@pytest.fixture(scope="session")
def login_for(facts: Facts) -> Callable[[CacheTarget], str]:
    """The secret ARN of a password user of the cache; NotVerifiable for IAM-only caches."""

    def pick(target: CacheTarget) -> str:
        arn = facts.first_password_user(target.cache)
        if arn is None:
            raise NotVerifiable(
                "not verifiable from here: the cache's users authenticate with IAM, "
                "which needs an application's role"
            )
        return arn

    return pick


@pytest.fixture(scope="session")
def aws(facts: Facts) -> Callable[..., Any]:
    """`aws("s3")` -> a boto3 client for the environment's region (or `region=`)."""

    def make(service: str, region: str | None = None) -> Any:
        return client(
            service, region or facts.region, facts.settings.aws_endpoint, facts.settings.timeout
        )

    return make
