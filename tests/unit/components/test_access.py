"""ApplicationAccess under the SDK mocks: roles, their policies, trust, and the key policies.

The prod environment is built once for the module, with realistic computed outputs
(ARNs carry the account, the region and the `backend-storage-prod-...` names).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from components import iam_documents as docs
from components.access import (
    ApplicationAccess,
    ApplicationAccessArgs,
    BucketTarget,
)
from components.environment import StorageEnvironment
from components.spec import ApplicationSpec, EnvironmentSpec, FailoverSpec
from stackspec import SpecError, build_spec, load_stack_file
from storagectl.engine.recorder import Registration
from tests.plans import REPO
from tests.unit.components.mocks_access import Recorded, resolve, run_components

PROD_FILE = REPO / "stacks" / "Pulumi.prod.yaml"
ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
ACCESS = "backend-storage:iam:ApplicationAccess"


class Built:
    """One environment built under the mocks: the component and what it registered."""

    def __init__(self, spec: EnvironmentSpec) -> None:
        self.spec = spec
        self.env, self.recorded = run_components(
            lambda: StorageEnvironment(spec),
            project=spec.project,
            stack=spec.stack,
            region=spec.region,
            account=spec.account_id,
        )
        self.documents = {app: resolve(r.documents) for app, r in self.env.roles.items()}

    def access(self, application: str) -> Registration:
        return self.recorded.named(f"{self.spec.prefix}-{application}")

    def below(self, application: str, type_: str) -> list[Registration]:
        return [r for r in self.recorded.under(self.access(application).urn) if r.type == type_]


@pytest.fixture(scope="module")
def prod() -> Built:
    return Built(load_stack_file(PROD_FILE))


APPLICATIONS = sorted(load_stack_file(PROD_FILE).applications)


def all_strings(value: Any) -> list[str]:
    """Every string leaf of a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in all_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in all_strings(v)]
    return []


# Roles ----------------------------------------------------------------------------------


def test_one_access_component_per_application(prod: Built) -> None:
    names = sorted(r.name for r in prod.recorded.of_type(ACCESS))
    assert names == [f"backend-storage-prod-{a}" for a in APPLICATIONS]


@pytest.mark.parametrize("application", APPLICATIONS)
def test_role_is_named_project_env_application(prod: Built, application: str) -> None:
    (role,) = prod.below(application, ROLE)
    assert role.inputs["name"] == f"backend-storage-prod-{application}", role.urn


@pytest.mark.parametrize("application", APPLICATIONS)
def test_role_carries_the_required_tags(prod: Built, application: str) -> None:
    (role,) = prod.below(application, ROLE)
    tags = role.inputs["tags"]
    assert (tags["environment"], tags["owner"], tags["managed-by"], tags["application"]) == (
        "prod",
        "platform-team",
        "pulumi",
        application,
    ), role.urn


def test_role_is_classified_as_its_most_sensitive_store(prod: Built) -> None:
    (role,) = prod.below("orders-api", ROLE)
    assert role.inputs["tags"]["data-classification"] == "restricted", role.urn


@pytest.mark.parametrize("application", APPLICATIONS)
def test_every_policy_is_attached_to_the_applications_role(prod: Built, application: str) -> None:
    (role,) = prod.below(application, ROLE)
    policies = {p.outputs["arn"] for p in prod.below(application, POLICY)}
    attachments = prod.below(application, ATTACHMENT)
    attached = {
        a.inputs["policyArn"] for a in attachments if a.inputs["role"] == role.outputs["name"]
    }
    assert (len(policies), attached) == (len(prod.env.roles[application].plan), policies)


@pytest.mark.parametrize("application", APPLICATIONS)
def test_policy_resources_hold_the_rendered_documents(prod: Built, application: str) -> None:
    policies = sorted(prod.below(application, POLICY), key=lambda p: p.name)
    assert [json.loads(p.inputs["policy"]) for p in policies] == prod.documents[application]


@pytest.mark.parametrize("application", APPLICATIONS)
def test_every_document_fits_iams_size_limit(prod: Built, application: str) -> None:
    assert all(docs.policy_size(d) <= 6144 for d in prod.documents[application])


def test_role_outputs_name_the_role(prod: Built) -> None:
    outputs = resolve(prod.env.roles["orders-api"].outputs())
    assert outputs == {
        "arn": "arn:aws:iam::111122223333:role/backend-storage-prod-orders-api",
        "name": "backend-storage-prod-orders-api",
    }


# Exactly the grants ----------------------------------------------------------------------


def sids(prod: Built, application: str) -> list[str]:
    return [s["Sid"] for d in prod.documents[application] for s in d["Statement"]]


def test_orders_api_holds_exactly_its_grants(prod: Built) -> None:
    assert sids(prod, "orders-api") == [
        "BucketInvoicesList",
        "BucketInvoicesObjects",
        "BucketInvoicesKey",
        "BucketUploadsList",
        "BucketUploadsObjects",
        "BucketUploadsKey",
        "DatabaseOrdersConnect",
        "CacheSessionsConnect",
    ]


def test_catalog_service_holds_exactly_its_grants(prod: Built) -> None:
    # `catalog` is a password cache: its secret is read instead of elasticache:Connect.
    assert sids(prod, "catalog-service") == [
        "BucketExportsObjects",
        "BucketExportsKey",
        "DatabaseCatalogConnect",
        "SecretCatalogRead",
        "SecretCatalogKey",
    ]


def test_reporting_holds_exactly_its_grants(prod: Built) -> None:
    assert sids(prod, "reporting") == [
        "BucketExportsList",
        "BucketExportsObjects",
        "BucketExportsKey",
        "BucketInvoicesList",
        "BucketInvoicesObjects",
        "BucketInvoicesKey",
        "DatabaseOrdersConnect",
    ]


def statement(prod: Built, application: str, sid: str) -> dict[str, Any]:
    found = [s for d in prod.documents[application] for s in d["Statement"] if s["Sid"] == sid]
    assert len(found) == 1, sid
    return found[0]


def test_bucket_statements_name_the_buckets_arn(prod: Built) -> None:
    bucket_arn = resolve(prod.env.buckets["invoices"].arn)
    objects = statement(prod, "orders-api", "BucketInvoicesObjects")
    assert objects["Resource"] == f"{bucket_arn}/invoices/*"


def test_key_statement_names_the_key_of_the_buckets_data_class(prod: Built) -> None:
    key = statement(prod, "orders-api", "BucketUploadsKey")
    assert key["Resource"] == resolve(prod.env.keys["confidential"].arn)


def test_writer_grant_connects_to_the_writer_instance_only(prod: Built) -> None:
    writer = resolve(prod.env.databases["orders"].writer_resource_ids)
    connect = statement(prod, "orders-api", "DatabaseOrdersConnect")
    assert connect["Resource"] == (
        f"arn:aws:rds-db:eu-west-1:111122223333:dbuser:{writer[0]}/orders_app"
    )


def test_reader_grant_connects_to_the_replicas_and_not_the_writer(prod: Built) -> None:
    readers = resolve(prod.env.databases["orders"].reader_resource_ids)
    connect = statement(prod, "reporting", "DatabaseOrdersConnect")
    assert connect["Resource"] == [
        f"arn:aws:rds-db:eu-west-1:111122223333:dbuser:{r}/reporting_ro" for r in readers
    ]


def test_cache_grant_names_the_group_and_the_applications_own_user(prod: Built) -> None:
    cache = prod.env.caches["sessions"]
    connect = statement(prod, "orders-api", "CacheSessionsConnect")
    assert connect["Resource"] == [resolve(cache.arn), resolve(cache.user_arns["orders-api"])]


def test_password_cache_grant_names_the_applications_own_secret(prod: Built) -> None:
    secret = resolve(prod.env.caches["catalog"].user_secret_arns["catalog-service"])
    assert statement(prod, "catalog-service", "SecretCatalogRead")["Resource"] == secret


# Cross-environment isolation -------------------------------------------------------------


def prod_identifiers(prod: Built) -> set[str]:
    """ARNs and resource ids of everything the prod program registered."""
    found: set[str] = set()
    for r in prod.recorded.registrations:
        for key in ("arn", "resourceId", "clusterResourceId", "dbiResourceId"):
            value = r.outputs.get(key)
            if isinstance(value, str):
                found.add(value)
    return found


def belongs_to_prod(arn: str, identifiers: set[str]) -> bool:
    if arn in identifiers:
        return True
    if arn.startswith("arn:aws:s3:::"):
        return arn.split("/", 1)[0] in identifiers
    match = re.fullmatch(r"arn:aws:rds-db:eu-west-1:111122223333:dbuser:([^/]+)/\w+", arn)
    return bool(match) and match.group(1) in identifiers


@pytest.mark.parametrize("application", APPLICATIONS)
def test_every_arn_in_a_prod_role_belongs_to_a_prod_resource(prod: Built, application: str) -> None:
    identifiers = prod_identifiers(prod)
    arns = [s for s in all_strings(prod.documents[application]) if s.startswith("arn:")]
    assert arns and [a for a in arns if not belongs_to_prod(a, identifiers)] == []


@pytest.mark.parametrize("application", APPLICATIONS)
def test_every_named_arn_in_a_prod_role_carries_the_prod_prefix(
    prod: Built, application: str
) -> None:
    named = [
        s
        for s in all_strings(prod.documents[application])
        if s.startswith(("arn:aws:s3:::", "arn:aws:elasticache:", "arn:aws:secretsmanager:"))
    ]
    assert named and all(re.search(r"[:/](backend-storage|backends)-prod-", a) for a in named), (
        named
    )


@pytest.mark.parametrize("application", APPLICATIONS)
def test_every_arn_in_a_prod_role_is_in_the_prod_account_and_region(
    prod: Built, application: str
) -> None:
    arns = [s for s in all_strings(prod.documents[application]) if s.startswith("arn:")]
    regional = [a for a in arns if not a.startswith("arn:aws:s3:::")]
    assert all(a.split(":")[3:5] == ["eu-west-1", "111122223333"] for a in regional), regional


# Trust -----------------------------------------------------------------------------------


def trust(prod: Built, application: str) -> dict[str, Any]:
    (role,) = prod.below(application, ROLE)
    return json.loads(role.inputs["assumeRolePolicy"])


def test_irsa_application_trusts_its_service_account_token_only(prod: Built) -> None:
    issuer = "oidc.eks.eu-west-1.amazonaws.com/id/5C4E1D0B8F0A4E2B9A7D3C6E1F2A3B4C"
    (only,) = trust(prod, "orders-api")["Statement"]
    assert (only["Principal"], only["Action"], only["Condition"]) == (
        {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{issuer}"},
        "sts:AssumeRoleWithWebIdentity",
        {
            "StringEquals": {
                f"{issuer}:sub": "system:serviceaccount:orders:orders-api",
                f"{issuer}:aud": "sts.amazonaws.com",
            }
        },
    )


@pytest.mark.parametrize(
    ("application", "namespace"), [("catalog-service", "catalog"), ("reporting", "analytics")]
)
def test_pod_identity_application_trusts_eks_auth_for_its_service_account(
    prod: Built, application: str, namespace: str
) -> None:
    (only,) = trust(prod, application)["Statement"]
    assert (only["Principal"], only["Action"], only["Condition"]["StringEquals"]) == (
        {"Service": "pods.eks.amazonaws.com"},
        ["sts:AssumeRole", "sts:TagSession"],
        {
            "aws:RequestTag/eks-cluster-name": "orders-prod",
            "aws:RequestTag/kubernetes-namespace": namespace,
            "aws:RequestTag/kubernetes-service-account": application,
        },
    )


@pytest.mark.parametrize("application", APPLICATIONS)
def test_no_trust_policy_has_a_wildcard_principal(prod: Built, application: str) -> None:
    principals = [s["Principal"] for s in trust(prod, application)["Statement"]]
    assert "*" not in json.dumps(principals), principals


@pytest.mark.parametrize(
    ("application", "namespace"), [("catalog-service", "catalog"), ("reporting", "analytics")]
)
def test_pod_identity_association_binds_the_service_account_to_the_role(
    prod: Built, application: str, namespace: str
) -> None:
    (association,) = prod.below(application, POD_IDENTITY)
    (role,) = prod.below(application, ROLE)
    assert {k: association.inputs[k] for k in ("clusterName", "namespace", "serviceAccount")} | {
        "roleArn": association.inputs["roleArn"]
    } == {
        "clusterName": "orders-prod",
        "namespace": namespace,
        "serviceAccount": application,
        "roleArn": role.outputs["arn"],
    }


def test_irsa_application_has_no_pod_identity_association(prod: Built) -> None:
    assert prod.below("orders-api", POD_IDENTITY) == []


# Key policies ----------------------------------------------------------------------------


def key_users(prod: Built, policy_name: str) -> set[str]:
    policy = json.loads(prod.recorded.named(policy_name).inputs["policy"])
    granted = [s for s in policy["Statement"] if s["Sid"] == "AllowUseByGrantedRoles"]
    return set(granted[0]["Principal"]["AWS"]) if granted else set()


def role_arn(application: str) -> str:
    return f"arn:aws:iam::111122223333:role/backend-storage-prod-{application}"


def replication_role(prod: Built, bucket: str) -> str:
    return str(resolve(prod.env.buckets[bucket].replication_role.arn))


def test_restricted_key_is_used_by_the_invoice_roles_and_replication_only(prod: Built) -> None:
    assert key_users(prod, "backend-storage-prod-restricted-policy") == {
        role_arn("orders-api"),
        role_arn("reporting"),
        replication_role(prod, "invoices"),
    }


def test_confidential_key_is_used_by_the_uploads_roles_and_replication_only(
    prod: Built,
) -> None:
    assert key_users(prod, "backend-storage-prod-confidential-policy") == {
        role_arn("orders-api"),
        replication_role(prod, "uploads"),
    }


def test_internal_key_is_used_by_the_exports_roles_only(prod: Built) -> None:
    assert key_users(prod, "backend-storage-prod-internal-policy") == {
        role_arn("catalog-service"),
        role_arn("reporting"),
    }


def test_dr_key_is_used_by_the_replication_role_only(prod: Built) -> None:
    assert key_users(prod, "backend-storage-prod-restricted-replica-policy") == {
        replication_role(prod, "invoices")
    }


# Regional failover: DR grants behind `failover.active` (issue 10, item 12) -----------------


@pytest.fixture(scope="module")
def failed_over() -> Built:
    spec = load_stack_file(PROD_FILE)
    return Built(spec.model_copy(update={"failover": FailoverSpec(active=True)}))


def statements_of(built: Built, application: str) -> dict[str, dict[str, Any]]:
    """The application's permission statements by Sid."""
    return {s["Sid"]: s for d in built.documents[application] for s in d["Statement"]}


def dr_resource_id(built: Built, database: str) -> str:
    return str(resolve(built.env.databases[database].dr_resource_id))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("application", APPLICATIONS)
def test_without_failover_no_grant_reaches_the_dr_region(prod: Built, application: str) -> None:
    strings = all_strings(prod.documents[application])
    dr = [a for a in strings if "eu-central-1" in a or "-dr-bucket" in a]
    assert dr == [], dr


@pytest.mark.parametrize(
    ("application", "database", "user"),
    [
        ("orders-api", "orders", "orders_app"),
        ("reporting", "orders", "reporting_ro"),
        ("catalog-service", "catalog", "catalog_app"),
    ],
)
def test_failover_grants_connect_on_the_dr_copy(
    failed_over: Built, application: str, database: str, user: str
) -> None:
    statement = statements_of(failed_over, application)[docs.sid("Database", database, "Connect")]
    expected = (
        f"arn:aws:rds-db:eu-central-1:111122223333:dbuser:"
        f"{dr_resource_id(failed_over, database)}/{user}"
    )
    assert expected in as_list(statement["Resource"]), statement


def test_failover_grants_the_dr_copy_of_each_replicated_bucket_through_its_dr_key(
    failed_over: Built,
) -> None:
    statements = statements_of(failed_over, "orders-api")
    bucket = failed_over.env.buckets["invoices"]
    dr_arn, dr_key = str(resolve(bucket.dr_arn)), str(resolve(bucket.key.dr_arn))
    objects, key = statements["BucketInvoicesDrObjects"], statements["BucketInvoicesDrKey"]
    assert (
        objects["Resource"],
        key["Resource"],
        key["Condition"]["StringEquals"]["kms:ViaService"],
    ) == (f"{dr_arn}/invoices/*", dr_key, "s3.eu-central-1.amazonaws.com")


def test_failover_grants_nothing_for_a_bucket_without_a_dr_copy(failed_over: Built) -> None:
    dr = [
        sid for sid in statements_of(failed_over, "reporting") if sid.startswith("BucketExportsDr")
    ]
    assert dr == [], dr


def test_failover_makes_the_granted_roles_users_of_the_dr_key(failed_over: Built) -> None:
    policy = json.loads(
        failed_over.recorded.named("backend-storage-prod-restricted-replica-policy").inputs[
            "policy"
        ]
    )
    (after,) = [s for s in policy["Statement"] if s["Sid"] == "AllowUseByGrantedRolesAfterFailover"]
    assert (
        set(after["Principal"]["AWS"]),
        after["Condition"]["StringEquals"]["kms:ViaService"],
    ) == ({role_arn("orders-api"), role_arn("reporting")}, ["s3.eu-central-1.amazonaws.com"])


def test_without_failover_the_dr_key_has_no_application_users(prod: Built) -> None:
    policy = json.loads(
        prod.recorded.named("backend-storage-prod-restricted-replica-policy").inputs["policy"]
    )
    sids = [s["Sid"] for s in policy["Statement"]]
    assert "AllowUseByGrantedRolesAfterFailover" not in sids, sids


# Splitting into several managed policies ---------------------------------------------------


@pytest.fixture(scope="module")
def wide() -> tuple[ApplicationAccess, Recorded]:
    """An application granted 40 buckets: more than one managed policy can hold."""
    base = load_stack_file(PROD_FILE)
    names = [f"b{i:02}" for i in range(40)]
    app = ApplicationSpec.model_validate(
        {
            "identity": {"service": "lambda.amazonaws.com"},
            "grants": {"buckets": {n: {"access": "readwrite", "prefix": f"p{n}/"} for n in names}},
        }
    )
    spec = base.model_copy(update={"applications": {"wide": app}})
    targets = {
        n: BucketTarget(
            f"arn:aws:s3:::backend-storage-prod-{n}-bucket", "arn:aws:kms:k", "internal"
        )
        for n in names
    }
    return run_components(
        lambda: ApplicationAccess(
            "backend-storage-prod-wide", ApplicationAccessArgs(spec, "wide", buckets=targets)
        ),
        project="backend-storage",
        stack="prod",
        region=spec.region,
        account=spec.account_id,
    )


def test_wide_grants_are_split_into_several_attached_policies(
    wide: tuple[ApplicationAccess, Recorded],
) -> None:
    access, recorded = wide
    policies = recorded.of_type(POLICY)
    attachments = recorded.of_type(ATTACHMENT)
    assert (len(policies), len(attachments), len(access.plan)) == (
        len(access.plan),
        len(access.plan),
        len(policies),
    ) and len(policies) > 1


def test_wide_policies_each_fit_and_hold_every_statement_once(
    wide: tuple[ApplicationAccess, Recorded],
) -> None:
    _, recorded = wide
    documents = [json.loads(p.inputs["policy"]) for p in recorded.of_type(POLICY)]
    sids_seen = [s["Sid"] for d in documents for s in d["Statement"]]
    assert (max(docs.policy_size(d) for d in documents) <= 6144, len(sids_seen)) == (
        True,
        len(set(sids_seen)),
    )


# Spec errors -------------------------------------------------------------------------------


def write_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = PROD_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_stack_file(path)
    return [str(p) for p in caught.value.problems]


def test_a_grant_to_an_undeclared_store_names_file_line_and_key_path(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path,
        "          uploads:\n            access: read",
        ("          upload:\n            access: read"),
    )
    assert problems_of(path) == [
        f"{path}:103: backend-storage:applications.orders-api.grants.buckets.upload: "
        "no bucket named 'upload' is declared in backend-storage:buckets "
        "(did you mean 'uploads'?)"
    ]


def test_an_application_without_an_identity_names_file_line_and_key_path(
    tmp_path: Path,
) -> None:
    path = write_variant(
        tmp_path,
        "    reporting:\n      identity:\n        kubernetes:\n          namespace: analytics\n"
        "          serviceAccount: reporting\n",
        "    reporting:\n",
    )
    assert problems_of(path) == [
        f"{path}:125: backend-storage:applications.reporting.identity: is required: who the "
        "application is: `kubernetes: {namespace, serviceAccount, mechanism}` or "
        "`service: <principal>.amazonaws.com`"
    ]


def test_an_application_with_two_identities_is_refused(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path,
        "          serviceAccount: reporting\n",
        "          serviceAccount: reporting\n        service: lambda.amazonaws.com\n",
    )
    assert problems_of(path) == [
        f"{path}:126: backend-storage:applications.reporting.identity: give exactly one of "
        "`kubernetes: {namespace, serviceAccount}` or `service: <principal>.amazonaws.com`"
    ]


# The documented example ------------------------------------------------------------------


def test_the_documented_grant_example_is_a_valid_stack_file_section() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    text = readme.split("## Access: applications and their grants", 1)[1]
    example = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert example is not None
    section = yaml.safe_load(example.group(1))
    config = yaml.safe_load(PROD_FILE.read_text(encoding="utf-8"))["config"]
    config = {**config, **section}
    spec = build_spec(config, "backend-storage", "prod", None)
    assert sorted(spec.applications) == sorted(section["backend-storage:applications"])


def test_grants_needing_more_policies_than_iam_attaches_are_refused() -> None:
    base = load_stack_file(PROD_FILE)
    names = [f"b{i:03}" for i in range(120)]
    app = ApplicationSpec.model_validate(
        {
            "identity": {"service": "lambda.amazonaws.com"},
            "grants": {"buckets": {n: {"access": "readwrite", "prefix": f"p{n}/"} for n in names}},
        }
    )
    spec = base.model_copy(update={"applications": {"huge": app}})
    targets = {n: BucketTarget(f"arn:aws:s3:::{n}", "arn:aws:kms:k", "internal") for n in names}
    with pytest.raises(ValueError, match="more than IAM's 10 per role"):
        run_components(
            lambda: ApplicationAccess(
                "backend-storage-prod-huge", ApplicationAccessArgs(spec, "huge", buckets=targets)
            ),
            project="backend-storage",
            stack="prod",
            region=spec.region,
            account=spec.account_id,
        )
