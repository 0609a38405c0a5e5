"""ObjectBucket and LogBucket: private, versioned, encrypted, TLS-only S3 buckets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from . import outputs as out
from .documents import document
from .encryption_key import EncryptionKey
from .scope import DisasterRecovery
from .spec import BucketSpec, EnvironmentSpec
from .tagging import tags_for


def tls_only_statements(bucket_arn: pulumi.Input[str]) -> pulumi.Output[list[dict[str, Any]]]:
    """Deny every request that is not TLS 1.2+ (FSBP S3.5), for the bucket and its objects."""
    return pulumi.Output.from_input(bucket_arn).apply(
        lambda arn: [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyOutdatedTls",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
            },
        ]
    )


@dataclass(frozen=True)
class Hardening:
    """The satellite resources every bucket of this collection gets."""

    public_access_block: aws.s3.BucketPublicAccessBlock
    versioning: aws.s3.BucketVersioning
    encryption: aws.s3.BucketServerSideEncryptionConfiguration


def harden(
    name: str,
    bucket: aws.s3.Bucket,
    parent: pulumi.Resource,
    kms_key_arn: pulumi.Input[str] | None,
    block_public_access: bool = True,
) -> Hardening:
    """Block public access, enforce bucket-owner ownership, version, encrypt a bucket.

    `kms_key_arn=None` means SSE-S3, which S3 requires for server access log targets.
    """
    opts = pulumi.ResourceOptions(parent=parent)
    block = aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access-block",
        bucket=bucket.id,
        block_public_acls=block_public_access,
        block_public_policy=block_public_access,
        ignore_public_acls=block_public_access,
        restrict_public_buckets=block_public_access,
        opts=opts,
    )
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership",
        bucket=bucket.id,
        rule={"object_ownership": "BucketOwnerEnforced"},
        opts=opts,
    )
    versioning = aws.s3.BucketVersioning(
        f"{name}-versioning",
        bucket=bucket.id,
        versioning_configuration={"status": "Enabled"},
        opts=opts,
    )
    if kms_key_arn is None:
        default: dict[str, Any] = {"sse_algorithm": "AES256"}
        rule: dict[str, Any] = {"apply_server_side_encryption_by_default": default}
    else:
        default = {"sse_algorithm": "aws:kms", "kms_master_key_id": kms_key_arn}
        # Bucket keys cut KMS requests (and cost) by orders of magnitude.
        rule = {"apply_server_side_encryption_by_default": default, "bucket_key_enabled": True}
    encryption = aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption", bucket=bucket.id, rules=[rule], opts=opts
    )
    return Hardening(block, versioning, encryption)


def bucket_policy(
    name: str,
    bucket: aws.s3.Bucket,
    parent: pulumi.Resource,
    extra: pulumi.Input[list[dict[str, Any]]] | None = None,
    depends_on: list[pulumi.Resource] | None = None,
) -> aws.s3.BucketPolicy:
    """The bucket's policy: TLS-only, plus `extra` statements."""
    statements = pulumi.Output.all(tls_only_statements(bucket.arn), extra or []).apply(
        lambda parts: [*parts[0], *parts[1]]
    )
    return aws.s3.BucketPolicy(
        f"{name}-policy",
        bucket=bucket.id,
        policy=statements.apply(lambda s: pulumi.Output.json_dumps(document(*s))),
        # S3 rejects a bucket policy while Block Public Access is still being applied.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on or []),
    )


def lifecycle_rules(settings: BucketSpec, transitions: bool = True) -> list[dict[str, Any]]:
    """Lifecycle rules from the spec; the first (noncurrent expiry, aborted uploads) always.

    The first rule also removes *expired object delete markers* (a delete marker left with
    no version behind it once the versions expired): without it every expired key keeps a
    marker forever, and listing slows down with them. `transitions=False` leaves out the
    storage-class moves (the DR copy's storage class is the replication rule's choice).
    """
    rules: list[dict[str, Any]] = [
        {
            "id": "expire-noncurrent-versions",
            "status": "Enabled",
            "filter": {},
            # S3 refuses `expired_object_delete_marker` beside `days` in one expiration,
            # so current-version expiry is a rule of its own (below).
            "expiration": {"expired_object_delete_marker": True},
            "noncurrent_version_expiration": {
                "noncurrent_days": settings.noncurrent_version_expiration_days
            },
            "abort_incomplete_multipart_upload": {
                "days_after_initiation": settings.abort_incomplete_multipart_upload_days
            },
        }
    ]
    if settings.transitions and transitions:
        rules.append(
            {
                "id": "transition-current-versions",
                "status": "Enabled",
                "filter": {},
                "transitions": [
                    {"days": t.days, "storage_class": t.storage_class} for t in settings.transitions
                ],
            }
        )
    if settings.expiration_days is not None:
        rules.append(
            {
                "id": "expire-current-versions",
                "status": "Enabled",
                "filter": {},
                "expiration": {"days": settings.expiration_days},
            }
        )
    return rules


@dataclass(frozen=True)
class LogBucketArgs:
    """Arguments of LogBucket."""

    spec: EnvironmentSpec
    """The environment (tags, retention, force_destroy, protect)."""


class LogBucket(pulumi.ComponentResource):
    """The environment's server-access-log bucket (SSE-S3, as S3 requires for log targets)."""

    name: pulumi.Output[str]
    """Physical bucket name."""
    arn: pulumi.Output[str]
    """Bucket ARN."""

    def __init__(
        self, name: str, args: LogBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("backend-storage:s3:LogBucket", name, None, opts)
        spec = args.spec
        protect = spec.defaults.protect
        self.bucket = aws.s3.Bucket(
            f"{name}-bucket",
            force_destroy=spec.defaults.buckets.force_destroy,
            tags=tags_for(spec, "internal", {"purpose": "s3-server-access-logs"}),
            opts=pulumi.ResourceOptions(parent=self, protect=protect, retain_on_delete=protect),
        )
        hardening = harden(name, self.bucket, self, kms_key_arn=None)
        retention = spec.defaults.buckets.access_log_retention_days
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                {
                    "id": "expire-access-logs",
                    "status": "Enabled",
                    "filter": {},
                    "expiration": {"days": retention},
                    "noncurrent_version_expiration": {"noncurrent_days": 1},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
                },
                {
                    # Not beside `days` above: S3 refuses both in one expiration.
                    "id": "remove-expired-delete-markers",
                    "status": "Enabled",
                    "filter": {},
                    "expiration": {"expired_object_delete_marker": True},
                },
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[hardening.versioning]),
        )
        log_delivery = self.bucket.arn.apply(
            lambda arn: [
                {
                    "Sid": "AllowServerAccessLogDelivery",
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"{arn}/*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": spec.account_id}},
                }
            ]
        )
        bucket_policy(name, self.bucket, self, log_delivery, [hardening.public_access_block])
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.register_outputs({"name": self.name, "arn": self.arn})


@dataclass(frozen=True)
class ObjectBucketArgs:
    """Arguments of ObjectBucket."""

    spec: EnvironmentSpec
    """The environment (account, regions, tags, protect)."""
    logical_name: str
    """The bucket's key in the stack file."""
    bucket: BucketSpec
    """The bucket's own settings, tier defaults already layered in."""
    key: EncryptionKey
    """The environment's key for this bucket's data class (its DR replica for the DR copy)."""
    log_bucket: LogBucket
    """Target of the server access logs."""
    dr_provider: aws.Provider | None = None
    """When set, a replica bucket is created in the DR region and objects replicate to it."""
    dr_log_bucket: LogBucket | None = None
    """Target of the DR bucket's server access logs."""


class ObjectBucket(pulumi.ComponentResource):
    """An S3 bucket secure by default.

    All four Block Public Access flags, BucketOwnerEnforced (no ACLs), versioning,
    SSE-KMS with the environment's key and bucket keys, a TLS-only policy, lifecycle
    rules, server access logging, optional Object Lock and, with DR, cross-region
    replication to a bucket hardened the same way, through a role that may use
    exactly the two keys.
    """

    name: pulumi.Output[str]
    """Physical bucket name."""
    arn: pulumi.Output[str]
    """Bucket ARN."""
    kms_key_arn: pulumi.Output[str]
    """ARN of the key that encrypts the bucket."""
    dr_name: pulumi.Output[str] | None
    """Physical name of the DR replica bucket (None without DR)."""
    dr_arn: pulumi.Output[str] | None
    """ARN of the DR replica bucket (None without DR)."""

    def __init__(
        self, name: str, args: ObjectBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("backend-storage:s3:ObjectBucket", name, None, opts)
        spec, settings = args.spec, args.bucket
        self._args = args
        self.data_class = settings.data_classification
        self.key = args.key
        protect = spec.defaults.protect
        tags = tags_for(spec, settings.data_classification, settings.tags)
        locked = settings.object_lock is not None
        self.bucket = aws.s3.Bucket(
            f"{name}-bucket",
            object_lock_enabled=locked,
            # Object-locked buckets can never be emptied by force: keep the flag honest.
            force_destroy=settings.force_destroy and not locked,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, protect=protect, retain_on_delete=protect),
        )
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.kms_key_arn = args.key.arn
        hardening = harden(name, self.bucket, self, args.key.arn, settings.block_public_access)
        self._lifecycle(name, self.bucket, lifecycle_rules(settings), hardening.versioning)
        if settings.access_logging:
            self._logging(name, self.bucket, args.log_bucket, args.logical_name)
        if settings.object_lock is not None:
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-object-lock",
                bucket=self.bucket.id,
                object_lock_enabled="Enabled",
                rule={
                    "default_retention": {
                        "mode": settings.object_lock.mode,
                        "days": settings.object_lock.days,
                    }
                },
                opts=pulumi.ResourceOptions(parent=self, depends_on=[hardening.versioning]),
            )
        self.policy = bucket_policy(name, self.bucket, self, None, [hardening.public_access_block])
        self.replication_role: aws.iam.Role | None = None
        self.dr_bucket: aws.s3.Bucket | None = None
        self.dr_name = None
        self.dr_arn = None
        if args.dr_provider is not None and args.key.dr_arn is not None:
            self._replicate(name, args, tags, hardening)
        self.register_outputs(
            {
                "name": self.name,
                "arn": self.arn,
                "kms_key_arn": self.kms_key_arn,
                "dr_name": self.dr_name,
                "dr_arn": self.dr_arn,
            }
        )

    def _lifecycle(
        self, name: str, bucket: aws.s3.Bucket, rules: list[dict[str, Any]], versioning: Any
    ) -> None:
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=rules,
            # S3 evaluates noncurrent-version rules only once versioning is on.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )

    def _logging(self, name: str, bucket: aws.s3.Bucket, target: LogBucket, logical: str) -> None:
        aws.s3.BucketLogging(
            f"{name}-logging",
            bucket=bucket.id,
            target_bucket=target.name,
            target_prefix=f"{logical}/",
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _replicate(
        self, name: str, args: ObjectBucketArgs, tags: dict[str, str], hardening: Hardening
    ) -> None:
        spec, settings, key = args.spec, args.bucket, args.key
        assert args.dr_provider is not None and key.dr_arn is not None
        protect = spec.defaults.protect
        scope = DisasterRecovery(
            f"{name}-dr", args.dr_provider, pulumi.ResourceOptions(parent=self)
        )
        dr_bucket = aws.s3.Bucket(
            f"{name}-dr-bucket",
            object_lock_enabled=settings.object_lock is not None,
            force_destroy=settings.force_destroy and settings.object_lock is None,
            tags={**tags, "replica-of": args.logical_name},
            opts=pulumi.ResourceOptions(parent=scope, protect=protect, retain_on_delete=protect),
        )
        dr_hardening = harden(f"{name}-dr", dr_bucket, scope, key.dr_arn)
        # The replica expires like the source, with rules of its own: S3 does not
        # replicate the delete markers that a lifecycle expiration creates ("Replicating
        # delete markers between buckets": markers from lifecycle actions are not
        # replicated), so without its own current-version expiration the DR copy would
        # keep every object forever.
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-dr-lifecycle",
            bucket=dr_bucket.id,
            rules=lifecycle_rules(settings, transitions=False),
            opts=pulumi.ResourceOptions(parent=scope, depends_on=[dr_hardening.versioning]),
        )
        if args.dr_log_bucket is not None:
            aws.s3.BucketLogging(
                f"{name}-dr-logging",
                bucket=dr_bucket.id,
                target_bucket=args.dr_log_bucket.name,
                target_prefix=f"{args.logical_name}/",
                opts=pulumi.ResourceOptions(parent=scope),
            )
        bucket_policy(f"{name}-dr", dr_bucket, scope, None, [dr_hardening.public_access_block])
        role = self._replication_role(name, args, dr_bucket, tags)
        aws.s3.BucketReplicationConfig(
            f"{name}-replication",
            bucket=self.bucket.id,
            role=role.arn,
            rules=[
                {
                    "id": "disaster-recovery",
                    "status": "Enabled",
                    "priority": 1,
                    "filter": {},
                    "delete_marker_replication": {"status": "Enabled"},
                    "source_selection_criteria": {
                        "sse_kms_encrypted_objects": {"status": "Enabled"}
                    },
                    "destination": {
                        "bucket": dr_bucket.arn,
                        "storage_class": "STANDARD",
                        "encryption_configuration": {"replica_kms_key_id": key.dr_arn},
                        "metrics": {"status": "Enabled", "event_threshold": {"minutes": 15}},
                        "replication_time": {"status": "Enabled", "time": {"minutes": 15}},
                    },
                }
            ],
            # Replication needs versioning on both sides first.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[hardening.versioning, dr_hardening.versioning]
            ),
        )
        self.replication_role = role
        self.dr_bucket = dr_bucket
        self.dr_name = dr_bucket.bucket
        self.dr_arn = dr_bucket.arn

    def _replication_role(
        self, name: str, args: ObjectBucketArgs, dr_bucket: aws.s3.Bucket, tags: dict[str, str]
    ) -> aws.iam.Role:
        spec, key = args.spec, args.key
        trust = document(
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": spec.account_id}},
            }
        )
        role = aws.iam.Role(
            f"{name}-replication-role",
            assume_role_policy=pulumi.Output.json_dumps(trust),
            description=f"S3 replication of {args.logical_name} to the DR region",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        permissions = pulumi.Output.all(
            source=self.bucket.arn, target=dr_bucket.arn, key=key.arn, dr_key=key.dr_arn
        ).apply(
            lambda a: document(
                {
                    "Sid": "ReadSourceConfiguration",
                    "Effect": "Allow",
                    "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                    "Resource": a["source"],
                },
                {
                    "Sid": "ReadSourceVersions",
                    "Effect": "Allow",
                    "Action": [
                        "s3:GetObjectVersionForReplication",
                        "s3:GetObjectVersionAcl",
                        "s3:GetObjectVersionTagging",
                        "s3:GetObjectRetention",
                        "s3:GetObjectLegalHold",
                    ],
                    "Resource": f"{a['source']}/*",
                },
                {
                    "Sid": "WriteReplicas",
                    "Effect": "Allow",
                    "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                    "Resource": f"{a['target']}/*",
                },
                {
                    "Sid": "DecryptSource",
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": a["key"],
                    # With Bucket Keys the context is the bucket ARN; objects written
                    # before they were on carry the object ARN: accept both.
                    "Condition": {
                        "StringEquals": {"kms:ViaService": f"s3.{spec.region}.amazonaws.com"},
                        "StringLike": {
                            "kms:EncryptionContext:aws:s3:arn": [a["source"], f"{a['source']}/*"]
                        },
                    },
                },
                {
                    "Sid": "EncryptReplicas",
                    "Effect": "Allow",
                    "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                    "Resource": a["dr_key"],
                    "Condition": {
                        "StringEquals": {"kms:ViaService": f"s3.{spec.dr_region}.amazonaws.com"},
                        "StringLike": {
                            "kms:EncryptionContext:aws:s3:arn": [a["target"], f"{a['target']}/*"]
                        },
                    },
                },
            )
        )
        aws.iam.RolePolicy(
            f"{name}-replication-policy",
            role=role.id,
            policy=pulumi.Output.json_dumps(permissions),
            opts=pulumi.ResourceOptions(parent=role),
        )
        return role

    def outputs(self) -> dict[str, Any]:
        """This bucket's entry in the `buckets` stack output."""
        spec = self._args.spec
        replicated = self.dr_bucket is not None
        return {
            out.BUCKET_NAME: self.name,
            out.BUCKET_ARN: self.arn,
            out.BUCKET_REGION: spec.region,
            out.BUCKET_KMS_KEY_ARN: self.kms_key_arn,
            out.BUCKET_DR_NAME: self.dr_name,
            out.BUCKET_DR_ARN: self.dr_arn,
            out.BUCKET_DR_REGION: spec.dr_region if replicated else None,
            out.BUCKET_DR_KMS_KEY_ARN: self.key.dr_arn if replicated else None,
            out.BUCKET_LOG_BUCKET_NAME: self._args.log_bucket.name,
        }
