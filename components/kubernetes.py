"""WorkloadBindings: hand the storage tier to Kubernetes workloads (ServiceAccount + ConfigMap).

Per application with a Kubernetes identity, a ServiceAccount (annotated with the role
ARN for IRSA; EKS Pod Identity needs no annotation, its association lives in AWS) and a
ConfigMap of everything the workload needs to find its stores: endpoints, ports, bucket
names, regions. No secret value is ever copied into the cluster: where a workload needs
a password, the ConfigMap carries the ARN of the Secrets Manager secret, for External
Secrets Operator (or the SDK) to fetch with the workload's own role.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from .spec import EnvironmentSpec, KubernetesSpec

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
"""The annotation the EKS Pod Identity Webhook reads to inject web-identity credentials."""


def cluster_provider(
    name: str, settings: KubernetesSpec, opts: pulumi.ResourceOptions | None = None
) -> k8s.Provider:
    """A Kubernetes provider for the environment's cluster (kubeconfig path and/or context).

    Pass it to `WorkloadBindings` with `providers=[...]`: every object below reaches the
    cluster through parenting, never through the ambient kubeconfig by accident.
    """
    return k8s.Provider(
        name,
        context=settings.context,
        kubeconfig=settings.kubeconfig,
        # The objects are owned by this stack; refusing to adopt existing ones means a
        # ServiceAccount made by a Helm chart is reported, not silently taken over.
        upsert_existing_objects=False,
        opts=opts,
    )


def env_key(*parts: str) -> str:
    """`("bucket", "invoices-2024", "name")` → `BUCKET_INVOICES_2024_NAME` (env-var safe)."""
    return "_".join(re.sub(r"[^A-Za-z0-9]+", "_", p).strip("_").upper() for p in parts)


@dataclass(frozen=True)
class WorkloadBinding:
    """What one application's workload receives in the cluster."""

    namespace: str
    """Namespace of the workload (it must exist; this stack does not own namespaces)."""
    service_account: str
    """Name of the ServiceAccount created for the workload."""
    mechanism: str
    """`irsa` (annotate with the role ARN) or `pod-identity` (association in AWS)."""
    role_arn: pulumi.Input[str]
    """ARN of the application's role."""
    settings: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """ConfigMap data: names, endpoints, ports, regions, secret ARNs. Never a secret value."""


@dataclass(frozen=True)
class WorkloadBindingsArgs:
    """Arguments of WorkloadBindings."""

    spec: EnvironmentSpec
    """The environment (labels)."""
    workloads: Mapping[str, WorkloadBinding]
    """Bindings by application name."""


class WorkloadBindings(pulumi.ComponentResource):
    """ServiceAccounts and ConfigMaps of the environment's applications, in their namespaces."""

    service_accounts: dict[str, k8s.core.v1.ServiceAccount]
    """ServiceAccount by application."""
    config_maps: dict[str, k8s.core.v1.ConfigMap]
    """ConfigMap by application."""

    def __init__(
        self, name: str, args: WorkloadBindingsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("backend-storage:kubernetes:WorkloadBindings", name, None, opts)
        self.service_accounts = {}
        self.config_maps = {}
        for application, binding in sorted(args.workloads.items()):
            labels = {
                "app.kubernetes.io/name": application,
                "app.kubernetes.io/part-of": args.spec.project,
                "app.kubernetes.io/managed-by": "pulumi",
                f"{args.spec.project}/environment": args.spec.stack,
            }
            annotations: dict[str, pulumi.Input[str]] = {}
            if binding.mechanism == "irsa":
                annotations[IRSA_ANNOTATION] = binding.role_arn
                # Regional STS endpoints: no cross-region dependency on us-east-1.
                annotations["eks.amazonaws.com/sts-regional-endpoints"] = "true"
            child = pulumi.ResourceOptions(parent=self)
            metadata: dict[str, Any] = {
                "name": binding.service_account,
                "namespace": binding.namespace,
                "labels": labels,
            }
            if annotations:
                metadata["annotations"] = annotations
            self.service_accounts[application] = k8s.core.v1.ServiceAccount(
                f"{name}-{application}-service-account",
                metadata=metadata,
                automount_service_account_token=True,
                opts=child,
            )
            self.config_maps[application] = k8s.core.v1.ConfigMap(
                f"{name}-{application}-config",
                metadata={
                    "name": f"{binding.service_account}-storage",
                    "namespace": binding.namespace,
                    "labels": labels,
                },
                data=dict(sorted(binding.settings.items())),
                immutable=False,
                opts=child,
            )
        self.register_outputs(
            {
                "service_accounts": {
                    a: sa.metadata.name for a, sa in self.service_accounts.items()
                },
                "config_maps": {a: cm.metadata.name for a, cm in self.config_maps.items()},
            }
        )


def _text(value: pulumi.Input[Any]) -> pulumi.Output[str]:
    return pulumi.Output.from_input(value).apply(str)


def application_settings(
    spec: EnvironmentSpec,
    application: str,
    role_arn: pulumi.Input[str],
    buckets: Mapping[str, Any],
    databases: Mapping[str, Any],
    caches: Mapping[str, Any],
    *,
    tables: Mapping[str, Any] | None = None,
    document_clusters: Mapping[str, Any] | None = None,
) -> dict[str, pulumi.Input[str]]:
    """ConfigMap data of one application: only the stores it is granted, as env variables.

    `buckets`, `databases` and `caches` are the environment's components by logical
    name (ObjectBucket: `.name`; ManagedDatabase: `.writer_endpoint`, `.reader_endpoint`,
    `.port`; Cache: `.primary_endpoint`, `.port`, `.user_ids`, `.user_secret_arns`;
    Table: `.table_name`, `.arn`; DocumentCluster: `.endpoint`, `.reader_endpoint`,
    `.port`, `.user_secret_arns`).
    """
    app = spec.applications[application]
    data: dict[str, pulumi.Input[str]] = {
        "STORAGE_ENVIRONMENT": spec.stack,
        "STORAGE_ROLE_ARN": role_arn,
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
    }
    for name, bucket_grant in sorted(app.grants.buckets.items()):
        data[env_key("bucket", name, "name")] = buckets[name].name
        data[env_key("bucket", name, "region")] = spec.region
        data[env_key("bucket", name, "access")] = bucket_grant.access
        if bucket_grant.prefix:
            data[env_key("bucket", name, "prefix")] = bucket_grant.prefix
    for name, grant in sorted(app.grants.databases.items()):
        db, db_spec = databases[name], spec.databases[name]
        endpoint = db.writer_endpoint if grant.endpoint == "writer" else db.reader_endpoint
        data[env_key("database", name, "host")] = endpoint
        data[env_key("database", name, "port")] = _text(db.port)
        data[env_key("database", name, "engine")] = db_spec.engine
        data[env_key("database", name, "user")] = grant.user
        data[env_key("database", name, "auth")] = "iam"
        if db_spec.database_name:
            data[env_key("database", name, "name")] = db_spec.database_name
    for name in sorted(app.grants.caches):
        cache, cache_spec = caches[name], spec.caches[name]
        data[env_key("cache", name, "host")] = cache.primary_endpoint
        data[env_key("cache", name, "port")] = _text(cache.port)
        data[env_key("cache", name, "tls")] = "true"
        data[env_key("cache", name, "auth")] = cache_spec.authentication
        # IAM authentication needs the user name equal to the user id; so do we.
        data[env_key("cache", name, "user")] = cache.user_ids[application]
        if application in cache.user_secret_arns:
            # A reference for External Secrets Operator; the password stays in AWS.
            secret_arn = cache.user_secret_arns[application]
            data[env_key("cache", name, "password", "secret", "arn")] = secret_arn
    for name, table_grant in sorted(app.grants.tables.items()):
        table = (tables or {})[name]
        data[env_key("table", name, "name")] = table.table_name
        data[env_key("table", name, "arn")] = table.arn
        data[env_key("table", name, "region")] = spec.region
        data[env_key("table", name, "access")] = table_grant.access
    for name, document_grant in sorted(app.grants.document_clusters.items()):
        cluster = (document_clusters or {})[name]
        data[env_key("documents", name, "host")] = cluster.endpoint
        data[env_key("documents", name, "reader", "host")] = cluster.reader_endpoint
        data[env_key("documents", name, "port")] = _text(cluster.port)
        data[env_key("documents", name, "tls")] = "true"
        data[env_key("documents", name, "user")] = document_grant.user
        # A reference for External Secrets Operator; the password stays in AWS.
        data[env_key("documents", name, "password", "secret", "arn")] = cluster.user_secret_arns[
            application
        ]
    return data
