"""EncryptionKey: one customer-managed KMS key per data class, with its DR replica."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .documents import KeyUse, key_policy
from .scope import DisasterRecovery
from .spec import EnvironmentSpec
from .tagging import tags_for


@dataclass(frozen=True)
class EncryptionKeyArgs:
    """Arguments of EncryptionKey."""

    spec: EnvironmentSpec
    """The environment: account, regions, tags, deletion window."""
    data_class: str
    """The data class this key protects (`restricted`, `confidential`, ...)."""
    dr_provider: aws.Provider | None = None
    """When set, a replica key is created in the DR region (the key is always multi-Region)."""


class EncryptionKey(pulumi.ComponentResource):
    """A symmetric customer-managed key: rotation on, 30-day deletion window, an alias.

    Its key policy is attached separately (`attach_policy`) once the roles that may use
    it exist, so that usage is granted to exactly those roles and nobody else.
    """

    arn: pulumi.Output[str]
    """ARN of the key in the primary region."""
    key_id: pulumi.Output[str]
    """Key id in the primary region."""
    alias_name: pulumi.Output[str]
    """`alias/<project>-<env>-<class>`."""
    dr_arn: pulumi.Output[str] | None
    """ARN of the replica key in the DR region (None without DR)."""

    def __init__(
        self, name: str, args: EncryptionKeyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("backend-storage:kms:EncryptionKey", name, None, opts)
        spec = args.spec
        self._spec = spec
        self._name = name
        tags = tags_for(spec, args.data_class)
        # A deleted key makes every snapshot and object it encrypted unreadable: keys are
        # protected in every tier but dev, even where the stores themselves are not.
        protect = spec.defaults.protect or spec.tier != "dev"
        child = pulumi.ResourceOptions(parent=self, protect=protect, retain_on_delete=protect)
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"{spec.prefix}: data classified {args.data_class}",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=spec.defaults.key_deletion_window_days,
            # Multi-Region in every tier, DR or not: `multiRegion` is fixed at creation
            # (ForceNew), so a single-Region key would have to be *replaced* the day the
            # stack turns DR on (staging, a new data class in prod), and with it every
            # snapshot and object it encrypted. A multi-Region key costs the same and
            # works the same until a replica is made.
            multi_region=True,
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            tags=tags,
            opts=child,
        )
        self.alias = aws.kms.Alias(
            f"{name}-alias",
            name=f"alias/{name}",
            target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.key.arn
        self.key_id = self.key.key_id
        self.alias_name = self.alias.name
        self.replica: aws.kms.ReplicaKey | None = None
        self.dr_arn = None
        self._dr_scope: DisasterRecovery | None = None
        if args.dr_provider is not None:
            self._dr_scope = DisasterRecovery(
                f"{name}-dr", args.dr_provider, pulumi.ResourceOptions(parent=self)
            )
            dr_child = pulumi.ResourceOptions(
                parent=self._dr_scope, protect=protect, retain_on_delete=protect
            )
            self.replica = aws.kms.ReplicaKey(
                f"{name}-replica",
                primary_key_arn=self.key.arn,
                description=f"{spec.prefix}: DR replica, data classified {args.data_class}",
                deletion_window_in_days=spec.defaults.key_deletion_window_days,
                tags=tags,
                opts=dr_child,
            )
            aws.kms.Alias(
                f"{name}-replica-alias",
                name=f"alias/{name}",
                target_key_id=self.replica.key_id,
                opts=pulumi.ResourceOptions(parent=self._dr_scope),
            )
            self.dr_arn = self.replica.arn
        self.register_outputs(
            {
                "arn": self.arn,
                "key_id": self.key_id,
                "alias_name": self.alias_name,
                "dr_arn": self.dr_arn,
            }
        )

    def attach_policy(
        self,
        users: Sequence[pulumi.Input[str]] = (),
        dr_replicators: Sequence[pulumi.Input[str]] = (),
        dr_users: Sequence[pulumi.Input[str]] = (),
    ) -> None:
        """Create the key policies: administration by the account, use by `users` only.

        Call once, after the roles exist. On the DR replica key, `dr_replicators` (S3
        replication roles) may encrypt replicas, and `dr_users` (the applications, when
        the stack turns `failover.active` on) may use it as `users` use the primary.
        """
        spec = self._spec
        administrators = list(spec.key_policy_administrators)
        aws.kms.KeyPolicy(
            f"{self._name}-policy",
            key_id=self.key.key_id,
            policy=key_policy(
                spec.account_id,
                spec.region,
                [KeyUse("AllowUseByGrantedRoles", users)],
                administrators,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        if self.replica is not None and self._dr_scope is not None and spec.dr_region:
            aws.kms.KeyPolicy(
                f"{self._name}-replica-policy",
                key_id=self.replica.key_id,
                policy=key_policy(
                    spec.account_id,
                    spec.dr_region,
                    [
                        # Replication roles encrypt replicas, never read.
                        KeyUse(
                            "AllowUseByGrantedRoles",
                            dr_replicators,
                            ("kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"),
                        ),
                        KeyUse("AllowUseByGrantedRolesAfterFailover", dr_users),
                    ],
                    administrators,
                ),
                opts=pulumi.ResourceOptions(parent=self._dr_scope),
            )
