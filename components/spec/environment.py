"""The whole environment: one stack file, validated, with every default layered in."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from ..parameters import major_version
from .access import ApplicationSpec
from .base import LogicalName, SpecModel, SubnetId, Tags
from .defaults import TierDefaults
from .stores import BucketSpec, CacheSpec, DatabaseSpec

Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
AccountId = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]


class NetworkSpec(SpecModel):
    """Where the databases and caches live: the VPC and its private subnets, per region."""

    vpc_id: Annotated[str, StringConstraints(pattern=r"^vpc-[0-9a-f]{8,17}$")] = Field(
        description="The VPC id (vpc-...) of the stores"
    )
    subnet_ids: tuple[SubnetId, ...] = Field(
        min_length=2, description="Two or more private subnet ids (subnet-...) in distinct AZs"
    )
    dr_vpc_id: Annotated[str, StringConstraints(pattern=r"^vpc-[0-9a-f]{8,17}$")] | None = None
    dr_subnet_ids: tuple[SubnetId, ...] = ()


class KubernetesSpec(SpecModel):
    """How the program reaches the cluster's API to create ServiceAccounts and ConfigMaps."""

    context: str | None = Field(default=None, description="kubeconfig context; default: current.")
    kubeconfig: str | None = Field(default=None, description="Path to a kubeconfig file.")


class ClusterSpec(SpecModel):
    """The environment's EKS cluster, for IRSA / Pod Identity and the Kubernetes hand-off."""

    name: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")]
    oidc_provider_arn: (
        Annotated[str, StringConstraints(pattern=r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/.+$")]
        | None
    ) = None
    kubernetes: KubernetesSpec | None = Field(
        default=None, description="Set to manage ServiceAccounts/ConfigMaps in the cluster."
    )


RoleArn = Annotated[
    str, StringConstraints(pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
]


class FailoverSpec(SpecModel):
    """The environment's side of a regional failover (AWS: "failover" of a global database,
    "promote" of a cross-region read replica, S3 replicas in the DR region)."""

    active: bool = Field(
        default=False,
        description="Grant every application the DR copies of its stores as well (rds-db:connect "
        "on the DR instance or secondary cluster, its buckets' DR copies and DR keys). Turn on "
        "when failing over (or to rehearse); off by default so nothing reaches the DR region "
        "in normal operation.",
    )


class EnvironmentSpec(SpecModel):
    """One environment (Pulumi stack): context from the engine plus the stack file's keys."""

    project: str
    stack: str
    region: Region = Field(description="Set aws:region, e.g. eu-west-1")
    account_id: AccountId = Field(
        description="Set aws:allowedAccountIds to a list holding the 12-digit account id"
    )
    tier: Literal["dev", "staging", "prod"] = Field(
        description="Set backend-storage:tier to dev, staging or prod"
    )
    owner: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        description="Set backend-storage:owner to the team that owns the environment"
    )
    dr_region: Region | None = None
    network: NetworkSpec = Field(
        description="Set backend-storage:network to {vpcId, subnetIds} of the private subnets"
    )
    cluster: ClusterSpec | None = None
    tags: Tags = {}
    key_policy_administrators: tuple[RoleArn, ...] = Field(
        default=(),
        description="IAM role ARNs that may change the KMS key policies (kms:PutKeyPolicy): "
        "the role `pulumi up` runs as, and a break-glass role. Empty: any principal that "
        "IAM allows (AWS's default).",
    )
    failover: FailoverSpec = Field(
        default_factory=lambda: FailoverSpec(),
        description="Regional failover: `{active: true}` grants every application its "
        "stores' DR copies too.",
    )
    defaults: TierDefaults
    buckets: dict[LogicalName, BucketSpec] = {}
    databases: dict[LogicalName, DatabaseSpec] = {}
    caches: dict[LogicalName, CacheSpec] = {}
    applications: dict[LogicalName, ApplicationSpec] = {}

    @property
    def prefix(self) -> str:
        """`<project>-<env>`: the start of every resource name of this environment."""
        return f"{self.project}-{self.stack}"

    @property
    def dr_enabled(self) -> bool:
        """Whether any store of this environment has a copy in the DR region."""
        return any(b.replication for b in self.buckets.values()) or any(
            d.cross_region_replica for d in self.databases.values()
        )

    def data_classes(self) -> list[str]:
        """Data classes in use, sorted: one customer-managed key each."""
        used = {b.data_classification for b in self.buckets.values()}
        used |= {d.data_classification for d in self.databases.values()}
        used |= {c.data_classification for c in self.caches.values()}
        return sorted(used)


Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """A problem found after the models validated: where (key path) and what."""

    path: Path
    message: str


def did_you_mean(word: str, choices: list[str]) -> str:
    """A ` (did you mean 'x'?)` suffix when a close match exists, else ''."""
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def cross_check(spec: EnvironmentSpec) -> list[Problem]:
    """Rules that span several keys: references, DR prerequisites, replica overrides."""
    problems: list[Problem] = []
    problems += _check_dr(spec)
    problems += _check_references(spec)
    for name, db in spec.databases.items():
        problems += _check_engine_version(name, db)
        for index in db.replica_overrides:
            if not 1 <= index <= db.replicas:
                problems.append(
                    Problem(
                        ("databases", name, "replicaOverrides", index),
                        f"replica {index} does not exist: replicas are numbered 1 to {db.replicas}",
                    )
                )
        if db.max_allocated_storage < db.allocated_storage:
            problems.append(
                Problem(
                    ("databases", name, "maxAllocatedStorage"),
                    f"must be at least allocatedStorage ({db.allocated_storage})",
                )
            )
    return problems


def _check_engine_version(name: str, db: DatabaseSpec) -> list[Problem]:
    """Instances pin the major only; Aurora gives the full version it is created with.

    Minor upgrades are automatic: a minor pinned on an instance would make the next
    `pulumi up` ask RDS to go back after AWS upgraded ("Cannot upgrade postgres from
    16.x to 16.4"); a major-only pin is a prefix the provider accepts as unchanged.
    Aurora needs the full version at creation and ignores it afterwards (see
    `components/database.py`, AURORA_VERSION_DRIFT).
    """
    major = major_version(db.engine, db.engine_version)
    path = ("databases", name, "engineVersion")
    if db.flavour == "instance" and db.engine_version != major:
        return [
            Problem(
                path,
                f'pin the major version only ("{major}"): minor upgrades are automatic, '
                f"and a pinned minor ({db.engine_version}) fails the next deploy after one",
            )
        ]
    if db.flavour == "aurora" and db.engine_version == major:
        example = "8.0.mysql_aurora.3.08.0" if db.engine == "mysql" else "16.4"
        return [
            Problem(
                path,
                f'give the full Aurora version to create the cluster with (e.g. "{example}"); '
                "later minor upgrades are automatic and not fought",
            )
        ]
    return []


def _check_dr(spec: EnvironmentSpec) -> list[Problem]:
    problems: list[Problem] = []
    if spec.dr_region is not None and spec.dr_region == spec.region:
        problems.append(Problem(("drRegion",), f"must differ from aws:region ({spec.region})"))
    if spec.dr_enabled and spec.dr_region is None:
        problems.append(
            Problem(
                ("drRegion",),
                "is required: a store replicates to the DR region "
                "(set backend-storage:drRegion, or turn DR off in defaults)",
            )
        )
    if spec.failover.active and not spec.dr_enabled:
        problems.append(
            Problem(
                ("failover", "active"),
                "no store has a copy in a DR region to fail over to: turn replication or "
                "crossRegionReplica on first, or set active: false",
            )
        )
    needs_dr_network = any(d.cross_region_replica for d in spec.databases.values())
    if needs_dr_network and not spec.network.dr_subnet_ids:
        problems.append(
            Problem(
                ("network", "drSubnetIds"),
                "is required: a database has a cross-region replica; list two or more "
                "subnets of the DR region",
            )
        )
    if needs_dr_network and spec.network.dr_vpc_id is None:
        problems.append(
            Problem(
                ("network", "drVpcId"),
                "is required: a database has a cross-region replica; name the VPC of the "
                "DR region that drSubnetIds belong to",
            )
        )
    return problems


def _check_references(spec: EnvironmentSpec) -> list[Problem]:
    problems: list[Problem] = []
    kinds = {
        "buckets": list(spec.buckets),
        "databases": list(spec.databases),
        "caches": list(spec.caches),
    }
    for app_name, app in spec.applications.items():
        granted = {
            "buckets": list(app.grants.buckets),
            "databases": list(app.grants.databases),
            "caches": list(app.grants.caches),
        }
        for kind, names in granted.items():
            for store in names:
                if store not in kinds[kind]:
                    problems.append(
                        Problem(
                            ("applications", app_name, "grants", kind, store),
                            f"no {kind[:-1]} named '{store}' is declared in "
                            f"backend-storage:{kind}{did_you_mean(store, kinds[kind])}",
                        )
                    )
        k8s = app.identity.kubernetes
        if k8s is not None and spec.cluster is None:
            problems.append(
                Problem(
                    ("applications", app_name, "identity", "kubernetes"),
                    "needs backend-storage:cluster (the EKS cluster name) to be set",
                )
            )
        elif (
            k8s is not None
            and k8s.mechanism == "irsa"
            and spec.cluster is not None
            and spec.cluster.oidc_provider_arn is None
        ):
            problems.append(
                Problem(
                    ("applications", app_name, "identity", "kubernetes", "mechanism"),
                    "irsa needs backend-storage:cluster.oidcProviderArn "
                    "(or use mechanism: pod-identity)",
                )
            )
    return problems
