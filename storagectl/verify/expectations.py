"""What the stack file says the deployment must look like, as far as the checks care.

A small, dependency-free mirror of the stack spec: tests build it directly, the CLI builds
it from the validated spec with :func:`expectations_from_spec`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import VerifyInputError
from .outputs import StackOutputs


@dataclass(frozen=True)
class DatabaseExpectation:
    """Declared shape of one database."""

    replicas: int = 0
    max_replica_lag_seconds: int = 60
    multi_az: bool = False
    deletion_protection: bool = False


@dataclass(frozen=True)
class CacheExpectation:
    """Declared shape of one cache."""

    replicas: int = 0
    authentication: str = "password"


@dataclass(frozen=True)
class BucketExpectation:
    """Declared shape of one bucket."""

    replication: bool = False


@dataclass(frozen=True)
class TableExpectation:
    """Declared shape of one DynamoDB table."""

    deletion_protection: bool = False
    replica_regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentClusterExpectation:
    """Declared shape of one DocumentDB cluster."""

    backup_retention_days: int = 1
    deletion_protection: bool = False


@dataclass(frozen=True)
class Expectations:
    """The declared environment: tier and the stores the outputs must describe."""

    tier: str
    source: str = "<expectations>"
    databases: Mapping[str, DatabaseExpectation] = field(default_factory=dict)
    caches: Mapping[str, CacheExpectation] = field(default_factory=dict)
    buckets: Mapping[str, BucketExpectation] = field(default_factory=dict)
    tables: Mapping[str, TableExpectation] = field(default_factory=dict)
    document_clusters: Mapping[str, DocumentClusterExpectation] = field(default_factory=dict)


def expectations_from_spec(spec: Any, source: str = "<stack spec>") -> Expectations:
    """Build Expectations from a validated `stackspec.EnvironmentSpec` (defaults layered)."""
    return Expectations(
        tier=spec.tier,
        source=source,
        databases={
            name: DatabaseExpectation(
                replicas=db.replicas,
                max_replica_lag_seconds=db.max_replica_lag_seconds,
                multi_az=db.multi_az,
                deletion_protection=db.deletion_protection,
            )
            for name, db in spec.databases.items()
        },
        caches={
            name: CacheExpectation(replicas=c.replicas, authentication=c.authentication)
            for name, c in spec.caches.items()
        },
        buckets={
            name: BucketExpectation(replication=b.replication) for name, b in spec.buckets.items()
        },
        tables={
            name: TableExpectation(
                deletion_protection=t.deletion_protection,
                replica_regions=(
                    *((spec.dr_region,) if t.cross_region_replica and spec.dr_region else ()),
                    *t.replica_regions,
                ),
            )
            for name, t in getattr(spec, "tables", {}).items()
        },
        document_clusters={
            name: DocumentClusterExpectation(
                backup_retention_days=d.backup_retention_days,
                deletion_protection=d.deletion_protection,
            )
            for name, d in getattr(spec, "document_clusters", {}).items()
        },
    )


def load_expectations(env: str, stacks_dir: Path, project: str = "backend-storage") -> Expectations:
    """Load `stacks_dir/Pulumi.<env>.yaml` through stackspec; errors become VerifyInputError."""
    stack_file = stacks_dir / f"Pulumi.{env}.yaml"
    if not stack_file.is_file():
        known = sorted(
            p.name[len("Pulumi.") : -len(".yaml")] for p in stacks_dir.glob("Pulumi.*.yaml")
        )
        raise VerifyInputError(
            stack_file,
            "",
            f"unknown environment {env!r}",
            f"use one of: {', '.join(known) or '(none found)'}, or run from the project root",
        )
    from stackspec import SpecError, load_stack_file  # the spec loader is heavy; load on use

    try:
        spec = load_stack_file(stack_file, project=project)
    except SpecError as exc:
        first = str(exc.problems[0]) if exc.problems else str(exc)
        raise VerifyInputError(
            stack_file,
            "",
            f"invalid stack file ({len(exc.problems)} problem(s); first: {first})",
            f"run `storagectl validate {env}` and fix what it lists",
        ) from None
    return expectations_from_spec(spec, source=str(stack_file))


def check_consistency(outputs: StackOutputs, expected: Expectations) -> None:
    """Refuse outputs that do not describe the declared stores (stale or foreign outputs)."""
    if outputs.environment.tier != expected.tier:
        raise VerifyInputError(
            outputs.file,
            "environment.tier",
            f"is {outputs.environment.tier!r} but {expected.source} declares {expected.tier!r}",
            "export the outputs of this environment's stack",
        )
    kinds: tuple[tuple[str, Mapping[str, Any], Mapping[str, Any]], ...] = (
        ("databases", outputs.databases, expected.databases),
        ("caches", outputs.caches, expected.caches),
        ("buckets", outputs.buckets, expected.buckets),
        ("tables", outputs.tables, expected.tables),
        ("documentClusters", outputs.document_clusters, expected.document_clusters),
    )
    for kind, found, declared in kinds:
        for name in declared:
            if name not in found:
                raise VerifyInputError(
                    outputs.file,
                    f"{kind}.{name}",
                    f"missing, but {expected.source} declares it",
                    "run `pulumi up`, then export the outputs again",
                )
        for name in found:
            if name not in declared:
                raise VerifyInputError(
                    outputs.file,
                    f"{kind}.{name}",
                    f"not declared in {expected.source}",
                    "export the outputs of the stack this stack file describes",
                )
