"""DocumentCluster: an Amazon DocumentDB cluster for MongoDB-compatible workloads.

Secure by default: storage encrypted with the environment's key; TLS required by the
component's own cluster parameter group (`tls=enabled`), audit and profiler logs on and
exported to CloudWatch Logs with the tier's retention; the master password managed by
DocumentDB in Secrets Manager (`manage_master_user_password`: never in config, the plan
or the outputs); a non-default port; a security group admitting that port only from the
declared clients and the granted applications' security groups; backups per tier; in
prod deletion protection, a final snapshot, `protect` and `retain_on_delete`.

Each granted application gets a password generated at deploy time (a `random.RandomPassword`
kept in the state) and stored in a Secrets
Manager secret of its own (`components/credentials.py`): DocumentDB has no API to create
database users, so whoever bootstraps the cluster creates them from those secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from . import outputs as out
from .credentials import generated_password, store_credential
from .encryption_key import EncryptionKey
from .naming import identifier
from .network import NetworkArgs, place
from .parameters import resource_safe
from .spec import DocumentClusterSpec, DocumentGrant, EnvironmentSpec
from .tagging import tags_for

CA_CERTIFICATE = "rds-ca-rsa2048-g1"
"""The CA the instances' TLS certificates chain to (DocumentDB shares RDS's CAs)."""

LOG_EXPORTS = ("audit", "profiler")
"""Logs DocumentDB exports to CloudWatch Logs (each also needs its parameter on)."""

MAX_PROMOTION_TIER = 15


def cluster_parameters(spec: DocumentClusterSpec) -> dict[str, str]:
    """TLS required, audit and profiler logs on; then the stack's own parameters.

    Overriding `tls` in the stack file is an explicit opt-out the policy pack reports.
    """
    return {
        "tls": "enabled",
        "audit_logs": "enabled",
        "profiler": "enabled",
        "profiler_threshold_ms": str(spec.profiler_threshold_ms),
        **spec.parameters,
    }


def parameter_family(engine_version: str) -> str:
    """`5.0.0` → `docdb5.0`."""
    major, minor = engine_version.split(".")[:2]
    return f"docdb{major}.{minor}"


@dataclass(frozen=True)
class DocumentClusterArgs:
    """Arguments of DocumentCluster."""

    spec: EnvironmentSpec
    """The environment: names, tags, network, protect."""
    logical_name: str
    """The cluster's key in the stack file (`profiles`)."""
    cluster: DocumentClusterSpec
    """The cluster's spec, tier defaults layered in."""
    key: EncryptionKey
    """The key of the cluster's data class (storage, application secrets)."""
    grants: Mapping[str, DocumentGrant] = field(default_factory=dict)
    """Grants of this cluster, by application: one user secret each."""


class DocumentCluster(pulumi.ComponentResource):
    """A DocumentDB cluster with its instances, network, parameter group and log groups."""

    port: int
    """Listener port."""
    data_class: str
    """The data classification (which key encrypts it)."""
    identifier: pulumi.Output[str]
    """Cluster identifier."""
    arn: pulumi.Output[str]
    """Cluster ARN."""
    endpoint: pulumi.Output[str]
    """Cluster (writer) endpoint host."""
    reader_endpoint: pulumi.Output[str]
    """Reader endpoint host (the primary when there is no replica)."""
    instance_identifiers: list[pulumi.Output[str]]
    """Identifier of each instance, the first created as primary."""
    master_secret_arn: pulumi.Output[str]
    """The DocumentDB-managed Secrets Manager secret of the master user."""
    user_secret_arns: dict[str, pulumi.Output[str]]
    """Secret with each granted application's credentials, by application."""
    kms_key_arn: pulumi.Output[str]
    """Key of the storage and the application secrets."""
    security_group_id: pulumi.Output[str]
    """Security group of the instances."""

    def __init__(
        self, name: str, args: DocumentClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("backend-storage:docdb:DocumentCluster", name, None, opts)
        cluster, spec = args.cluster, args.spec
        self._name, self._args, self._cluster, self._spec = name, args, cluster, spec
        self.port = cluster.port
        self.data_class = cluster.data_classification
        self.kms_key_arn = args.key.arn
        self._tags = tags_for(spec, cluster.data_classification, cluster.tags)
        self._protected = spec.defaults.protect
        self._ident = identifier(spec, args.logical_name)
        granted_groups = sorted(
            {g for grant in args.grants.values() for g in grant.security_group_ids}
            - set(cluster.allowed_security_group_ids)
        )
        placement = place(
            name,
            NetworkArgs(
                service="docdb",
                description=f"{name}: docdb",
                vpc_id=spec.network.vpc_id,
                subnet_ids=spec.network.subnet_ids,
                port=self.port,
                allowed_security_group_ids=[*cluster.allowed_security_group_ids, *granted_groups],
                allowed_cidr_blocks=cluster.allowed_cidr_blocks,
                tags=self._tags,
            ),
            self,
        )
        self.security_group_id = placement.security_group_id
        resource = self._cluster_resource(placement.subnet_group_name)
        self.identifier = resource.cluster_identifier
        self.arn = resource.arn
        self.endpoint = resource.endpoint
        self.reader_endpoint = resource.reader_endpoint
        self.master_secret_arn = resource.master_user_secrets.apply(_first_secret_arn)
        self.instance_identifiers = [
            self._instance(resource, index).identifier for index in range(cluster.replicas + 1)
        ]
        self.user_secret_arns = {
            application: self._user_secret(application, grant, resource)
            for application, grant in sorted(args.grants.items())
        }
        self.register_outputs(
            {
                "port": self.port,
                "data_class": self.data_class,
                "identifier": self.identifier,
                "arn": self.arn,
                "endpoint": self.endpoint,
                "reader_endpoint": self.reader_endpoint,
                "instance_identifiers": self.instance_identifiers,
                "master_secret_arn": self.master_secret_arn,
                "user_secret_arns": self.user_secret_arns,
                "kms_key_arn": self.kms_key_arn,
                "security_group_id": self.security_group_id,
            }
        )

    def outputs(self) -> dict[str, Any]:
        """This cluster's entry of the `documentClusters` stack output."""
        return {
            out.DOCUMENT_ENDPOINT: self.endpoint,
            out.DOCUMENT_READER_ENDPOINT: self.reader_endpoint,
            out.DOCUMENT_PORT: self.port,
            out.DOCUMENT_IDENTIFIER: self.identifier,
            out.DOCUMENT_ARN: self.arn,
            out.DOCUMENT_INSTANCE_IDENTIFIERS: self.instance_identifiers,
            out.DOCUMENT_MASTER_SECRET_ARN: self.master_secret_arn,
            out.DOCUMENT_USER_SECRET_ARNS: self.user_secret_arns,
            out.DOCUMENT_KMS_KEY_ARN: self.kms_key_arn,
        }

    def _cluster_resource(self, subnet_group_name: pulumi.Output[str]) -> aws.docdb.Cluster:
        cluster, name = self._cluster, self._name
        family = parameter_family(cluster.engine_version)
        # Family in the name: a major upgrade declares a new group, created before the old
        # one is deleted (see ManagedDatabase._parameter_group).
        parameters = aws.docdb.ClusterParameterGroup(
            f"{name}-cluster-params-{resource_safe(family)}",
            family=family,
            description=f"{name}: TLS required, audit and profiler logs",
            parameters=[
                # Both apply at the next reboot; `pending-reboot` never fails an update.
                {"name": k, "value": v, "apply_method": "pending-reboot"}
                for k, v in sorted(cluster_parameters(cluster).items())
            ],
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=False),
        )
        # Created first so they get the tier's retention (DocumentDB would keep them forever).
        log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-{kind}-log",
                name=f"/aws/docdb/{self._ident}/{kind}",
                retention_in_days=cluster.log_retention_days,
                tags=self._tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for kind in LOG_EXPORTS
        ]
        final: dict[str, Any] = {"skip_final_snapshot": True}
        if cluster.final_snapshot:
            final = {
                "skip_final_snapshot": False,
                "final_snapshot_identifier": f"{self._ident}-final",
            }
        return aws.docdb.Cluster(
            f"{name}-cluster",
            cluster_identifier=self._ident,
            engine="docdb",
            engine_version=cluster.engine_version,
            port=self.port,
            master_username=cluster.admin_username,
            # DocumentDB keeps the password in Secrets Manager and rotates it; no value here.
            manage_master_user_password=True,
            db_subnet_group_name=subnet_group_name,
            vpc_security_group_ids=[self.security_group_id],
            db_cluster_parameter_group_name=parameters.name,
            storage_encrypted=True,
            kms_key_id=self._args.key.arn,
            backup_retention_period=cluster.backup_retention_days,
            preferred_backup_window=cluster.backup_window,
            preferred_maintenance_window=cluster.maintenance_window,
            deletion_protection=cluster.deletion_protection,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            # A major upgrade is a deliberate edit of engineVersion in the stack file.
            allow_major_version_upgrade=True,
            tags=self._tags,
            **final,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=self._protected,
                retain_on_delete=self._protected,
                depends_on=log_groups,
            ),
        )

    def _instance(self, resource: aws.docdb.Cluster, index: int) -> aws.docdb.ClusterInstance:
        cluster = self._cluster
        # Names carry no role: the primary moves to a replica on failover.
        return aws.docdb.ClusterInstance(
            f"{self._name}-instance-{index + 1}",
            identifier=identifier(self._spec, f"{self._args.logical_name}-{index + 1}"),
            cluster_identifier=resource.id,
            engine="docdb",
            instance_class=cluster.instance_class,
            promotion_tier=min(index, MAX_PROMOTION_TIER),
            auto_minor_version_upgrade=True,
            ca_cert_identifier=CA_CERTIFICATE,
            copy_tags_to_snapshot=True,
            preferred_maintenance_window=cluster.maintenance_window,
            tags=self._tags,
            # The data lives in the cluster volume (retained); instances are compute.
            opts=pulumi.ResourceOptions(parent=self, protect=self._protected),
        )

    def _user_secret(
        self, application: str, grant: DocumentGrant, resource: aws.docdb.Cluster
    ) -> pulumi.Output[str]:
        stored = store_credential(
            f"{self._name}-user-{application}-secret",
            description=f"{self._name}: password of {application}'s database user {grant.user}",
            username=grant.user,
            password=generated_password(
                f"{self._name}-user-{application}-password", self._cluster.password_version, self
            ),
            version=self._cluster.password_version,
            kms_key_id=self._args.key.arn,
            recovery_window_days=30 if self._protected else 7,
            tags=self._tags,
            consumer=resource,
            parent=self,
        )
        return stored.arn


def _first_secret_arn(secrets: Any) -> str | None:
    """ARN of the DocumentDB-managed master secret (`master_user_secrets[0].secret_arn`)."""
    if not secrets:
        return None
    first = secrets[0]
    return first.get("secret_arn") if isinstance(first, dict) else first.secret_arn
