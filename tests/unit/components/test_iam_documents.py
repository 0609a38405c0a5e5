"""The permission and trust documents, as pure functions: pinned per grant kind, and properties."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components import iam_documents as docs
from components.access import (
    ApplicationAccessArgs,
    BucketTarget,
    CacheTarget,
    DatabaseTarget,
    permission_request,
    request_shape,
)
from components.spec import ApplicationSpec, BucketGrant, DatabaseGrant, Grants
from stackspec import load_stack_file
from tests.plans import REPO

REGION = "eu-west-1"
ACCOUNT = "111122223333"
BUCKET = "arn:aws:s3:::backend-storage-prod-invoices-bucket-e5dc1a8"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/mrk-e092ca197068c671ba6c6410071869c9"
GROUP = "arn:aws:elasticache:eu-west-1:111122223333:replicationgroup:backend-storage-prod-sessions"
USER = "arn:aws:elasticache:eu-west-1:111122223333:user:backend-storage-prod-sessions-orders-api"
SECRET = (
    "arn:aws:secretsmanager:eu-west-1:111122223333:secret:backend-storage-prod-catalog-x-AbCdEf"
)
OIDC = (
    "arn:aws:iam::111122223333:oidc-provider/"
    "oidc.eks.eu-west-1.amazonaws.com/id/5C4E1D0B8F0A4E2B9A7D3C6E1F2A3B4C"
)
ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/5C4E1D0B8F0A4E2B9A7D3C6E1F2A3B4C"


def statements_of(**grants: Any) -> list[dict[str, Any]]:
    """The statements of a request holding only `grants`."""
    return docs.permission_statements(docs.PermissionRequest(REGION, ACCOUNT, **grants))


def key_statement(actions: list[str], objects: str) -> dict[str, Any]:
    return {
        "Sid": "BucketInvoicesKey",
        "Effect": "Allow",
        "Action": actions,
        "Resource": KEY,
        "Condition": {
            "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"},
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": [BUCKET, objects]},
        },
    }


# Pinned documents, one per grant kind ---------------------------------------------------


def test_bucket_read_grant_yields_list_get_and_decrypt_only() -> None:
    grant = docs.BucketAccess("invoices", "read", BUCKET, KEY)
    assert statements_of(buckets=(grant,)) == [
        {
            "Sid": "BucketInvoicesList",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": BUCKET,
        },
        {
            "Sid": "BucketInvoicesObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": f"{BUCKET}/*",
        },
        key_statement(["kms:Decrypt"], f"{BUCKET}/*"),
    ]


def test_bucket_read_grant_with_prefix_confines_listing_and_objects() -> None:
    grant = docs.BucketAccess("invoices", "read", BUCKET, KEY, prefix="invoices/")
    assert statements_of(buckets=(grant,)) == [
        {
            "Sid": "BucketInvoicesList",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": BUCKET,
            "Condition": {"StringLike": {"s3:prefix": ["invoices/*"]}},
        },
        {
            "Sid": "BucketInvoicesObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": f"{BUCKET}/invoices/*",
        },
        key_statement(["kms:Decrypt"], f"{BUCKET}/invoices/*"),
    ]


def test_bucket_write_grant_yields_put_delete_marker_and_data_keys_without_reading() -> None:
    grant = docs.BucketAccess("invoices", "write", BUCKET, KEY, prefix="in/")
    assert statements_of(buckets=(grant,)) == [
        {
            "Sid": "BucketInvoicesObjects",
            "Effect": "Allow",
            "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"],
            "Resource": f"{BUCKET}/in/*",
        },
        key_statement(["kms:Decrypt", "kms:GenerateDataKey"], f"{BUCKET}/in/*"),
    ]


def test_bucket_readwrite_grant_is_the_union_of_read_and_write() -> None:
    grant = docs.BucketAccess("invoices", "readwrite", BUCKET, KEY)
    assert statements_of(buckets=(grant,)) == [
        {
            "Sid": "BucketInvoicesList",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": BUCKET,
        },
        {
            "Sid": "BucketInvoicesObjects",
            "Effect": "Allow",
            "Action": [
                "s3:AbortMultipartUpload",
                "s3:DeleteObject",
                "s3:GetObject",
                "s3:PutObject",
            ],
            "Resource": f"{BUCKET}/*",
        },
        key_statement(["kms:Decrypt", "kms:GenerateDataKey"], f"{BUCKET}/*"),
    ]


def test_database_writer_grant_connects_as_one_user_on_one_instance() -> None:
    grant = docs.DatabaseAccess("orders", "orders_app", ("db-PLK3WDGK5DVV5N0KSSEB8RPG2B",))
    assert statements_of(databases=(grant,)) == [
        {
            "Sid": "DatabaseOrdersConnect",
            "Effect": "Allow",
            "Action": "rds-db:connect",
            "Resource": "arn:aws:rds-db:eu-west-1:111122223333:dbuser:"
            "db-PLK3WDGK5DVV5N0KSSEB8RPG2B/orders_app",
        }
    ]


def test_database_reader_grant_names_every_replica_and_nothing_else() -> None:
    grant = docs.DatabaseAccess("orders", "reporting_ro", ("db-REPLICA1", "db-REPLICA2"))
    assert statements_of(databases=(grant,)) == [
        {
            "Sid": "DatabaseOrdersConnect",
            "Effect": "Allow",
            "Action": "rds-db:connect",
            "Resource": [
                "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-REPLICA1/reporting_ro",
                "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-REPLICA2/reporting_ro",
            ],
        }
    ]


def test_database_grant_without_instances_is_refused() -> None:
    with pytest.raises(ValueError, match="database 'orders': no instance to connect to"):
        statements_of(databases=(docs.DatabaseAccess("orders", "app", ()),))


def test_cache_grant_connects_to_the_group_as_the_applications_user() -> None:
    grant = docs.CacheAccess("sessions", GROUP, USER)
    assert statements_of(caches=(grant,)) == [
        {
            "Sid": "CacheSessionsConnect",
            "Effect": "Allow",
            "Action": "elasticache:Connect",
            "Resource": [GROUP, USER],
        }
    ]


def test_password_cache_grant_reads_one_secret_and_decrypts_it_through_secrets_manager() -> None:
    grant = docs.SecretAccess("catalog", SECRET, KEY)
    assert statements_of(secrets=(grant,)) == [
        {
            "Sid": "SecretCatalogRead",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": SECRET,
        },
        {
            "Sid": "SecretCatalogKey",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": KEY,
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com",
                    "kms:EncryptionContext:SecretARN": SECRET,
                }
            },
        },
    ]


def test_no_grants_yield_no_statement_and_no_policy() -> None:
    request = docs.PermissionRequest(REGION, ACCOUNT)
    assert (docs.permission_statements(request), docs.plan_for(request)) == ([], [])


def test_a_combined_request_is_exactly_the_sum_of_its_grants() -> None:
    bucket = docs.BucketAccess("invoices", "read", BUCKET, KEY)
    database = docs.DatabaseAccess("orders", "orders_app", ("db-X",))
    cache = docs.CacheAccess("sessions", GROUP, USER)
    combined = statements_of(buckets=(bucket,), databases=(database,), caches=(cache,))
    separate = (
        statements_of(buckets=(bucket,))
        + statements_of(databases=(database,))
        + statements_of(caches=(cache,))
    )
    assert combined == separate


def test_statement_ids_are_letters_and_digits_from_store_names() -> None:
    assert docs.sid("Bucket", "invoices-2024", "List") == "BucketInvoices2024List"


def test_two_stores_with_the_same_statement_id_are_refused() -> None:
    a = docs.BucketAccess("a-b", "read", BUCKET, KEY)
    b = docs.BucketAccess("a--b", "read", BUCKET + "2", KEY)
    with pytest.raises(ValueError, match="two grants yield the statement id BucketABList"):
        statements_of(buckets=(a, b))


# Trust policies -----------------------------------------------------------------------


def test_irsa_trust_admits_exactly_one_service_account_token_for_sts() -> None:
    assert docs.irsa_trust_policy(OIDC, "orders", "orders-api") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeFromServiceAccount",
                "Effect": "Allow",
                "Principal": {"Federated": OIDC},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{ISSUER}:sub": "system:serviceaccount:orders:orders-api",
                        f"{ISSUER}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }


def test_pod_identity_trust_admits_eks_auth_with_matching_session_tags() -> None:
    assert docs.pod_identity_trust_policy("orders-prod", "analytics", "reporting") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeThroughPodIdentity",
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {
                        "aws:RequestTag/eks-cluster-name": "orders-prod",
                        "aws:RequestTag/kubernetes-namespace": "analytics",
                        "aws:RequestTag/kubernetes-service-account": "reporting",
                    }
                },
            }
        ],
    }


def test_service_trust_admits_the_service_for_this_account_only() -> None:
    assert docs.service_trust_policy("lambda.amazonaws.com", ACCOUNT) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeByService",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ],
    }


@pytest.mark.parametrize(
    "trust",
    [
        docs.irsa_trust_policy(OIDC, "orders", "orders-api"),
        docs.pod_identity_trust_policy("orders-prod", "analytics", "reporting"),
        docs.service_trust_policy("lambda.amazonaws.com", ACCOUNT),
    ],
    ids=["irsa", "pod-identity", "service"],
)
def test_trust_policy_has_no_wildcard_principal(trust: dict[str, Any]) -> None:
    assert "*" not in json.dumps([s["Principal"] for s in trust["Statement"]])


def test_a_malformed_oidc_provider_arn_is_refused() -> None:
    with pytest.raises(ValueError, match="not an OIDC provider ARN"):
        docs.oidc_issuer("arn:aws:iam::111122223333:role/x")


# Size limit and splitting ---------------------------------------------------------------


def many_buckets(count: int) -> docs.PermissionRequest:
    grants = tuple(
        docs.BucketAccess(f"bucket-{i:03}", "readwrite", f"{BUCKET}-{i:03}", KEY, f"p{i}/")
        for i in range(count)
    )
    return docs.PermissionRequest(REGION, ACCOUNT, buckets=grants)


def test_policy_size_counts_characters_without_whitespace() -> None:
    assert docs.policy_size({"a b": ["c", "d"]}) == len('{"ab":["c","d"]}')


def test_grants_beyond_the_size_limit_are_split_into_documents_that_each_fit() -> None:
    statements = docs.permission_statements(many_buckets(40))
    split = docs.split_documents(statements)
    assert (len(split) > 1, max(docs.policy_size(d) for d in split) <= 6144) == (True, True)


def test_splitting_keeps_every_statement_once_and_in_order() -> None:
    statements = docs.permission_statements(many_buckets(40))
    split = docs.split_documents(statements)
    assert [s for d in split for s in d["Statement"]] == statements


def test_splitting_is_deterministic() -> None:
    request = many_buckets(40)
    assert docs.plan_for(request) == docs.plan_for(request)


def test_the_plan_from_longest_arns_holds_for_the_real_arns() -> None:
    request = many_buckets(40)
    rendered = docs.render_documents(docs.permission_statements(request), docs.plan_for(request))
    assert max(docs.policy_size(d) for d in rendered) <= docs.POLICY_SIZE_LIMIT


def test_adding_a_grant_at_the_end_moves_no_earlier_statement() -> None:
    before, after = docs.plan_for(many_buckets(40)), docs.plan_for(many_buckets(41))
    assert after[: len(before) - 1] == before[:-1]


def test_a_statement_larger_than_the_limit_alone_is_refused() -> None:
    statements = docs.permission_statements(many_buckets(1))
    with pytest.raises(ValueError, match="alone exceeds IAM's policy size limit"):
        docs.plan_documents(statements, limit=100)


def test_rendering_refuses_statements_that_do_not_match_the_plan() -> None:
    with pytest.raises(ValueError, match="do not match the document plan"):
        docs.render_documents(docs.permission_statements(many_buckets(1)), [["Other"]])


# Properties over random grant sets (the spec models → documents path) ------------------

SPEC = load_stack_file(REPO / "stacks" / "Pulumi.prod.yaml")
STORES = ("a", "b", "c-d", "exports", "invoices", "uploads")
BUCKET_OF = "arn:aws:s3:::bucket-"
STORE_NAMES = st.sampled_from(STORES)
bucket_grants = st.builds(
    BucketGrant,
    access=st.sampled_from(["read", "write", "readwrite"]),
    prefix=st.none() | st.sampled_from(["x/", "logs/2024/", "p"]),
)
database_grants = st.builds(
    DatabaseGrant,
    user=st.sampled_from(["app", "reporting_ro"]),
    endpoint=st.sampled_from(["writer", "reader"]),
)
grant_sets = st.builds(
    Grants,
    buckets=st.dictionaries(STORE_NAMES, bucket_grants, max_size=6),
    databases=st.dictionaries(STORE_NAMES, database_grants, max_size=3),
    caches=st.dictionaries(STORE_NAMES, st.just({}), max_size=3),
)


def statements_for(grants: Grants) -> list[dict[str, Any]]:
    """Statements of an application holding `grants`, over stores with literal ARNs."""
    application = ApplicationSpec.model_validate(
        {"identity": {"service": "lambda.amazonaws.com"}, "grants": grants.model_dump()}
    )
    spec = SPEC.model_copy(update={"applications": {"app": application}})
    args = ApplicationAccessArgs(
        spec,
        "app",
        buckets={n: BucketTarget(f"{BUCKET_OF}{n}", KEY, "internal") for n in STORES},
        databases={n: DatabaseTarget([f"db-W{n}"], [f"db-R{n}"], "internal") for n in STORES},
        caches={
            n: CacheTarget(f"{GROUP}-{n}", "internal", user_arns={"app": f"{USER}-{n}"})
            for n in STORES
        },
    )
    return docs.permission_statements(permission_request(spec, request_shape(args)))


def actions_of(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def resources_of(statement: dict[str, Any]) -> list[str]:
    resource = statement["Resource"]
    return [resource] if isinstance(resource, str) else list(resource)


def touched_buckets(statement: dict[str, Any]) -> set[str]:
    """Bucket names a statement reaches: by resource, or by S3 encryption context."""
    context = statement.get("Condition", {}).get("StringLike", {})
    targets = resources_of(statement) + list(context.get("kms:EncryptionContext:aws:s3:arn", []))
    return {owner(t) for t in targets} - {None}  # type: ignore[return-value]


PROPERTIES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTIES
@given(grant_sets)
def test_a_read_only_bucket_grant_never_yields_a_write_or_delete_action(grants: Grants) -> None:
    read_only = {n for n, g in grants.buckets.items() if g.access == "read"}
    for statement in statements_for(grants):
        if touched_buckets(statement) & read_only:
            writes = {a for a in actions_of(statement) if a in docs.WRITE_ACTIONS}
            assert not writes and not any("Delete" in a for a in actions_of(statement)), statement


@PROPERTIES
@given(grant_sets)
def test_no_document_has_a_wildcard_action_or_resource(grants: Grants) -> None:
    for statement in statements_for(grants):
        assert not any("*" in a for a in actions_of(statement)), statement
        assert "*" not in resources_of(statement), statement


def owner(resource: str) -> str | None:
    """The store a resource of `statements_for` belongs to (None for the shared key)."""
    for name in STORES:
        if resource in (f"{BUCKET_OF}{name}", f"{GROUP}-{name}", f"{USER}-{name}"):
            return name
        if resource.startswith(f"{BUCKET_OF}{name}/"):
            return name
        if f":dbuser:db-W{name}/" in resource or f":dbuser:db-R{name}/" in resource:
            return name
    assert resource == KEY, resource
    return None


@PROPERTIES
@given(grant_sets)
def test_every_statement_reaches_only_granted_stores(grants: Grants) -> None:
    granted = set(grants.buckets) | set(grants.databases) | set(grants.caches)
    for statement in statements_for(grants):
        owners = {owner(r) for r in resources_of(statement)} - {None}
        assert owners <= granted, statement
