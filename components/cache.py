"""Cache: an ElastiCache replication group (Redis OSS or Valkey), TLS and RBAC only.

Secure by default: encrypted at rest with the environment's key and in transit (TLS
required, no plaintext fallback); RBAC with a user group whose `default` user is disabled,
one user per application the stack grants the cache (IAM authentication, or a password
generated at deploy time and kept in Secrets Manager); a security group that admits the
cache port from declared clients only; a non-default port; snapshots and a maintenance
window per tier; the slow log delivered to CloudWatch Logs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from . import outputs as out
from .credentials import generated_password, store_credential
from .encryption_key import EncryptionKey
from .naming import identifier
from .network import NetworkArgs, place
from .parameters import DEFAULT_CACHE_PORT, cache_parameter_family, cache_parameters, resource_safe
from .snapshots import final_snapshot_identifier
from .spec import CacheSpec, EnvironmentSpec
from .tagging import tags_for

ID_LENGTH = 40
"""ElastiCache's limit on replication group and user ids."""

APPLICATION_ACCESS = "on ~* &* +@all -@dangerous"
"""What an application user may do: every key and channel, every command except the
`@dangerous` ones (FLUSHALL, CONFIG, KEYS, DEBUG, ...), which no application needs."""

DISABLED_DEFAULT_ACCESS = "off -@all"
"""The replacement `default` user: off, and no command even if someone turned it on."""


@dataclass(frozen=True)
class CacheArgs:
    """Arguments of Cache."""

    spec: EnvironmentSpec
    """The environment: names, tags, network, protect."""
    logical_name: str
    """The cache's key in the stack file (`sessions`)."""
    cache: CacheSpec
    """The cache's spec, tier defaults layered in."""
    key: EncryptionKey
    """The key of the cache's data class (at rest, snapshots, user secrets)."""
    applications: Sequence[str] = ()
    """Applications granted this cache: one user each."""


class Cache(pulumi.ComponentResource):
    """A replication group with its network, parameter group, slow log and RBAC users."""

    engine: str
    """`redis` or `valkey`."""
    port: int
    """Listener port."""
    data_class: str
    """The data classification (which key encrypts it)."""
    replication_group_id: pulumi.Output[str]
    """Replication group id."""
    arn: pulumi.Output[str]
    """Replication group ARN (`elasticache:Connect` names it)."""
    primary_endpoint: pulumi.Output[str]
    """Primary endpoint host; the configuration endpoint in cluster mode."""
    reader_endpoint: pulumi.Output[str] | None
    """Reader endpoint host (None in cluster mode: clients discover replicas)."""
    user_group_id: pulumi.Output[str]
    """The RBAC user group attached to the replication group."""
    user_ids: dict[str, pulumi.Output[str]]
    """Each granted application's user id, by application."""
    user_arns: dict[str, pulumi.Output[str]]
    """Each granted application's user ARN, by application (IAM caches name it in policies)."""
    users: dict[str, aws.elasticache.User]
    """Each granted application's user, by application."""
    user_secret_arns: dict[str, pulumi.Output[str]]
    """Secret with each application's password, by application (password caches only)."""
    secret_kms_key_arn: pulumi.Output[str] | None
    """Key of those secrets (None for IAM caches, which have none)."""
    kms_key_arn: pulumi.Output[str]
    """Key of the data at rest, the snapshots and the user secrets."""
    security_group_id: pulumi.Output[str]
    """Security group of the cache nodes."""

    def __init__(
        self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("backend-storage:elasticache:Cache", name, None, opts)
        cache, spec = args.cache, args.spec
        self._name, self._args, self._cache, self._spec = name, args, cache, spec
        self.engine = cache.engine
        self.port = cache.port if cache.port is not None else DEFAULT_CACHE_PORT
        self.data_class = cache.data_classification
        self.kms_key_arn = args.key.arn
        self.secret_kms_key_arn = args.key.arn if cache.authentication == "password" else None
        self._tags = tags_for(spec, cache.data_classification, cache.tags)
        self._ident = identifier(spec, args.logical_name, ID_LENGTH)

        placement = place(
            name,
            NetworkArgs(
                service="elasticache",
                description=f"{name}: {cache.engine}",
                vpc_id=spec.network.vpc_id,
                subnet_ids=spec.network.subnet_ids,
                port=self.port,
                allowed_security_group_ids=cache.allowed_security_group_ids,
                allowed_cidr_blocks=cache.allowed_cidr_blocks,
                tags=self._tags,
            ),
            self,
        )
        self.security_group_id = placement.security_group_id
        user_group = self._users()
        self.user_group_id = user_group.user_group_id
        group = self._replication_group(
            placement.subnet_group_name, placement.security_group_id, user_group
        )
        self.replication_group_id = group.replication_group_id
        self.arn = group.arn
        if cache.cluster_mode is not None:
            self.primary_endpoint = group.configuration_endpoint_address
            self.reader_endpoint = None
        else:
            self.primary_endpoint = group.primary_endpoint_address
            self.reader_endpoint = group.reader_endpoint_address
        self.register_outputs(
            {
                "engine": self.engine,
                "port": self.port,
                "data_class": self.data_class,
                "replication_group_id": self.replication_group_id,
                "arn": self.arn,
                "primary_endpoint": self.primary_endpoint,
                "reader_endpoint": self.reader_endpoint,
                "user_group_id": self.user_group_id,
                "user_ids": self.user_ids,
                "user_arns": self.user_arns,
                "user_secret_arns": self.user_secret_arns,
                "secret_kms_key_arn": self.secret_kms_key_arn,
                "kms_key_arn": self.kms_key_arn,
                "security_group_id": self.security_group_id,
            }
        )

    def outputs(self) -> dict[str, Any]:
        """This cache's entry of the `caches` stack output (keys: `components.outputs`)."""
        return {
            out.CACHE_ENGINE: self.engine,
            out.CACHE_PRIMARY_ENDPOINT: self.primary_endpoint,
            out.CACHE_READER_ENDPOINT: self.reader_endpoint,
            out.CACHE_PORT: self.port,
            out.CACHE_REPLICATION_GROUP_ID: self.replication_group_id,
            out.CACHE_ARN: self.arn,
            out.CACHE_USER_GROUP_ID: self.user_group_id,
            out.CACHE_USER_IDS: self.user_ids,
            out.CACHE_USER_SECRET_ARNS: self.user_secret_arns,
            out.CACHE_KMS_KEY_ARN: self.kms_key_arn,
        }

    @property
    def failover(self) -> bool:
        """Automatic failover and Multi-AZ: on whenever a replica exists to fail over to.

        Cluster mode requires automatic failover regardless.
        """
        return self._cache.replicas > 0 or self._cache.cluster_mode is not None

    def _users(self) -> aws.elasticache.UserGroup:
        """The default user (disabled), one user per granted application, and their group."""
        name, engine = self._name, self._cache.engine
        opts = pulumi.ResourceOptions(parent=self)
        # A user group must contain a user named `default`; AWS's own is open (`on ~* +@all`,
        # no password). This one replaces it: off, no commands, and a password nobody keeps
        # (a Valkey user group admits only users with an authentication mechanism).
        default_user = aws.elasticache.User(
            f"{name}-default-user",
            user_id=identifier(self._spec, f"{self._args.logical_name}-default", ID_LENGTH),
            user_name="default",
            engine=engine,
            access_string=DISABLED_DEFAULT_ACCESS,
            passwords_wo=generated_password(f"{name}-default-user-password", 1, self),
            passwords_wo_version=1,
            tags=self._tags,
            opts=opts,
        )
        self.users, self.user_ids, self.user_arns, self.user_secret_arns = {}, {}, {}, {}
        users = [default_user]
        for application in sorted(self._args.applications):
            user = self._application_user(application)
            users.append(user)
            self.users[application] = user
            self.user_ids[application] = user.user_id
            self.user_arns[application] = user.arn
        return aws.elasticache.UserGroup(
            f"{name}-users",
            user_group_id=self._ident,
            engine=engine,
            user_ids=[u.user_id for u in users],
            tags=self._tags,
            opts=opts,
        )

    def _application_user(self, application: str) -> aws.elasticache.User:
        cache, name = self._cache, self._name
        # IAM authentication requires the user id and the user name to be equal.
        user_id = identifier(self._spec, f"{self._args.logical_name}-{application}", ID_LENGTH)
        common: dict[str, Any] = {
            "user_id": user_id,
            "user_name": user_id,
            "engine": cache.engine,
            "access_string": APPLICATION_ACCESS,
            "tags": self._tags,
            "opts": pulumi.ResourceOptions(parent=self),
        }
        if cache.authentication == "iam":
            return aws.elasticache.User(
                f"{name}-user-{application}", authentication_mode={"type": "iam"}, **common
            )
        password = generated_password(
            f"{name}-user-{application}-password", cache.password_version, self
        )
        user = aws.elasticache.User(
            f"{name}-user-{application}",
            passwords_wo=password,
            passwords_wo_version=cache.password_version,
            **common,
        )
        stored = store_credential(
            f"{name}-user-{application}-secret",
            description=f"{name}: password of {application}'s cache user {user_id}",
            username=user_id,
            password=password,
            version=cache.password_version,
            kms_key_id=self._args.key.arn,
            recovery_window_days=30 if self._spec.defaults.protect else 7,
            tags=self._tags,
            consumer=user,
            parent=self,
        )
        self.user_secret_arns[application] = stored.arn
        return user

    def _replication_group(
        self,
        subnet_group_name: pulumi.Output[str],
        security_group_id: pulumi.Output[str],
        user_group: aws.elasticache.UserGroup,
    ) -> aws.elasticache.ReplicationGroup:
        cache, name, spec = self._cache, self._name, self._spec
        family = cache_parameter_family(cache.engine, cache.engine_version)
        clustered = cache.cluster_mode is not None
        # Family and mode in the name: a new group is created before the old one goes.
        parameters = aws.elasticache.ParameterGroup(
            f"{name}-params-{resource_safe(family)}{'-cluster' if clustered else ''}",
            family=family,
            description=f"{name}: {family}, cluster mode {'on' if clustered else 'off'}",
            parameters=[
                {"name": k, "value": v}
                for k, v in sorted(cache_parameters(clustered, dict(cache.parameters)).items())
            ],
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=False),
        )
        slow_log = aws.cloudwatch.LogGroup(
            f"{name}-slow-log",
            retention_in_days=cache.log_retention_days,
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        if clustered:
            assert cache.cluster_mode is not None
            shape: dict[str, Any] = {
                "cluster_mode": "enabled",
                "num_node_groups": cache.cluster_mode.shards,
                "replicas_per_node_group": cache.replicas,
            }
        else:
            shape = {"cluster_mode": "disabled", "num_cache_clusters": 1 + cache.replicas}
        final: dict[str, Any] = {}
        if cache.final_snapshot:
            # Unique per incarnation of the group (components/snapshots.py).
            final["final_snapshot_identifier"] = final_snapshot_identifier(
                f"{name}-group",
                self._ident,
                {"kmsKeyId": self._args.key.arn, "subnetGroupName": subnet_group_name},
                self,
            )
        protect = spec.defaults.protect
        return aws.elasticache.ReplicationGroup(
            f"{name}-group",
            replication_group_id=self._ident,
            description=f"{name}: {cache.engine} {cache.engine_version}",
            engine=cache.engine,
            engine_version=cache.engine_version,
            node_type=cache.node_type,
            port=self.port,
            parameter_group_name=parameters.name,
            subnet_group_name=subnet_group_name,
            security_group_ids=[security_group_id],
            at_rest_encryption_enabled=True,
            kms_key_id=self._args.key.arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            user_group_ids=[user_group.user_group_id],
            automatic_failover_enabled=self.failover,
            multi_az_enabled=cache.replicas > 0,
            snapshot_retention_limit=cache.snapshot_retention_days,
            snapshot_window=cache.snapshot_window,
            maintenance_window=cache.maintenance_window,
            auto_minor_version_upgrade=True,
            log_delivery_configurations=[
                {
                    "destination": slow_log.name,
                    "destination_type": "cloudwatch-logs",
                    "log_format": "json",
                    "log_type": "slow-log",
                }
            ],
            tags=self._tags,
            **shape,
            **final,
            opts=pulumi.ResourceOptions(parent=self, protect=protect, retain_on_delete=protect),
        )
