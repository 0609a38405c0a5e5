"""Least-privilege IAM documents for applications, built from declared grants.

Pure functions over plain strings: the component (`components/access.py`) resolves the
ARNs of the granted stores and calls these; the tests call them with literal ARNs.

Every statement names exact resources (bucket, object prefix, key, database user,
cache user, secret) and only the actions its grant level needs: no wildcard action,
no `"Resource": "*"`. Statement ids (`Sid`) are derived from the store names, so a
document is stable from one run to the next and a diff names what changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from .documents import document

Access = Literal["read", "write", "readwrite"]

POLICY_SIZE_LIMIT = 6144
"""IAM's limit on a customer-managed policy document, in characters, whitespace excluded."""

MAX_MANAGED_POLICIES_PER_ROLE = 10
"""IAM's default quota of managed policies attached to one role."""

READ_OBJECT_ACTIONS = ("s3:GetObject",)
"""Object actions of `read`: fetch current objects; no listing of versions, no ACLs."""

WRITE_OBJECT_ACTIONS = ("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject")
"""Object actions of `write`. `s3:DeleteObject` on a versioned bucket only adds a delete
marker (recoverable); `s3:DeleteObjectVersion` (permanent) is never granted."""

LIST_ACTIONS = ("s3:ListBucket",)
"""Bucket action of `read`: list keys (under the prefix when one is set)."""

WRITE_ACTIONS = frozenset(
    {
        "s3:PutObject",
        "s3:PutObjectAcl",
        "s3:PutObjectTagging",
        "s3:PutObjectRetention",
        "s3:PutObjectLegalHold",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:DeleteObjectTagging",
        "s3:AbortMultipartUpload",
        "s3:RestoreObject",
        "s3:BypassGovernanceRetention",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:ReEncryptTo",
    }
)
"""Actions that create, change or delete data: a `read` grant yields none of them."""


def s3_object_actions(access: Access) -> list[str]:
    """Object-level S3 actions of a grant level, sorted."""
    actions: set[str] = set()
    if access in ("read", "readwrite"):
        actions.update(READ_OBJECT_ACTIONS)
    if access in ("write", "readwrite"):
        actions.update(WRITE_OBJECT_ACTIONS)
    return sorted(actions)


def kms_actions(access: Access) -> list[str]:
    """Key actions S3 performs on the caller's behalf for a grant level, sorted.

    Reading decrypts; writing generates data keys, and decrypts too because S3 needs
    the data key again to complete a multipart upload.
    """
    if access == "read":
        return ["kms:Decrypt"]
    return ["kms:Decrypt", "kms:GenerateDataKey"]


@dataclass(frozen=True)
class BucketAccess:
    """A bucket grant with its resolved ARNs."""

    store: str
    """The bucket's logical name (its key in the stack file)."""
    access: Access
    """Grant level."""
    bucket_arn: str
    """`arn:aws:s3:::<bucket>`."""
    key_arn: str
    """ARN of the KMS key that encrypts the bucket."""
    prefix: str | None = None
    """When set, objects (and listing) are limited to keys starting with it."""
    dr_bucket_arn: str | None = None
    """The bucket's DR copy, granted alike after a failover (None: not granted)."""
    dr_key_arn: str | None = None
    """The DR replica key encrypting the DR copy."""


@dataclass(frozen=True)
class DatabaseAccess:
    """A database grant with the resource ids of the instances (or cluster) it reaches."""

    store: str
    """The database's logical name."""
    user: str
    """Database user the application connects as (IAM authentication)."""
    resource_ids: tuple[str, ...]
    """`DbiResourceId`s of the instances behind the granted endpoint, or the Aurora
    cluster's `DbClusterResourceId`."""
    dr_resource_ids: tuple[str, ...] = ()
    """Resource id of the DR copy (replica instance or secondary cluster), granted after a
    failover; in the request's `dr_region`."""


@dataclass(frozen=True)
class CacheAccess:
    """A cache grant for IAM authentication: the replication group and the app's user."""

    store: str
    """The cache's logical name."""
    replication_group_arn: str
    """ARN of the ElastiCache replication group."""
    user_arn: str
    """ARN of the application's ElastiCache user."""


@dataclass(frozen=True)
class SecretAccess:
    """Read one secret (a cache user's password, when the cache uses passwords)."""

    store: str
    """The store the secret belongs to."""
    secret_arn: str
    """ARN of the Secrets Manager secret."""
    key_arn: str | None = None
    """Customer-managed key encrypting the secret; None for the AWS-managed key."""


TABLE_READ_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
)
"""Item actions of a `read` table grant (TransactGetItems is authorised as GetItem)."""

TABLE_WRITE_ACTIONS = (
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)
"""Item actions of a `write` table grant (TransactWriteItems is authorised per item)."""

INDEX_READ_ACTIONS = ("dynamodb:Query", "dynamodb:Scan")
"""What a read grant may do on an index: indexes are read-only."""


def table_actions(access: Access) -> list[str]:
    """Item-level DynamoDB actions of a grant level, sorted."""
    actions: set[str] = set()
    if access in ("read", "readwrite"):
        actions.update(TABLE_READ_ACTIONS)
    if access in ("write", "readwrite"):
        actions.update(TABLE_WRITE_ACTIONS)
    return sorted(actions)


def table_kms_actions(access: Access) -> list[str]:
    """Key actions a table grant needs, through DynamoDB only, sorted.

    DynamoDB uses a customer-managed table key with the caller's authority (the KMS
    developer guide's DynamoDB key policy delegates to IAM with `kms:ViaService`):
    reads decrypt; writes also encrypt.
    """
    if access == "read":
        return ["kms:Decrypt", "kms:DescribeKey"]
    return ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]


@dataclass(frozen=True)
class TableAccess:
    """A table grant with its resolved ARNs."""

    store: str
    """The table's logical name."""
    access: Access
    """Grant level."""
    table_arns: tuple[str, ...]
    """The table's ARN, then its replicas' ARNs when the grant reaches them."""
    index_names: tuple[str, ...]
    """Indexes a read grant may query (empty: none)."""
    key_arns: tuple[str, ...]
    """Keys of the table and of the granted replicas."""
    regions: tuple[str, ...]
    """Regions of those tables (the keys are used through DynamoDB there only)."""


@dataclass(frozen=True)
class PermissionRequest:
    """Everything one application's permission documents are built from."""

    region: str
    account_id: str
    buckets: tuple[BucketAccess, ...] = ()
    databases: tuple[DatabaseAccess, ...] = ()
    caches: tuple[CacheAccess, ...] = ()
    secrets: tuple[SecretAccess, ...] = ()
    partition: str = "aws"
    dr_region: str | None = None
    """Region of the DR copies named by the grants (None: no DR grant)."""
    tables: tuple[TableAccess, ...] = ()


def sid(*parts: str) -> str:
    """A statement id from words and names: `("Bucket", "invoices-2024")` → `BucketInvoices2024`.

    IAM allows only ASCII letters and digits in a Sid.
    """
    words = [w for part in parts for w in re.split(r"[^A-Za-z0-9]+", part) if w]
    return "".join(w[:1].upper() + w[1:] for w in words)


def object_resource(bucket_arn: str, prefix: str | None) -> str:
    """The object ARN pattern a grant covers: every key, or every key under the prefix."""
    return f"{bucket_arn}/{prefix or ''}*"


def bucket_statements(
    grant: BucketAccess, region: str, dr_region: str | None = None
) -> list[dict[str, Any]]:
    """Statements of one bucket grant: list (read), objects, and the bucket's key via S3;
    the same again for the DR copy when the grant names one (after a failover)."""
    statements = _bucket_copy_statements(grant, grant.bucket_arn, grant.key_arn, region, "")
    if grant.dr_bucket_arn is not None and grant.dr_key_arn is not None:
        if dr_region is None:
            raise ValueError(f"bucket '{grant.store}': a DR grant needs the DR region")
        statements += _bucket_copy_statements(
            grant, grant.dr_bucket_arn, grant.dr_key_arn, dr_region, "Dr"
        )
    return statements


def _bucket_copy_statements(
    grant: BucketAccess, bucket_arn: str, key_arn: str, region: str, copy: str
) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    if grant.access in ("read", "readwrite"):
        listing: dict[str, Any] = {
            "Sid": sid("Bucket", grant.store, copy, "List"),
            "Effect": "Allow",
            "Action": list(LIST_ACTIONS),
            "Resource": bucket_arn,
        }
        if grant.prefix:
            # Without a prefix parameter the condition key is absent and the request
            # is denied: listing is confined to the granted prefix.
            listing["Condition"] = {"StringLike": {"s3:prefix": [f"{grant.prefix}*"]}}
        statements.append(listing)
    statements.append(
        {
            "Sid": sid("Bucket", grant.store, copy, "Objects"),
            "Effect": "Allow",
            "Action": s3_object_actions(grant.access),
            "Resource": object_resource(bucket_arn, grant.prefix),
        }
    )
    statements.append(
        {
            "Sid": sid("Bucket", grant.store, copy, "Key"),
            "Effect": "Allow",
            "Action": kms_actions(grant.access),
            "Resource": key_arn,
            "Condition": {
                "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                # With S3 Bucket Keys the context is the bucket ARN, without them the
                # object ARN: both stay inside this bucket (and prefix).
                "StringLike": {
                    "kms:EncryptionContext:aws:s3:arn": [
                        bucket_arn,
                        object_resource(bucket_arn, grant.prefix),
                    ]
                },
            },
        }
    )
    return statements


def rds_db_user_arn(
    partition: str, region: str, account_id: str, resource_id: str, user: str
) -> str:
    """`arn:aws:rds-db:<region>:<account>:dbuser:<resource-id>/<db-user>`."""
    return f"arn:{partition}:rds-db:{region}:{account_id}:dbuser:{resource_id}/{user}"


def database_statement(grant: DatabaseAccess, request: PermissionRequest) -> dict[str, Any]:
    """`rds-db:connect` as exactly one database user, on exactly the granted instances."""
    if not grant.resource_ids:
        raise ValueError(f"database '{grant.store}': no instance to connect to")
    resources = [
        rds_db_user_arn(request.partition, request.region, request.account_id, rid, grant.user)
        for rid in grant.resource_ids
    ]
    if grant.dr_resource_ids:
        if request.dr_region is None:
            raise ValueError(f"database '{grant.store}': a DR grant needs the DR region")
        # After a failover the DR copy is the writer: the same user, on its resource id.
        resources += [
            rds_db_user_arn(
                request.partition, request.dr_region, request.account_id, rid, grant.user
            )
            for rid in grant.dr_resource_ids
        ]
    return {
        "Sid": sid("Database", grant.store, "Connect"),
        "Effect": "Allow",
        "Action": "rds-db:connect",
        "Resource": resources[0] if len(resources) == 1 else resources,
    }


def cache_statement(grant: CacheAccess) -> dict[str, Any]:
    """`elasticache:Connect` to the replication group as the application's own user."""
    return {
        "Sid": sid("Cache", grant.store, "Connect"),
        "Effect": "Allow",
        "Action": "elasticache:Connect",
        "Resource": [grant.replication_group_arn, grant.user_arn],
    }


def secret_statements(grant: SecretAccess, region: str) -> list[dict[str, Any]]:
    """Read one secret's value, and decrypt it through Secrets Manager only."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": sid("Secret", grant.store, "Read"),
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": grant.secret_arn,
        }
    ]
    if grant.key_arn is not None:
        statements.append(
            {
                "Sid": sid("Secret", grant.store, "Key"),
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": grant.key_arn,
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": f"secretsmanager.{region}.amazonaws.com",
                        "kms:EncryptionContext:SecretARN": grant.secret_arn,
                    }
                },
            }
        )
    return statements


def table_statements(grant: TableAccess) -> list[dict[str, Any]]:
    """Items of the table (and granted replicas), its indexes for reads, its keys via DynamoDB."""
    tables = list(grant.table_arns)
    statements: list[dict[str, Any]] = [
        {
            "Sid": sid("Table", grant.store, "Items"),
            "Effect": "Allow",
            "Action": table_actions(grant.access),
            "Resource": tables[0] if len(tables) == 1 else tables,
        }
    ]
    if grant.access != "write" and grant.index_names:
        indexes = [f"{arn}/index/{name}" for arn in tables for name in grant.index_names]
        statements.append(
            {
                "Sid": sid("Table", grant.store, "Indexes"),
                "Effect": "Allow",
                "Action": list(INDEX_READ_ACTIONS),
                "Resource": indexes[0] if len(indexes) == 1 else indexes,
            }
        )
    keys = list(grant.key_arns)
    statements.append(
        {
            "Sid": sid("Table", grant.store, "Key"),
            "Effect": "Allow",
            "Action": table_kms_actions(grant.access),
            "Resource": keys[0] if len(keys) == 1 else keys,
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": [f"dynamodb.{r}.amazonaws.com" for r in grant.regions]
                }
            },
        }
    )
    return statements


def permission_statements(request: PermissionRequest) -> list[dict[str, Any]]:
    """All statements of an application, in a fixed order: buckets, databases, caches,
    secrets, each sorted by store name."""
    statements: list[dict[str, Any]] = []
    for bucket in sorted(request.buckets, key=lambda g: g.store):
        statements += bucket_statements(bucket, request.region, request.dr_region)
    for database in sorted(request.databases, key=lambda g: g.store):
        statements.append(database_statement(database, request))
    for cache in sorted(request.caches, key=lambda g: g.store):
        statements.append(cache_statement(cache))
    for secret in sorted(request.secrets, key=lambda g: g.store):
        statements += secret_statements(secret, request.region)
    for table in sorted(request.tables, key=lambda g: g.store):
        statements += table_statements(table)
    seen: set[str] = set()
    for statement in statements:
        if statement["Sid"] in seen:
            raise ValueError(
                f"two grants yield the statement id {statement['Sid']}: rename one of the stores"
            )
        seen.add(statement["Sid"])
    return statements


def policy_size(policy: dict[str, Any]) -> int:
    """Characters IAM counts against the size limit: the JSON without whitespace."""
    rendered = json.dumps(policy, separators=(",", ":"))
    # `str.split()` splits on exactly the characters `str.isspace` names: what is left
    # joined is the text without whitespace, counted in C rather than per character.
    return len("".join(rendered.split()))


def plan_documents(
    statements: Sequence[dict[str, Any]], limit: int = POLICY_SIZE_LIMIT
) -> list[list[str]]:
    """Group statements (by Sid) into documents that each fit `limit`.

    Greedy and order-preserving: the same statements always give the same groups, and
    adding a grant at the end never moves an earlier statement to another document.
    """
    groups: list[list[dict[str, Any]]] = []
    for statement in statements:
        if policy_size(document(statement)) > limit:
            raise ValueError(
                f"statement {statement['Sid']} alone exceeds IAM's policy size limit ({limit})"
            )
        if groups and policy_size(document(*groups[-1], statement)) <= limit:
            groups[-1].append(statement)
        else:
            groups.append([statement])
    return [[s["Sid"] for s in group] for group in groups]


def render_documents(
    statements: Iterable[dict[str, Any]], plan: Sequence[Sequence[str]]
) -> list[dict[str, Any]]:
    """The documents of `plan`, filled with `statements` (matched by Sid)."""
    by_sid = {s["Sid"]: s for s in statements}
    if set(by_sid) != {s for group in plan for s in group}:
        raise ValueError("the statements do not match the document plan")
    return [document(*(by_sid[s] for s in group)) for group in plan]


def split_documents(
    statements: Sequence[dict[str, Any]], limit: int = POLICY_SIZE_LIMIT
) -> list[dict[str, Any]]:
    """Statements packed into as few documents as `plan_documents` allows."""
    return render_documents(statements, plan_documents(statements, limit))


# Sizing before the ARNs are known --------------------------------------------------

# The number of managed policies must be fixed when the program runs, but ARNs are only
# known after deployment (and are unknown during preview). Documents are therefore
# planned with every ARN at the longest AWS allows, so a real document is never larger
# than its plan, and the same grants always give the same policies.
_LONGEST_PARTITION = "aws-us-gov"
_LONGEST_BUCKET_NAME = 63
_LONGEST_KEY_ID = 36  # a UUID, or `mrk-` + 32 hex digits for multi-Region keys
_LONGEST_RDS_RESOURCE_ID = 64  # `db-` / `cluster-` + 26 characters today
_LONGEST_ELASTICACHE_ID = 64  # replication group ids are at most 40, user ids at most 40
_LONGEST_SECRET_NAME = 512 + 7  # a name of up to 512 characters, then `-` + 6 random
_LONGEST_TABLE_NAME = 255


def with_longest_arns(request: PermissionRequest) -> PermissionRequest:
    """The same grants with every ARN (and resource id) at its longest possible length."""
    region, account = request.region, request.account_id
    arn = f"arn:{_LONGEST_PARTITION}"
    key = f"{arn}:kms:{region}:{account}:key/{'k' * _LONGEST_KEY_ID}"
    dr_key = f"{arn}:kms:{request.dr_region}:{account}:key/{'k' * _LONGEST_KEY_ID}"
    longest_bucket = f"{arn}:s3:::{'b' * _LONGEST_BUCKET_NAME}"
    elasticache = f"{arn}:elasticache:{region}:{account}"
    longest_id = "i" * _LONGEST_ELASTICACHE_ID
    secret = f"{arn}:secretsmanager:{region}:{account}:secret:{'s' * _LONGEST_SECRET_NAME}"
    return replace(
        request,
        partition=_LONGEST_PARTITION,
        buckets=tuple(
            replace(
                b,
                bucket_arn=longest_bucket,
                key_arn=key,
                dr_bucket_arn=None if b.dr_bucket_arn is None else longest_bucket,
                dr_key_arn=None if b.dr_key_arn is None else dr_key,
            )
            for b in request.buckets
        ),
        databases=tuple(
            replace(
                d,
                resource_ids=tuple("r" * _LONGEST_RDS_RESOURCE_ID for _ in d.resource_ids),
                dr_resource_ids=tuple("r" * _LONGEST_RDS_RESOURCE_ID for _ in d.dr_resource_ids),
            )
            for d in request.databases
        ),
        caches=tuple(
            replace(
                c,
                replication_group_arn=f"{elasticache}:replicationgroup:{longest_id}",
                user_arn=f"{elasticache}:user:{longest_id}",
            )
            for c in request.caches
        ),
        secrets=tuple(
            replace(
                s,
                secret_arn=secret,
                key_arn=None if s.key_arn is None else key,
            )
            for s in request.secrets
        ),
        tables=tuple(
            replace(
                t,
                table_arns=tuple(
                    f"{arn}:dynamodb:{r}:{account}:table/{'t' * _LONGEST_TABLE_NAME}"
                    for r in t.regions
                ),
                key_arns=tuple(
                    f"{arn}:kms:{r}:{account}:key/{'k' * _LONGEST_KEY_ID}" for r in t.regions
                ),
            )
            for t in request.tables
        ),
    )


def plan_for(request: PermissionRequest, limit: int = POLICY_SIZE_LIMIT) -> list[list[str]]:
    """The document plan (Sids per managed policy) that holds for any ARNs of `request`'s shape."""
    return plan_documents(permission_statements(with_longest_arns(request)), limit)


# Trust policies ---------------------------------------------------------------------


def oidc_issuer(oidc_provider_arn: str) -> str:
    """`arn:aws:iam::<acct>:oidc-provider/<issuer>` → `<issuer>` (prefix of its condition keys)."""
    marker = ":oidc-provider/"
    if marker not in oidc_provider_arn:
        raise ValueError(f"not an OIDC provider ARN: {oidc_provider_arn}")
    return oidc_provider_arn.split(marker, 1)[1]


def irsa_trust_policy(
    oidc_provider_arn: str, namespace: str, service_account: str
) -> dict[str, Any]:
    """IRSA: only this service account's projected token, issued for STS, may assume."""
    issuer = oidc_issuer(oidc_provider_arn)
    return document(
        {
            "Sid": "AssumeFromServiceAccount",
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                    f"{issuer}:aud": "sts.amazonaws.com",
                }
            },
        }
    )


def pod_identity_trust_policy(
    cluster_name: str, namespace: str, service_account: str
) -> dict[str, Any]:
    """EKS Pod Identity: the EKS Auth service assumes the role and tags the session.

    The session tags EKS sets (cluster, namespace, service account) are required to
    match, so another association in the account cannot reuse this role.
    """
    return document(
        {
            "Sid": "AssumeThroughPodIdentity",
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {
                "StringEquals": {
                    "aws:RequestTag/eks-cluster-name": cluster_name,
                    "aws:RequestTag/kubernetes-namespace": namespace,
                    "aws:RequestTag/kubernetes-service-account": service_account,
                }
            },
        }
    )


def service_trust_policy(service: str, account_id: str) -> dict[str, Any]:
    """An AWS service principal, on behalf of this account only (confused deputy)."""
    return document(
        {
            "Sid": "AssumeByService",
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }
    )
