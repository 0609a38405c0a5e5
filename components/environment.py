"""StorageEnvironment: the whole storage tier of one environment, composed from its spec."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from . import outputs as out
from .access import (
    ApplicationAccess,
    ApplicationAccessArgs,
    bucket_target,
    cache_target,
    database_target,
)
from .bucket import LogBucket, LogBucketArgs, ObjectBucket, ObjectBucketArgs
from .cache import Cache, CacheArgs
from .database import ManagedDatabase, ManagedDatabaseArgs
from .encryption_key import EncryptionKey, EncryptionKeyArgs
from .kubernetes import (
    WorkloadBinding,
    WorkloadBindings,
    WorkloadBindingsArgs,
    application_settings,
    cluster_provider,
)
from .naming import resource_name
from .spec import EnvironmentSpec


class StorageEnvironment(pulumi.ComponentResource):
    """Keys, buckets, databases, caches and access of one environment.

    Order matters and is explicit: keys first (everything is encrypted with them),
    then stores, then the roles that use the stores, and last the key policies that
    name exactly those roles.
    """

    keys: dict[str, EncryptionKey]
    """One customer-managed key per data class in use."""
    buckets: dict[str, ObjectBucket]
    """Buckets by logical name."""
    databases: dict[str, ManagedDatabase]
    """Databases (ManagedDatabase) by logical name."""
    caches: dict[str, Cache]
    """Caches (Cache) by logical name."""
    roles: dict[str, ApplicationAccess]
    """Application roles by application name."""

    def __init__(self, spec: EnvironmentSpec, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("backend-storage:index:StorageEnvironment", spec.prefix, None, opts)
        self.spec = spec
        self.dr_provider = self._dr_provider()
        self.keys = {
            data_class: EncryptionKey(
                resource_name(spec, data_class),
                EncryptionKeyArgs(spec, data_class, self.dr_provider),
                pulumi.ResourceOptions(parent=self),
            )
            for data_class in spec.data_classes()
        }
        self.log_bucket = LogBucket(
            resource_name(spec, "access-logs"),
            LogBucketArgs(spec),
            pulumi.ResourceOptions(parent=self),
        )
        self.dr_log_bucket: LogBucket | None = None
        if self.dr_provider is not None and any(b.replication for b in spec.buckets.values()):
            self.dr_log_bucket = LogBucket(
                resource_name(spec, "dr-access-logs"),
                LogBucketArgs(spec),
                pulumi.ResourceOptions(parent=self, providers=[self.dr_provider]),
            )
        self.buckets = self._buckets()
        self.databases = self._databases()
        self.caches = self._caches()
        self.roles = self._access()
        self._key_policies()
        self.workloads = self._kubernetes()
        self.register_outputs(self.outputs())

    def _dr_provider(self) -> aws.Provider | None:
        spec = self.spec
        if not spec.dr_enabled or spec.dr_region is None:
            return None
        return aws.Provider(
            resource_name(spec, "dr"),
            region=spec.dr_region,
            allowed_account_ids=[spec.account_id],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _buckets(self) -> dict[str, ObjectBucket]:
        spec = self.spec
        return {
            name: ObjectBucket(
                resource_name(spec, name),
                ObjectBucketArgs(
                    spec=spec,
                    logical_name=name,
                    bucket=bucket,
                    key=self.keys[bucket.data_classification],
                    log_bucket=self.log_bucket,
                    dr_provider=self.dr_provider if bucket.replication else None,
                    dr_log_bucket=self.dr_log_bucket,
                ),
                pulumi.ResourceOptions(parent=self),
            )
            for name, bucket in spec.buckets.items()
        }

    def _databases(self) -> dict[str, ManagedDatabase]:
        spec = self.spec
        return {
            name: ManagedDatabase(
                resource_name(spec, name),
                ManagedDatabaseArgs(
                    spec=spec,
                    logical_name=name,
                    database=database,
                    key=self.keys[database.data_classification],
                    dr_provider=self.dr_provider if database.cross_region_replica else None,
                    iam_users=[
                        application.grants.databases[name].user
                        for application in spec.applications.values()
                        if name in application.grants.databases
                    ],
                ),
                pulumi.ResourceOptions(parent=self),
            )
            for name, database in spec.databases.items()
        }

    def _caches(self) -> dict[str, Cache]:
        spec = self.spec
        return {
            name: Cache(
                resource_name(spec, name),
                CacheArgs(
                    spec=spec,
                    logical_name=name,
                    cache=cache,
                    key=self.keys[cache.data_classification],
                    applications=sorted(
                        app
                        for app, application in spec.applications.items()
                        if name in application.grants.caches
                    ),
                ),
                pulumi.ResourceOptions(parent=self),
            )
            for name, cache in spec.caches.items()
        }

    def _access(self) -> dict[str, ApplicationAccess]:
        """One role per application, holding exactly its grants (components/access.py)."""
        spec = self.spec
        buckets = {name: bucket_target(b) for name, b in self.buckets.items()}
        databases = {name: database_target(d) for name, d in self.databases.items()}
        caches = {name: cache_target(c) for name, c in self.caches.items()}
        return {
            application: ApplicationAccess(
                resource_name(spec, application),
                ApplicationAccessArgs(spec, application, buckets, databases, caches),
                pulumi.ResourceOptions(parent=self),
            )
            for application in sorted(spec.applications)
        }

    def _key_policies(self) -> None:
        """Attach each key's policy, naming the roles that need it (see the access issue)."""
        users, replicators = self._key_users(), self._dr_replicators()
        dr_users = self._dr_key_users() if self.spec.failover.active else {}
        for data_class, key in self.keys.items():
            key.attach_policy(
                users.get(data_class, []),
                replicators.get(data_class, []),
                dr_users.get(data_class, []),
            )

    def _key_users(self) -> dict[str, list[pulumi.Input[str]]]:
        """Role ARNs that may use each key directly, by data class.

        Derived from the grants, never declared: a role granted a bucket uses that
        bucket's key through S3 (SSE-KMS is done with the caller's permissions), and so
        does the bucket's replication role to read the source. Databases and caches
        decrypt with the service's own grant (the key policy's storage-services
        statement), so connecting to them makes no role a key user; a cache password
        secret is decrypted through Secrets Manager under that same statement.
        """
        users: dict[str, list[pulumi.Input[str]]] = {}
        seen: set[tuple[str, str]] = set()
        for application, access in sorted(self.roles.items()):
            for store in sorted(self.spec.applications[application].grants.buckets):
                data_class = self.buckets[store].data_class
                if (data_class, application) not in seen:
                    seen.add((data_class, application))
                    users.setdefault(data_class, []).append(access.arn)
        for _, bucket in sorted(self.buckets.items()):
            if bucket.replication_role is not None:
                users.setdefault(bucket.data_class, []).append(bucket.replication_role.arn)
        return users

    def _kubernetes(self) -> WorkloadBindings | None:
        """ServiceAccounts and ConfigMaps in the cluster, when the stack names a cluster API."""
        spec = self.spec
        if spec.cluster is None or spec.cluster.kubernetes is None:
            return None
        provider = cluster_provider(
            resource_name(spec, "kubernetes"),
            spec.cluster.kubernetes,
            pulumi.ResourceOptions(parent=self),
        )
        workloads: dict[str, WorkloadBinding] = {}
        for application, app in sorted(spec.applications.items()):
            identity = app.identity.kubernetes
            if identity is None:
                continue
            role_arn = self.roles[application].arn
            workloads[application] = WorkloadBinding(
                namespace=identity.namespace,
                service_account=identity.service_account,
                mechanism=identity.mechanism,
                role_arn=role_arn,
                settings=application_settings(
                    spec, application, role_arn, self.buckets, self.databases, self.caches
                ),
            )
        return WorkloadBindings(
            resource_name(spec, "workloads"),
            WorkloadBindingsArgs(spec, workloads),
            pulumi.ResourceOptions(parent=self, providers=[provider]),
        )

    def _dr_key_users(self) -> dict[str, list[pulumi.Input[str]]]:
        """Application roles that use each DR replica key after a failover, by data class:
        those granted a bucket that has a DR copy (they read and write it through S3)."""
        users: dict[str, list[pulumi.Input[str]]] = {}
        seen: set[tuple[str, str]] = set()
        for application, access in sorted(self.roles.items()):
            for store in sorted(self.spec.applications[application].grants.buckets):
                bucket = self.buckets[store]
                if bucket.dr_bucket is None or (bucket.data_class, application) in seen:
                    continue
                seen.add((bucket.data_class, application))
                users.setdefault(bucket.data_class, []).append(access.arn)
        return users

    def _dr_replicators(self) -> dict[str, list[pulumi.Input[str]]]:
        """Role ARNs that encrypt with each DR replica key, by data class (S3 replication)."""
        users: dict[str, list[pulumi.Input[str]]] = {}
        for bucket in self.buckets.values():
            if bucket.replication_role is not None:
                users.setdefault(bucket.data_class, []).append(bucket.replication_role.arn)
        return users

    def outputs(self) -> dict[str, Any]:
        """Stack outputs, keyed by the names in `components.outputs`."""
        spec = self.spec
        return {
            out.ENVIRONMENT: {
                out.ENV_NAME: spec.stack,
                out.ENV_TIER: spec.tier,
                out.ENV_REGION: spec.region,
                out.ENV_DR_REGION: spec.dr_region,
                out.ENV_ACCOUNT_ID: spec.account_id,
            },
            out.KEYS: {
                data_class: {
                    out.KEY_ARN: key.arn,
                    out.KEY_ALIAS_NAME: key.alias_name,
                    out.KEY_DR_ARN: key.dr_arn,
                }
                for data_class, key in self.keys.items()
            },
            out.BUCKETS: {name: bucket.outputs() for name, bucket in self.buckets.items()},
            out.DATABASES: {name: db.outputs() for name, db in self.databases.items()},
            out.CACHES: {name: cache.outputs() for name, cache in self.caches.items()},
            out.ROLES: {name: role.outputs() for name, role in self.roles.items()},
        }
