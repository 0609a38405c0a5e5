"""Engine facts the database and cache components share: ports, families, TLS, log exports.

Pure functions of the spec, no resources: they are what a reviewer checks against the
AWS documentation, so they live apart from the resource wiring.
"""

from __future__ import annotations

from typing import Literal

Flavour = Literal["instance", "aurora"]
Engine = Literal["postgres", "mysql"]

DEFAULT_DB_PORTS: dict[str, int] = {"postgres": 5433, "mysql": 3307}
"""Listener ports when the spec names none: not the engine's well-known port, so a scan for
5432/3306 finds nothing and a client must be configured on purpose."""

DEFAULT_CACHE_PORT = 6380
"""Cache listener port when the spec names none (not Redis's well-known 6379)."""

CA_CERTIFICATE = "rds-ca-rsa2048-g1"
"""The current RDS certificate authority (the rds-ca-2019 chain expired in 2024)."""

_LOG_EXPORTS: dict[str, tuple[str, ...]] = {
    "postgres": ("postgresql", "upgrade"),
    "mysql": ("audit", "error", "general", "slowquery"),
    "aurora-postgresql": ("postgresql",),
    "aurora-mysql": ("audit", "error", "general", "slowquery"),
}


def rds_engine(flavour: Flavour, engine: Engine) -> str:
    """The RDS engine name: `postgres`, `mysql`, `aurora-postgresql` or `aurora-mysql`."""
    if flavour == "aurora":
        return "aurora-postgresql" if engine == "postgres" else "aurora-mysql"
    return engine


def db_port(engine: Engine, port: int | None) -> int:
    """The spec's port, else the engine's non-default port."""
    return port if port is not None else DEFAULT_DB_PORTS[engine]


def major_version(engine: Engine, version: str) -> str:
    """`16.4` → `16`; `8.0.39` → `8.0`; `8.0.mysql_aurora.3.08.0` → `8.0`; `9.6.24` → `9.6`.

    PostgreSQL numbers majors with one component from 10 on; MySQL always with two.
    """
    parts = version.split(".")
    if engine == "postgres" and int(parts[0]) >= 10:
        return parts[0]
    return ".".join(parts[:2])


def parameter_family(flavour: Flavour, engine: Engine, version: str) -> str:
    """The parameter group family: `postgres16`, `mysql8.0`, `aurora-mysql8.0`, ..."""
    return f"{rds_engine(flavour, engine)}{major_version(engine, version)}"


def log_exports(flavour: Flavour, engine: Engine) -> list[str]:
    """CloudWatch log exports RDS supports for the engine, all of them on."""
    return list(_LOG_EXPORTS[rds_engine(flavour, engine)])


def tls_parameters(flavour: Flavour, engine: str) -> dict[str, str]:
    """The parameter that makes the server refuse connections without TLS.

    The value is written the way the parameter group reports it back, so the provider
    sees no difference on the next run: an RDS for MySQL *instance* parameter group
    lists `require_secure_transport` as a boolean with allowed values `0, 1`; an Aurora
    MySQL *cluster* parameter group lists it with `ON, OFF` (AWS: "Requiring SSL/TLS
    for all connections to a MySQL DB instance" and "... to an Aurora MySQL DB cluster").
    """
    if engine == "postgres":
        return {"rds.force_ssl": "1"}
    return {"require_secure_transport": "ON" if flavour == "aurora" else "1"}


def logging_parameters(flavour: Flavour, engine: Engine) -> dict[str, str]:
    """Parameters that fill the exported logs: MySQL writes no slow or audit log by default.

    The general log stays off (its volume is the query volume); a stack turns it on with
    `parameters: {general_log: "1"}`.
    """
    if engine == "postgres":
        return {"log_connections": "1", "log_disconnections": "1"}
    params = {"slow_query_log": "1", "log_output": "FILE"}
    if flavour == "aurora":
        # Aurora MySQL has the audit plugin built in; RDS MySQL gets it from an option group.
        params |= {
            "server_audit_logging": "1",
            "server_audit_events": "CONNECT,QUERY_DCL,QUERY_DDL",
        }
    return params


def server_parameters(
    flavour: Flavour, engine: Engine, spec_parameters: dict[str, str]
) -> dict[str, str]:
    """TLS and logging first, then the stack's own: an explicit opt-out in the stack file wins
    (and the policy pack still sees it)."""
    return {
        **tls_parameters(flavour, engine),
        **logging_parameters(flavour, engine),
        **spec_parameters,
    }


def performance_insights_supported(flavour: Flavour, engine: Engine, instance_class: str) -> bool:
    """Whether RDS offers Performance Insights on this class.

    Not on the micro and small burstable classes; Aurora MySQL not on any burstable (db.t*)
    class. Asking for it there fails the create call, so the component leaves it off.
    """
    family, size = instance_class.split(".")[1:3]
    if size in ("micro", "small"):
        return False
    return not (flavour == "aurora" and engine == "mysql" and family.startswith("t"))


def cache_parameter_family(engine: Literal["redis", "valkey"], version: str) -> str:
    """ElastiCache family: `redis7`, `redis6.x`, `valkey8`, `valkey7`."""
    major = int(version.split(".")[0])
    if engine == "redis" and major == 6:
        return "redis6.x"
    return f"{engine}{major}"


def cache_parameters(cluster_mode: bool, spec_parameters: dict[str, str]) -> dict[str, str]:
    """`cluster-enabled` must match the replication group's mode; the stack's own follow."""
    return {"cluster-enabled": "yes" if cluster_mode else "no", **spec_parameters}


def resource_safe(text: str) -> str:
    """A family or version as it may appear in a Pulumi resource name (no dots)."""
    return text.replace(".", "-").replace("_", "-")
