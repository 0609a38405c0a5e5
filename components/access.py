"""ApplicationAccess: one IAM role per application, holding exactly its declared grants."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from . import iam_documents as docs
from . import outputs as out
from .spec import ApplicationSpec, EnvironmentSpec
from .tagging import tags_for

_CLASS_RANK = ("public", "internal", "confidential", "restricted")
_ROLE_NAME_MAX = 64


@dataclass(frozen=True)
class BucketTarget:
    """What a bucket grant needs to know about the bucket."""

    arn: pulumi.Input[str]
    """Bucket ARN."""
    key_arn: pulumi.Input[str]
    """ARN of the key that encrypts the bucket."""
    data_class: str
    """The bucket's data classification."""
    dr_arn: pulumi.Input[str] | None = None
    """ARN of the bucket's DR copy (None: the bucket does not replicate)."""
    dr_key_arn: pulumi.Input[str] | None = None
    """ARN of the DR replica key that encrypts the DR copy."""


@dataclass(frozen=True)
class DatabaseTarget:
    """What a database grant needs to know about the database."""

    writer_resource_ids: Sequence[pulumi.Input[str]]
    """Resource ids `rds-db:connect` names for the writer endpoint (instance or cluster)."""
    reader_resource_ids: Sequence[pulumi.Input[str]]
    """Resource ids behind the reader endpoint (the replicas; the cluster for Aurora)."""
    data_class: str
    """The database's data classification."""
    dr_resource_id: pulumi.Input[str] | None = None
    """Resource id of the DR copy (cross-region replica or secondary cluster), if any."""


@dataclass(frozen=True)
class CacheTarget:
    """What a cache grant needs to know about the cache."""

    arn: pulumi.Input[str]
    """Replication group ARN."""
    data_class: str
    """The cache's data classification."""
    user_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """ARN of each application's IAM-authenticated cache user, by application."""
    secret_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Secret holding each application's password, by application (password caches)."""
    secret_key_arn: pulumi.Input[str] | None = None
    """Customer-managed key of those secrets (None: the AWS-managed key)."""


@dataclass(frozen=True)
class ApplicationAccessArgs:
    """Arguments of ApplicationAccess."""

    spec: EnvironmentSpec
    """The environment: account, region, cluster, tags."""
    application: str
    """The application's key in the stack file."""
    buckets: Mapping[str, BucketTarget] = field(default_factory=dict)
    """The environment's buckets by logical name (at least the granted ones)."""
    databases: Mapping[str, DatabaseTarget] = field(default_factory=dict)
    """The environment's databases by logical name (at least the granted ones)."""
    caches: Mapping[str, CacheTarget] = field(default_factory=dict)
    """The environment's caches by logical name (at least the granted ones)."""

    @property
    def app(self) -> ApplicationSpec:
        """The application's spec."""
        return self.spec.applications[self.application]


def bucket_target(bucket: Any) -> BucketTarget:
    """The grant-relevant facts of an `ObjectBucket`."""
    replicated = bucket.dr_arn is not None
    return BucketTarget(
        arn=bucket.arn,
        key_arn=bucket.kms_key_arn,
        data_class=bucket.data_class,
        dr_arn=bucket.dr_arn,
        dr_key_arn=bucket.key.dr_arn if replicated else None,
    )


def database_target(database: Any) -> DatabaseTarget:
    """The grant-relevant facts of a `ManagedDatabase`.

    IAM authentication names the instance (`DbiResourceId`), so a reader grant on an
    RDS instance reaches the replicas' ids and not the writer's (the writer's when
    there are no replicas); an Aurora cluster has one `DbClusterResourceId` for all.
    """
    return DatabaseTarget(
        writer_resource_ids=list(database.writer_resource_ids),
        reader_resource_ids=list(database.reader_resource_ids),
        data_class=database.data_class,
        dr_resource_id=database.dr_resource_id,
    )


def cache_target(cache: Any) -> CacheTarget:
    """The grant-relevant facts of a `Cache`: IAM users, or password secrets, by application."""
    secret_arns = dict(cache.user_secret_arns)
    return CacheTarget(
        arn=cache.arn,
        data_class=cache.data_class,
        user_arns={a: arn for a, arn in cache.user_arns.items() if a not in secret_arns},
        secret_arns=secret_arns,
        secret_key_arn=cache.secret_kms_key_arn,
    )


def granted_data_classes(args: ApplicationAccessArgs) -> list[str]:
    """Data classes of the stores the application may reach, least sensitive first."""
    grants = args.app.grants
    used = {args.buckets[n].data_class for n in grants.buckets}
    used |= {args.databases[n].data_class for n in grants.databases}
    used |= {args.caches[n].data_class for n in grants.caches}
    return sorted(used, key=_CLASS_RANK.index)


def request_shape(args: ApplicationAccessArgs) -> dict[str, Any]:
    """The application's grants as a tree of Inputs, in the shape of `PermissionRequest`.

    Every ARN is left as the Input the store gave; `Output.from_input` resolves the
    tree in one step, and `permission_request` turns the result into the dataclass.
    With `failover.active`, each grant also names the store's DR copy, if it has one.
    """
    app, application = args.app, args.application
    failover = args.spec.failover.active
    buckets = []
    for name, bucket_grant in sorted(app.grants.buckets.items()):
        bucket = args.buckets[name]
        dr = failover and bucket.dr_arn is not None
        buckets.append(
            {
                "store": name,
                "access": bucket_grant.access,
                "prefix": bucket_grant.prefix,
                "bucket_arn": bucket.arn,
                "key_arn": bucket.key_arn,
                "dr_bucket_arn": bucket.dr_arn if dr else None,
                "dr_key_arn": bucket.dr_key_arn if dr else None,
            }
        )
    databases = []
    for name, grant in sorted(app.grants.databases.items()):
        target = args.databases[name]
        ids = (
            target.writer_resource_ids if grant.endpoint == "writer" else target.reader_resource_ids
        )
        # After a failover the DR copy serves both endpoints: it is the only database left.
        dr_ids = [target.dr_resource_id] if failover and target.dr_resource_id is not None else []
        databases.append(
            {
                "store": name,
                "user": grant.user,
                "resource_ids": list(ids),
                "dr_resource_ids": dr_ids,
            }
        )
    caches, secrets = [], []
    for name in sorted(app.grants.caches):
        cache = args.caches[name]
        if application in cache.user_arns:
            caches.append(
                {
                    "store": name,
                    "replication_group_arn": cache.arn,
                    "user_arn": cache.user_arns[application],
                }
            )
        elif application in cache.secret_arns:
            secrets.append(
                {
                    "store": name,
                    "secret_arn": cache.secret_arns[application],
                    "key_arn": cache.secret_key_arn,
                }
            )
        else:
            raise ValueError(f"cache '{name}' has no user for application '{application}'")
    return {"buckets": buckets, "databases": databases, "caches": caches, "secrets": secrets}


def permission_request(spec: EnvironmentSpec, shape: Mapping[str, Any]) -> docs.PermissionRequest:
    """A `PermissionRequest` from a (resolved or placeholder) request shape."""
    return docs.PermissionRequest(
        region=spec.region,
        account_id=spec.account_id,
        buckets=tuple(docs.BucketAccess(**b) for b in shape["buckets"]),
        databases=tuple(
            docs.DatabaseAccess(
                d["store"], d["user"], tuple(d["resource_ids"]), tuple(d["dr_resource_ids"])
            )
            for d in shape["databases"]
        ),
        caches=tuple(docs.CacheAccess(**c) for c in shape["caches"]),
        secrets=tuple(docs.SecretAccess(**s) for s in shape["secrets"]),
        dr_region=spec.dr_region if spec.failover.active else None,
    )


def _placeholders(shape: Mapping[str, Any]) -> dict[str, Any]:
    """The shape with every Input replaced by a string: sizes come from `with_longest_arns`."""

    def blank(value: Any) -> Any:
        if isinstance(value, list):
            return ["" for _ in value]
        return value if isinstance(value, str) or value is None else ""

    keep = {"store", "access", "prefix", "user"}
    return {
        kind: [{k: (v if k in keep else blank(v)) for k, v in entry.items()} for entry in entries]
        for kind, entries in shape.items()
    }


def trust_policy(spec: EnvironmentSpec, app: ApplicationSpec) -> dict[str, Any]:
    """Who may assume the application's role: its service account, or its service."""
    k8s = app.identity.kubernetes
    if k8s is None:
        assert app.identity.service is not None  # the spec model guarantees exactly one
        return docs.service_trust_policy(app.identity.service, spec.account_id)
    if spec.cluster is None:
        raise ValueError("a Kubernetes identity needs backend-storage:cluster")
    if k8s.mechanism == "irsa":
        if spec.cluster.oidc_provider_arn is None:
            raise ValueError("irsa needs backend-storage:cluster.oidcProviderArn")
        return docs.irsa_trust_policy(
            spec.cluster.oidc_provider_arn, k8s.namespace, k8s.service_account
        )
    return docs.pod_identity_trust_policy(spec.cluster.name, k8s.namespace, k8s.service_account)


def _nth_json(index: int) -> Any:
    """A function rendering the `index`-th document of a list as JSON."""

    def render(documents: list[dict[str, Any]]) -> str:
        return json.dumps(documents[index])

    return render


class ApplicationAccess(pulumi.ComponentResource):
    """The IAM role of one application in one environment, and how its workload gets it.

    The role is named `<project>-<env>-<app>` (a stable physical name: operators and
    audit logs recognise it). Its permissions are generated from the application's
    grants only (`components.iam_documents`) and kept in customer-managed policies:
    one when the grants fit IAM's size limit, several (planned deterministically from
    the grants) when they do not. With EKS Pod Identity the association is created
    here; with IRSA the ServiceAccount annotation is made by `WorkloadBindings`.
    """

    arn: pulumi.Output[str]
    """Role ARN."""
    role_name: pulumi.Output[str]
    """Role name."""
    documents: pulumi.Output[list[dict[str, Any]]]
    """The permission documents, in policy order (for review and tests)."""

    def __init__(
        self, name: str, args: ApplicationAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("backend-storage:iam:ApplicationAccess", name, None, opts)
        spec, app = args.spec, args.app
        if len(name) > _ROLE_NAME_MAX:
            raise ValueError(f"role name {name} is longer than IAM's {_ROLE_NAME_MAX} characters")
        classes = granted_data_classes(args)
        self.tags = tags_for(
            spec,
            classes[-1] if classes else "internal",
            {**app.tags, "application": args.application},
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            name=name,
            description=f"{spec.prefix}: storage access of {args.application}",
            assume_role_policy=json.dumps(trust_policy(spec, app)),
            force_detach_policies=True,
            tags=self.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.role.arn
        self.role_name = self.role.name
        shape = request_shape(args)
        # Fixed from the grants alone, before any ARN is known (see `with_longest_arns`).
        self.plan = docs.plan_for(permission_request(spec, _placeholders(shape)))
        if len(self.plan) > docs.MAX_MANAGED_POLICIES_PER_ROLE:
            raise ValueError(
                f"application {args.application}: its grants need {len(self.plan)} managed "
                f"policies, more than IAM's {docs.MAX_MANAGED_POLICIES_PER_ROLE} per role"
            )
        plan = self.plan
        self.documents = pulumi.Output.from_input(shape).apply(
            lambda resolved: docs.render_documents(
                docs.permission_statements(permission_request(spec, resolved)), plan
            )
        )
        self.policies: list[aws.iam.Policy] = []
        for index in range(len(plan)):
            policy_name = f"{name}-policy-{index + 1}"
            policy = aws.iam.Policy(
                policy_name,
                description=f"{spec.prefix}: {args.application}, {index + 1} of {len(plan)}",
                policy=self.documents.apply(_nth_json(index)),
                tags=self.tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.iam.RolePolicyAttachment(
                f"{policy_name}-attachment",
                role=self.role.name,
                policy_arn=policy.arn,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.policies.append(policy)
        self.pod_identity: aws.eks.PodIdentityAssociation | None = None
        k8s = app.identity.kubernetes
        if k8s is not None and k8s.mechanism == "pod-identity" and spec.cluster is not None:
            self.pod_identity = aws.eks.PodIdentityAssociation(
                f"{name}-pod-identity",
                cluster_name=spec.cluster.name,
                namespace=k8s.namespace,
                service_account=k8s.service_account,
                role_arn=self.role.arn,
                tags=self.tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs(
            {"arn": self.arn, "role_name": self.role_name, "documents": self.documents}
        )

    def outputs(self) -> dict[str, Any]:
        """This role's entry in the `roles` stack output."""
        return {out.ROLE_ARN: self.arn, out.ROLE_NAME: self.role_name}
