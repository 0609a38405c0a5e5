"""ManagedDatabase: an RDS instance or an Aurora cluster, PostgreSQL or MySQL, with replicas.

Secure by default: storage, Performance Insights and the master secret encrypted with the
environment's key; TLS forced by a parameter group the component owns; IAM database
authentication; a non-default admin user and port; a security group that admits the
engine's port from declared clients only; backups and PITR per tier; in prod deletion
protection, a final snapshot, `protect` and `retain_on_delete`.

Replicas follow the rules AWS sets for them (terraform-aws-modules/terraform-aws-rds
#512, #526, #532 are the failures that come from ignoring them): a replica takes its
credentials from its source, so it sets no user name, password or managed-password option.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from . import outputs as out
from .credentials import StoredCredential, generated_password, store_credential
from .database_users import bootstrap_sql
from .documents import document
from .encryption_key import EncryptionKey
from .naming import identifier
from .network import NetworkArgs, Placement, place
from .parameters import (
    CA_CERTIFICATE,
    Engine,
    Flavour,
    db_port,
    log_exports,
    major_version,
    parameter_family,
    performance_insights_supported,
    rds_engine,
    resource_safe,
    server_parameters,
    tls_parameters,
)
from .scope import DisasterRecovery
from .snapshots import final_snapshot_identifier
from .spec import DatabaseSpec, EnvironmentSpec
from .tagging import tags_for

AURORA_VERSION_DRIFT = ("engineVersion",)
"""What Aurora clusters and the global cluster ignore after creation: the engine version.

An Aurora MySQL version is given in full at creation ("8.0.mysql_aurora.3.08.0": AWS
lists Aurora versions only in that form), and the provider keeps no prefix of it for the global
cluster (`resourceGlobalClusterRead` stores the running version), so a pinned version
would fight AWS's automatic minor upgrades: the next `up` would ask to go back, which RDS
refuses. The stack file's version is therefore the version *at creation*; a major upgrade
of an Aurora database is an operation (`aws rds modify-global-cluster|modify-db-cluster
--engine-version ... --allow-major-version-upgrade`, with a parameter group of the new
family), after which the stack file is edited to match (README, "Database keys").
"""

MONITORING_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
MAX_PROMOTION_TIER = 15


@dataclass(frozen=True)
class ManagedDatabaseArgs:
    """Arguments of ManagedDatabase."""

    spec: EnvironmentSpec
    """The environment: names, tags, network, protect, DR region."""
    logical_name: str
    """The database's key in the stack file (`orders`)."""
    database: DatabaseSpec
    """The database's spec, tier defaults layered in."""
    key: EncryptionKey
    """The key of the database's data class; its DR replica key encrypts the DR copy."""
    dr_provider: aws.Provider | None = None
    """Provider of the DR region; required when `database.cross_region_replica` is on."""
    iam_users: Sequence[str] = ()
    """Database users the stack's applications connect as with IAM authentication."""


class ManagedDatabase(pulumi.ComponentResource):
    """A database with its network, parameter group, monitoring role, replicas and DR copy."""

    engine: str
    """`postgres` or `mysql` (the spec's engine, also for Aurora)."""
    flavour: str
    """`instance` or `aurora`."""
    port: int
    """Listener port of every endpoint."""
    database_name: str | None
    """Database created at launch, if any."""
    data_class: str
    """The data classification (which key encrypts it)."""
    identifier: pulumi.Output[str]
    """DB instance identifier, or Aurora cluster identifier."""
    arn: pulumi.Output[str]
    """ARN of the writer instance or of the cluster."""
    resource_id: pulumi.Output[str]
    """`db-…` (instance) or `cluster-…` (Aurora) resource id: `rds-db:connect` ARNs name it."""
    writer_endpoint: pulumi.Output[str]
    """Host name of the writer (no port)."""
    reader_endpoint: pulumi.Output[str]
    """Aurora's reader endpoint; for instances the first replica, else the writer."""
    replica_endpoints: list[pulumi.Output[str]]
    """Host name of each in-region replica (Aurora: each reader instance), in order."""
    replica_identifiers: list[pulumi.Output[str]]
    """Identifier of each in-region replica, in order."""
    writer_resource_ids: list[pulumi.Output[str]]
    """Resource ids behind the writer endpoint (for `rds-db:connect`)."""
    reader_resource_ids: list[pulumi.Output[str]]
    """Resource ids behind the reader endpoints (for `rds-db:connect`)."""
    master_secret_arn: pulumi.Output[str]
    """Secrets Manager secret of the master user (RDS-managed where AWS allows it)."""
    kms_key_arn: pulumi.Output[str]
    """Key of the storage, the snapshots, Performance Insights and the master secret."""
    security_group_id: pulumi.Output[str]
    """Security group of the writer and the in-region replicas."""
    dr_endpoint: pulumi.Output[str] | None
    """Host name of the DR copy (Aurora: the secondary cluster's reader endpoint)."""
    dr_identifier: pulumi.Output[str] | None
    """Identifier of the DR replica instance or secondary cluster."""
    dr_arn: pulumi.Output[str] | None
    """ARN of the DR replica instance or secondary cluster."""
    dr_resource_id: pulumi.Output[str] | None
    """Resource id of the DR copy."""
    iam_users: list[str]
    """The IAM-authenticated database users granted to applications, sorted."""
    iam_user_bootstrap: str
    """Idempotent SQL that creates them, IAM-enabled (`components/database_users.py`)."""

    def __init__(
        self, name: str, args: ManagedDatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("backend-storage:rds:ManagedDatabase", name, None, opts)
        db, spec = args.database, args.spec
        self._name, self._args, self._db, self._spec = name, args, db, spec
        self.engine = db.engine
        self.flavour = db.flavour
        self.port = db_port(db.engine, db.port)
        self.database_name = db.database_name
        self.data_class = db.data_classification
        self.kms_key_arn = args.key.arn
        self.iam_users = sorted(set(args.iam_users))
        self.iam_user_bootstrap = bootstrap_sql(db.engine, self.iam_users)
        self._tags = tags_for(spec, db.data_classification, db.tags)
        self._protected = spec.defaults.protect
        self._ident = identifier(spec, args.logical_name)
        self._family = parameter_family(db.flavour, db.engine, db.engine_version)
        self._check_dr()

        placement = place(name, self._network_args(), self)
        self.security_group_id = placement.security_group_id
        self._monitoring = self._monitoring_role()
        self.dr_endpoint = self.dr_identifier = self.dr_arn = self.dr_resource_id = None
        if db.flavour == "aurora":
            self._aurora(placement)
        else:
            self._instances(placement)
        self.register_outputs(
            {
                "engine": self.engine,
                "flavour": self.flavour,
                "port": self.port,
                "database_name": self.database_name,
                "data_class": self.data_class,
                "identifier": self.identifier,
                "arn": self.arn,
                "resource_id": self.resource_id,
                "writer_endpoint": self.writer_endpoint,
                "reader_endpoint": self.reader_endpoint,
                "replica_endpoints": self.replica_endpoints,
                "replica_identifiers": self.replica_identifiers,
                "writer_resource_ids": self.writer_resource_ids,
                "reader_resource_ids": self.reader_resource_ids,
                "master_secret_arn": self.master_secret_arn,
                "kms_key_arn": self.kms_key_arn,
                "security_group_id": self.security_group_id,
                "dr_endpoint": self.dr_endpoint,
                "dr_identifier": self.dr_identifier,
                "dr_arn": self.dr_arn,
                "dr_resource_id": self.dr_resource_id,
                "iam_users": self.iam_users,
                "iam_user_bootstrap": self.iam_user_bootstrap,
            }
        )

    def outputs(self) -> dict[str, Any]:
        """This database's entry of the `databases` stack output (keys: `components.outputs`)."""
        return {
            out.DB_ENGINE: self.engine,
            out.DB_FLAVOUR: self.flavour,
            out.DB_WRITER_ENDPOINT: self.writer_endpoint,
            out.DB_READER_ENDPOINT: self.reader_endpoint,
            out.DB_REPLICA_ENDPOINTS: self.replica_endpoints,
            out.DB_DR_ENDPOINT: self.dr_endpoint,
            out.DB_PORT: self.port,
            out.DB_NAME: self.database_name,
            out.DB_RESOURCE_ID: self.resource_id,
            out.DB_IDENTIFIER: self.identifier,
            out.DB_ARN: self.arn,
            out.DB_MASTER_SECRET_ARN: self.master_secret_arn,
            out.DB_KMS_KEY_ARN: self.kms_key_arn,
            out.DB_REPLICA_IDENTIFIERS: self.replica_identifiers,
            out.DB_DR_IDENTIFIER: self.dr_identifier,
            out.DB_IAM_USERS: self.iam_users,
            out.DB_IAM_USER_BOOTSTRAP: self.iam_user_bootstrap,
        }

    # --- shared pieces -------------------------------------------------------------------

    @property
    def rds_managed_password(self) -> bool:
        """Whether RDS manages the master password in Secrets Manager.

        AWS refuses it for instances that are the source of read replicas and for clusters
        of an Aurora global database; there the component generates the password and keeps
        it in a secret of its own (see `components/credentials.py`).
        """
        db = self._db
        if db.flavour == "instance":
            return db.replicas == 0 and not db.cross_region_replica
        return not db.cross_region_replica

    def _check_dr(self) -> None:
        args, spec = self._args, self._spec
        if not self._db.cross_region_replica:
            return
        missing = [
            what
            for what, value in (
                ("a DR provider", args.dr_provider),
                ("a DR replica key", args.key.dr_arn),
                ("network.drVpcId", spec.network.dr_vpc_id),
                ("network.drSubnetIds", spec.network.dr_subnet_ids),
            )
            if not value
        ]
        if missing:
            raise ValueError(
                f"databases.{args.logical_name}.crossRegionReplica needs {', '.join(missing)}"
            )

    def _network_args(self, dr: bool = False) -> NetworkArgs:
        db, net = self._db, self._spec.network
        return NetworkArgs(
            service="rds",
            description=f"{self._name}{'-dr' if dr else ''}: {rds_engine(db.flavour, db.engine)}",
            vpc_id=(net.dr_vpc_id or "") if dr else net.vpc_id,
            subnet_ids=net.dr_subnet_ids if dr else net.subnet_ids,
            port=self.port,
            # Security group ids are per region: the DR copy has clients of its own.
            allowed_security_group_ids=db.dr_allowed_security_group_ids
            if dr
            else db.allowed_security_group_ids,
            allowed_cidr_blocks=db.dr_allowed_cidr_blocks if dr else db.allowed_cidr_blocks,
            tags=self._tags,
        )

    def _stateful(self, parent: pulumi.Resource, **extra: Any) -> pulumi.ResourceOptions:
        """Options of a resource that holds data of record: protected, retained in prod."""
        return pulumi.ResourceOptions(
            parent=parent, protect=self._protected, retain_on_delete=self._protected, **extra
        )

    def _monitoring_role(self) -> list[pulumi.Resource]:
        """Enhanced monitoring's own role; returns what the instances must wait for."""
        self._monitoring_role_arn: pulumi.Output[str] | None = None
        if self._db.monitoring_interval == 0:
            return []
        trust = document(
            {
                "Effect": "Allow",
                "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                "Action": "sts:AssumeRole",
                # The service acts for this account only (confused-deputy guard).
                "Condition": {"StringEquals": {"aws:SourceAccount": self._spec.account_id}},
            }
        )
        role = aws.iam.Role(
            f"{self._name}-monitoring",
            description=f"{self._name}: RDS enhanced monitoring",
            assume_role_policy=json.dumps(trust),
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{self._name}-monitoring-policy",
            role=role.name,
            policy_arn=MONITORING_POLICY_ARN,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._monitoring_role_arn = role.arn
        return [attachment]

    def _parameter_group(self, name: str, parent: pulumi.Resource) -> pulumi.Output[str]:
        """The component's own parameter group: TLS forced, logs filled, then the spec's.

        The family is in the resource name and the physical name is Pulumi's auto-name, so
        a major upgrade declares a *new* group; Pulumi creates it, moves the database to
        it, and deletes the old one only afterwards (terraform-aws-modules/terraform-aws-rds
        #601, #94: a group deleted while in use). Not protected for the same reason.
        """
        db = self._db
        kind = aws.rds.ClusterParameterGroup if db.flavour == "aurora" else aws.rds.ParameterGroup
        role = "cluster-params" if db.flavour == "aurora" else "params"
        group = kind(
            f"{name}-{role}-{resource_safe(self._family)}",
            family=self._family,
            description=f"{self._name}: TLS required, logging, stack parameters",
            parameters=_parameter_list(
                db.flavour, db.engine, server_parameters(db.flavour, db.engine, dict(db.parameters))
            ),
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=parent, delete_before_replace=False),
        )
        return group.name

    def _option_group(self, name: str, parent: pulumi.Resource) -> pulumi.Output[str] | None:
        """RDS MySQL's audit log comes from the MariaDB audit plugin (an option group)."""
        db = self._db
        if db.flavour != "instance" or db.engine != "mysql":
            return None
        major = major_version(db.engine, db.engine_version)
        group = aws.rds.OptionGroup(
            f"{name}-options-{resource_safe(major)}",
            engine_name="mysql",
            major_engine_version=major,
            option_group_description=f"{self._name}: audit log",
            options=[
                aws.rds.OptionGroupOptionArgs(
                    option_name="MARIADB_AUDIT_PLUGIN",
                    option_settings=[
                        aws.rds.OptionGroupOptionOptionSettingArgs(
                            name="SERVER_AUDIT_EVENTS", value="CONNECT,QUERY_DCL,QUERY_DDL"
                        )
                    ],
                )
            ],
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=parent, delete_before_replace=False),
        )
        return group.name

    def _log_groups(
        self, name: str, kind: str, ident: str, parent: pulumi.Resource
    ) -> list[pulumi.Resource]:
        """The log groups RDS exports into, created first so they get the tier's retention
        (RDS would create them itself, kept forever)."""
        db = self._db
        return [
            aws.cloudwatch.LogGroup(
                f"{name}-log-{export}",
                name=f"/aws/rds/{kind}/{ident}/{export}",
                retention_in_days=db.log_retention_days,
                tags=self._tags,
                opts=pulumi.ResourceOptions(parent=parent),
            )
            for export in log_exports(db.flavour, db.engine)
        ]

    def _observability(self, instance_class: str, key_arn: pulumi.Input[str]) -> dict[str, Any]:
        """Enhanced monitoring and Performance Insights settings of one instance."""
        db = self._db
        settings: dict[str, Any] = {"monitoring_interval": db.monitoring_interval}
        if db.monitoring_interval:
            settings["monitoring_role_arn"] = self._monitoring_role_arn
        insights = performance_insights_supported(db.flavour, db.engine, instance_class)
        settings["performance_insights_enabled"] = insights
        if insights:
            settings["performance_insights_kms_key_id"] = key_arn
            settings["performance_insights_retention_period"] = (
                db.performance_insights_retention_days
            )
        return settings

    def _final_snapshot(
        self, resource_name: str, ident: str, replace_forcing: dict[str, pulumi.Input[str]]
    ) -> dict[str, Any]:
        """Final snapshot settings; the identifier is unique per incarnation of the store
        (`components/snapshots.py`), keyed on the inputs that replace it."""
        if not self._db.final_snapshot:
            return {"skip_final_snapshot": True}
        identifier = final_snapshot_identifier(resource_name, ident, replace_forcing, self)
        return {"skip_final_snapshot": False, "final_snapshot_identifier": identifier}

    def _master_credentials(
        self, write_only_kwarg: str
    ) -> tuple[dict[str, Any], pulumi.Output[str] | None]:
        """Credential inputs of the writer, and the generated password (None when RDS manages it).

        `write_only_kwarg` names the writer's write-only password input (`password_wo` on
        instances, `master_password_wo` on clusters).
        """
        if self.rds_managed_password:
            managed = {
                "manage_master_user_password": True,
                "master_user_secret_kms_key_id": self._args.key.arn,
            }
            return managed, None
        version = self._db.master_password_version
        password = generated_password(f"{self._name}-master-password", version, self)
        return {write_only_kwarg: password, f"{write_only_kwarg}_version": version}, password

    def _master_secret_arn(
        self, password: pulumi.Output[str] | None, writer: pulumi.CustomResource
    ) -> pulumi.Output[str]:
        """ARN of the secret holding the master credentials: RDS's own, or the stored one."""
        if password is None:
            secrets = writer.master_user_secrets  # type: ignore[attr-defined]
            return secrets.apply(_first_secret_arn)
        return self._store_master(password, writer).arn

    def _store_master(
        self, password: pulumi.Output[str], consumer: pulumi.Resource
    ) -> StoredCredential:
        return store_credential(
            f"{self._name}-master",
            description=f"{self._name}: master user ({self._db.admin_username}), generated",
            username=self._db.admin_username,
            password=password,
            version=self._db.master_password_version,
            kms_key_id=self._args.key.arn,
            recovery_window_days=30 if self._protected else 7,
            tags=self._tags,
            consumer=consumer,
            parent=self,
        )

    def _replica_backups(self) -> dict[str, Any]:
        """Automated backups of a replica.

        PostgreSQL replicas are physical copies of the writer, whose backups and PITR
        already cover every byte: they keep none (retention 0). MySQL replicas keep the
        tier's retention: RDS requires backups on a MySQL replica for it to be the source
        of a chained replica, and a promoted replica then has PITR from its first minute.
        """
        db = self._db
        if db.engine == "postgres":
            return {"backup_retention_period": 0}
        return {
            "backup_retention_period": db.backup_retention_days,
            "backup_window": db.backup_window,
        }

    # --- instance flavour ----------------------------------------------------------------

    def _instance_common(
        self, instance_class: str, key_arn: pulumi.Input[str], placement: Placement
    ) -> dict[str, Any]:
        db = self._db
        return {
            "instance_class": instance_class,
            "port": self.port,
            "storage_type": "gp3",
            "storage_encrypted": True,
            "kms_key_id": key_arn,
            "max_allocated_storage": db.max_allocated_storage,
            "vpc_security_group_ids": [placement.security_group_id],
            "publicly_accessible": False,
            "iam_database_authentication_enabled": True,
            # Minor upgrades are AWS's: the stack file pins the major only ("16", "8.0";
            # the spec refuses a minor on instances), and the provider keeps a configured
            # prefix of the running version as no change (terraform-provider-aws
            # `compareActualEngineVersion`: "16" against "16.4" sets no diff). A pinned
            # minor would make the next `up` try to go back after AWS upgraded, which RDS
            # refuses ("Cannot upgrade postgres from 16.x to 16.4").
            "auto_minor_version_upgrade": True,
            # A major upgrade is a deliberate edit of engineVersion in the stack file; it
            # needs this flag explicitly, and the new family's parameter group comes with it.
            "allow_major_version_upgrade": True,
            "ca_cert_identifier": CA_CERTIFICATE,
            "copy_tags_to_snapshot": True,
            "maintenance_window": db.maintenance_window,
            "enabled_cloudwatch_logs_exports": log_exports(db.flavour, db.engine),
            "deletion_protection": db.deletion_protection,
            "tags": self._tags,
            **self._observability(instance_class, key_arn),
        }

    def _instances(self, placement: Placement) -> None:
        db, name, key = self._db, self._name, self._args.key
        parameter_group = self._parameter_group(name, self)
        option_group = self._option_group(name, self)
        groups = {"parameter_group_name": parameter_group}
        if option_group is not None:
            groups["option_group_name"] = option_group
        credentials, password = self._master_credentials("password_wo")
        writer = aws.rds.Instance(
            f"{name}-writer",
            identifier=self._ident,
            engine=db.engine,
            engine_version=db.engine_version,
            allocated_storage=db.allocated_storage,
            username=db.admin_username,
            db_name=db.database_name,
            multi_az=db.multi_az,
            db_subnet_group_name=placement.subnet_group_name,
            backup_retention_period=db.backup_retention_days,
            backup_window=db.backup_window,
            delete_automated_backups=not db.final_snapshot,
            **groups,
            **credentials,
            **self._final_snapshot(
                f"{name}-writer",
                self._ident,
                {
                    "engine": db.engine,
                    "kmsKeyId": key.arn,
                    "username": db.admin_username,
                    "dbName": db.database_name or "",
                },
            ),
            **self._instance_common(db.instance_class, key.arn, placement),
            opts=self._stateful(
                self,
                depends_on=[
                    *self._monitoring,
                    *self._log_groups(name, "instance", self._ident, self),
                ],
            ),
        )
        self.identifier = writer.identifier
        self.arn = writer.arn
        self.resource_id = writer.resource_id
        self.writer_endpoint = writer.address
        self.master_secret_arn = self._master_secret_arn(password, writer)

        replicas = [
            self._instance_replica(i, writer, groups, placement) for i in range(1, db.replicas + 1)
        ]
        self.replica_endpoints = [r.address for r in replicas]
        self.replica_identifiers = [r.identifier for r in replicas]
        self.writer_resource_ids = [writer.resource_id]
        # Without replicas, reads go to the writer.
        self.reader_endpoint = replicas[0].address if replicas else writer.address
        self.reader_resource_ids = [r.resource_id for r in replicas] or [writer.resource_id]
        if db.cross_region_replica:
            self._instance_dr(writer)

    def _instance_replica(
        self, index: int, writer: aws.rds.Instance, groups: dict[str, Any], placement: Placement
    ) -> aws.rds.Instance:
        db, name = self._db, self._name
        override = db.replica_overrides.get(index)
        instance_class = (override.instance_class if override else None) or db.instance_class
        ident = identifier(self._spec, f"{self._args.logical_name}-replica-{index}")
        return aws.rds.Instance(
            f"{name}-replica-{index}",
            identifier=ident,
            # Same region: the writer's identifier. No engine, user, password, managed
            # password or database name: RDS takes them from the source.
            replicate_source_db=writer.identifier,
            multi_az=False,
            skip_final_snapshot=True,
            **groups,
            **self._replica_backups(),
            **self._instance_common(instance_class, self._args.key.arn, placement),
            # Protected like the writer, but not retained: a replica removed from the stack
            # holds no data of its own and must really go.
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=self._protected,
                depends_on=[
                    *self._monitoring,
                    *self._log_groups(f"{name}-replica-{index}", "instance", ident, self),
                ],
            ),
        )

    def _instance_dr(self, writer: aws.rds.Instance) -> None:
        db, name, key = self._db, self._name, self._args.key
        assert self._args.dr_provider is not None and key.dr_arn is not None  # _check_dr
        scope = DisasterRecovery(
            f"{name}-dr", self._args.dr_provider, pulumi.ResourceOptions(parent=self)
        )
        placement = place(f"{name}-dr", self._network_args(dr=True), scope)
        groups = {"parameter_group_name": self._parameter_group(f"{name}-dr", scope)}
        option_group = self._option_group(f"{name}-dr", scope)
        if option_group is not None:
            groups["option_group_name"] = option_group
        ident = identifier(self._spec, f"{self._args.logical_name}-dr")
        replica = aws.rds.Instance(
            f"{name}-dr-replica",
            identifier=ident,
            # Another region: the source's ARN, and a key of the DR region.
            replicate_source_db=writer.arn,
            db_subnet_group_name=placement.subnet_group_name,
            # The DR copy becomes the writer after a regional failover: same availability.
            multi_az=db.multi_az,
            skip_final_snapshot=True,
            **groups,
            **self._replica_backups(),
            **self._instance_common(db.instance_class, key.dr_arn, placement),
            opts=self._stateful(
                scope,
                depends_on=[
                    *self._monitoring,
                    *self._log_groups(f"{name}-dr", "instance", ident, scope),
                ],
            ),
        )
        self.dr_endpoint = replica.address
        self.dr_identifier = replica.identifier
        self.dr_arn = replica.arn
        self.dr_resource_id = replica.resource_id

    # --- Aurora flavour ------------------------------------------------------------------

    def _cluster_common(self, placement: Placement, key_arn: pulumi.Input[str]) -> dict[str, Any]:
        db = self._db
        return {
            "engine": rds_engine(db.flavour, db.engine),
            "engine_version": db.engine_version,
            "port": self.port,
            "vpc_security_group_ids": [placement.security_group_id],
            "db_subnet_group_name": placement.subnet_group_name,
            "storage_encrypted": True,
            "kms_key_id": key_arn,
            "backup_retention_period": db.backup_retention_days,
            "preferred_backup_window": db.backup_window,
            "preferred_maintenance_window": db.maintenance_window,
            "copy_tags_to_snapshot": True,
            "deletion_protection": db.deletion_protection,
            "iam_database_authentication_enabled": True,
            "allow_major_version_upgrade": True,
            "enabled_cloudwatch_logs_exports": log_exports(db.flavour, db.engine),
            "tags": self._tags,
        }

    def _cluster_instance(
        self,
        resource_name: str,
        ident: str,
        cluster: aws.rds.Cluster,
        instance_class: str,
        promotion_tier: int,
        key_arn: pulumi.Input[str],
        parent: pulumi.Resource,
    ) -> aws.rds.ClusterInstance:
        db = self._db
        return aws.rds.ClusterInstance(
            resource_name,
            identifier=ident,
            cluster_identifier=cluster.id,
            engine=cluster.engine,
            # No engine_version: an Aurora instance runs its cluster's version, and a value
            # here would be one more place to drift after an automatic minor upgrade
            # (the provider's docs advise ignoring it when the cluster manages the version).
            instance_class=instance_class,
            promotion_tier=promotion_tier,
            publicly_accessible=False,
            auto_minor_version_upgrade=True,
            ca_cert_identifier=CA_CERTIFICATE,
            copy_tags_to_snapshot=True,
            preferred_maintenance_window=db.maintenance_window,
            tags=self._tags,
            **self._observability(instance_class, key_arn),
            # The data lives in the cluster volume (retained); instances are compute.
            opts=pulumi.ResourceOptions(
                parent=parent, protect=self._protected, depends_on=self._monitoring
            ),
        )

    def _aurora(self, placement: Placement) -> None:
        db, name, key, logical = self._db, self._name, self._args.key, self._args.logical_name
        global_cluster = None
        if db.cross_region_replica:
            global_cluster = aws.rds.GlobalCluster(
                f"{name}-global",
                global_cluster_identifier=identifier(self._spec, f"{logical}-global"),
                engine=rds_engine(db.flavour, db.engine),
                engine_version=db.engine_version,
                database_name=db.database_name,
                storage_encrypted=True,
                deletion_protection=db.deletion_protection,
                tags=self._tags,
                # The members' version at creation (AWS requires them to match); after
                # that AWS moves it with every minor upgrade (see AURORA_VERSION_DRIFT).
                opts=self._stateful(self, ignore_changes=list(AURORA_VERSION_DRIFT)),
            )
        credentials, password = self._master_credentials("master_password_wo")
        cluster = aws.rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=self._ident,
            database_name=db.database_name,
            master_username=db.admin_username,
            db_cluster_parameter_group_name=self._parameter_group(name, self),
            global_cluster_identifier=global_cluster.id if global_cluster else None,
            delete_automated_backups=not db.final_snapshot,
            **credentials,
            **self._final_snapshot(
                f"{name}-cluster",
                self._ident,
                {
                    "engine": rds_engine(db.flavour, db.engine),
                    "kmsKeyId": key.arn,
                    "masterUsername": db.admin_username,
                    "databaseName": db.database_name or "",
                    "dbSubnetGroupName": placement.subnet_group_name,
                },
            ),
            **self._cluster_common(placement, key.arn),
            opts=self._stateful(
                self,
                depends_on=self._log_groups(name, "cluster", self._ident, self),
                ignore_changes=list(AURORA_VERSION_DRIFT),
            ),
        )
        # Instance names carry no role: the writer moves to a reader on failover.
        writer = self._cluster_instance(
            f"{name}-instance-1",
            identifier(self._spec, f"{logical}-1"),
            cluster,
            db.instance_class,
            0,
            key.arn,
            self,
        )
        readers = []
        for index in range(1, db.replicas + 1):
            override = db.replica_overrides.get(index)
            instance_class = (override.instance_class if override else None) or db.instance_class
            readers.append(
                self._cluster_instance(
                    f"{name}-instance-{index + 1}",
                    identifier(self._spec, f"{logical}-{index + 1}"),
                    cluster,
                    instance_class,
                    min(index, MAX_PROMOTION_TIER),
                    key.arn,
                    self,
                )
            )
        self.identifier = cluster.cluster_identifier
        self.arn = cluster.arn
        self.resource_id = cluster.cluster_resource_id
        self.writer_endpoint = cluster.endpoint
        self.reader_endpoint = cluster.reader_endpoint
        self.replica_endpoints = [r.endpoint for r in readers]
        self.replica_identifiers = [r.identifier for r in readers]
        # IAM authentication to Aurora names the cluster's resource id, for every endpoint.
        self.writer_resource_ids = [cluster.cluster_resource_id]
        self.reader_resource_ids = [cluster.cluster_resource_id]
        self.master_secret_arn = self._master_secret_arn(password, cluster)
        if global_cluster is not None:
            self._aurora_dr(global_cluster, writer)

    def _aurora_dr(
        self, global_cluster: aws.rds.GlobalCluster, writer: aws.rds.ClusterInstance
    ) -> None:
        db, name, key, logical = self._db, self._name, self._args.key, self._args.logical_name
        assert self._args.dr_provider is not None and key.dr_arn is not None  # _check_dr
        scope = DisasterRecovery(
            f"{name}-dr", self._args.dr_provider, pulumi.ResourceOptions(parent=self)
        )
        placement = place(f"{name}-dr", self._network_args(dr=True), scope)
        ident = identifier(self._spec, f"{logical}-dr")
        secondary = aws.rds.Cluster(
            f"{name}-dr-cluster",
            cluster_identifier=ident,
            # A secondary cluster has no credentials of its own: the global database's.
            global_cluster_identifier=global_cluster.id,
            db_cluster_parameter_group_name=self._parameter_group(f"{name}-dr", scope),
            # The primary's final snapshot is the record; a secondary cannot take one.
            skip_final_snapshot=True,
            **self._cluster_common(placement, key.dr_arn),
            opts=self._stateful(
                scope,
                # AWS adds a secondary only once the primary has a writer instance.
                depends_on=[writer, *self._log_groups(f"{name}-dr", "cluster", ident, scope)],
                # AWS fills this in for secondaries; it is not ours to reset. The version
                # follows the global database (AURORA_VERSION_DRIFT).
                ignore_changes=["replicationSourceIdentifier", *AURORA_VERSION_DRIFT],
            ),
        )
        self._cluster_instance(
            f"{name}-dr-instance-1",
            identifier(self._spec, f"{logical}-dr-1"),
            secondary,
            db.instance_class,
            0,
            key.dr_arn,
            scope,
        )
        self.dr_endpoint = secondary.reader_endpoint
        self.dr_identifier = secondary.cluster_identifier
        self.dr_arn = secondary.arn
        self.dr_resource_id = secondary.cluster_resource_id


def _parameter_list(
    flavour: Flavour, engine: Engine, parameters: dict[str, str]
) -> list[dict[str, str]]:
    """Parameter group entries; TLS applies at once, the rest at the next reboot.

    `pending-reboot` is valid for static and dynamic parameters alike, so a stack's own
    parameter never fails the update; the TLS switch is dynamic and must not wait.
    """
    immediate = set(tls_parameters(flavour, engine))
    return [
        {
            "name": key,
            "value": value,
            "apply_method": "immediate" if key in immediate else "pending-reboot",
        }
        for key, value in sorted(parameters.items())
    ]


def _first_secret_arn(secrets: Any) -> str | None:
    """ARN of the RDS-managed master secret (`master_user_secrets[0].secret_arn`)."""
    if not secrets:
        return None
    first = secrets[0]
    return first.get("secret_arn") if isinstance(first, dict) else first.secret_arn
