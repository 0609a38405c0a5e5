"""Engine facts: families, ports, TLS parameters, log exports."""

from __future__ import annotations

import pytest

from components import parameters as p


@pytest.mark.parametrize(
    ("flavour", "engine", "version", "family"),
    [
        ("instance", "postgres", "16.4", "postgres16"),
        ("instance", "postgres", "9.6.24", "postgres9.6"),
        ("instance", "mysql", "8.0.39", "mysql8.0"),
        ("aurora", "postgres", "16.2", "aurora-postgresql16"),
        ("aurora", "mysql", "8.0.mysql_aurora.3.08.0", "aurora-mysql8.0"),
    ],
)
def test_parameter_family_follows_the_major_version(flavour, engine, version, family) -> None:
    assert p.parameter_family(flavour, engine, version) == family


@pytest.mark.parametrize(("engine", "port"), [("postgres", 5433), ("mysql", 3307)])
def test_default_port_is_not_the_well_known_one(engine, port) -> None:
    assert p.db_port(engine, None) == port


@pytest.mark.parametrize("flavour", ["instance", "aurora"])
@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_stack_parameters_cannot_drop_tls_silently(flavour, engine) -> None:
    merged = p.server_parameters(flavour, engine, {"max_connections": "100"})
    assert p.tls_parameters(flavour, engine).items() <= merged.items()


@pytest.mark.parametrize(
    ("flavour", "engine", "expected"),
    [
        ("instance", "postgres", {"rds.force_ssl": "1"}),
        ("aurora", "postgres", {"rds.force_ssl": "1"}),
        # RDS for MySQL instance parameter groups list the parameter as 0/1; Aurora MySQL
        # cluster parameter groups as ON/OFF (issue 10, item 8).
        ("instance", "mysql", {"require_secure_transport": "1"}),
        ("aurora", "mysql", {"require_secure_transport": "ON"}),
    ],
)
def test_tls_parameter_takes_the_value_its_group_kind_reports(flavour, engine, expected) -> None:
    assert p.tls_parameters(flavour, engine) == expected


@pytest.mark.parametrize(
    ("engine", "version", "family"),
    [("redis", "7.1", "redis7"), ("redis", "6.2", "redis6.x"), ("valkey", "8.0", "valkey8")],
)
def test_cache_family(engine, version, family) -> None:
    assert p.cache_parameter_family(engine, version) == family


@pytest.mark.parametrize(
    ("flavour", "engine", "instance_class", "supported"),
    [
        ("instance", "postgres", "db.t4g.medium", True),
        ("instance", "postgres", "db.t4g.micro", False),
        ("aurora", "mysql", "db.t4g.medium", False),
        ("aurora", "mysql", "db.r6g.large", True),
    ],
)
def test_performance_insights_only_where_rds_offers_it(
    flavour, engine, instance_class, supported
) -> None:
    assert p.performance_insights_supported(flavour, engine, instance_class) is supported
