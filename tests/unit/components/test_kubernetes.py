"""WorkloadBindings under the SDK mocks: ServiceAccounts and ConfigMaps handed to workloads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pulumi.runtime import rpc

from components.environment import StorageEnvironment
from components.kubernetes import IRSA_ANNOTATION, env_key
from stackspec import load_stack_file
from storagectl.engine.recorder import Registration
from tests.plans import REPO
from tests.unit.components.mocks_access import Recorded, resolve, run_components

SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
PROVIDER = "pulumi:providers:kubernetes"
BINDINGS = "backend-storage:kubernetes:WorkloadBindings"


def build(stack: str) -> tuple[StorageEnvironment, Recorded]:
    spec = load_stack_file(REPO / "stacks" / f"Pulumi.{stack}.yaml")
    return run_components(
        lambda: StorageEnvironment(spec),
        project=spec.project,
        stack=spec.stack,
        region=spec.region,
        account=spec.account_id,
    )


@pytest.fixture(scope="module")
def prod() -> tuple[StorageEnvironment, Recorded]:
    return build("prod")


@pytest.fixture(scope="module")
def dev() -> tuple[StorageEnvironment, Recorded]:
    return build("dev")


APPLICATIONS = {
    "orders-api": ("orders", "orders-api", "irsa"),
    "catalog-service": ("catalog", "catalog-service", "pod-identity"),
    "reporting": ("analytics", "reporting", "pod-identity"),
}


def object_of(recorded: Recorded, type_: str, application: str) -> Registration:
    suffix = "service-account" if type_ == SERVICE_ACCOUNT else "config"
    return recorded.named(f"backend-storage-prod-workloads-{application}-{suffix}")


def data_of(prod: tuple[StorageEnvironment, Recorded], application: str) -> dict[str, Any]:
    return dict(object_of(prod[1], CONFIG_MAP, application).inputs["data"])


# Provider and parenting ------------------------------------------------------------------


def test_provider_uses_the_stack_files_context(prod: tuple[StorageEnvironment, Recorded]) -> None:
    (provider,) = prod[1].of_type(PROVIDER)
    assert (provider.name, provider.inputs.get("context"), provider.inputs.get("kubeconfig")) == (
        "backend-storage-prod-kubernetes",
        "orders-prod",
        None,
    )


@pytest.mark.parametrize("type_", [SERVICE_ACCOUNT, CONFIG_MAP])
def test_every_object_reaches_the_cluster_through_the_stacks_provider(
    prod: tuple[StorageEnvironment, Recorded], type_: str
) -> None:
    (provider,) = prod[1].of_type(PROVIDER)
    (bindings,) = prod[1].of_type(BINDINGS)
    objects = prod[1].of_type(type_)
    assert len(objects) == 3 and {(o.provider, o.parent) for o in objects} == {
        (provider.urn, bindings.urn)
    }


def test_without_a_cluster_api_nothing_is_created_in_kubernetes(
    dev: tuple[StorageEnvironment, Recorded],
) -> None:
    env, recorded = dev
    kinds = [r.type for r in recorded.registrations if "kubernetes" in r.type]
    assert (kinds, env.workloads) == ([], None)


# ServiceAccounts -------------------------------------------------------------------------


@pytest.mark.parametrize("application", sorted(APPLICATIONS))
def test_service_account_has_the_declared_name_and_namespace(
    prod: tuple[StorageEnvironment, Recorded], application: str
) -> None:
    namespace, name, _ = APPLICATIONS[application]
    metadata = object_of(prod[1], SERVICE_ACCOUNT, application).inputs["metadata"]
    assert (metadata["namespace"], metadata["name"]) == (namespace, name)


def test_irsa_service_account_is_annotated_with_its_role_arn(
    prod: tuple[StorageEnvironment, Recorded],
) -> None:
    env, recorded = prod
    metadata = object_of(recorded, SERVICE_ACCOUNT, "orders-api").inputs["metadata"]
    assert metadata["annotations"][IRSA_ANNOTATION] == resolve(env.roles["orders-api"].arn)


@pytest.mark.parametrize("application", ["catalog-service", "reporting"])
def test_pod_identity_service_account_carries_no_role_annotation(
    prod: tuple[StorageEnvironment, Recorded], application: str
) -> None:
    metadata = object_of(prod[1], SERVICE_ACCOUNT, application).inputs["metadata"]
    assert IRSA_ANNOTATION not in metadata.get("annotations", {})


# ConfigMaps ------------------------------------------------------------------------------


@pytest.mark.parametrize("application", sorted(APPLICATIONS))
def test_config_map_sits_beside_the_service_account(
    prod: tuple[StorageEnvironment, Recorded], application: str
) -> None:
    namespace, name, _ = APPLICATIONS[application]
    metadata = object_of(prod[1], CONFIG_MAP, application).inputs["metadata"]
    assert (metadata["namespace"], metadata["name"]) == (namespace, f"{name}-storage")


@pytest.mark.parametrize("application", sorted(APPLICATIONS))
def test_config_map_names_the_applications_role(
    prod: tuple[StorageEnvironment, Recorded], application: str
) -> None:
    role_arn = resolve(prod[0].roles[application].arn)
    assert data_of(prod, application)["STORAGE_ROLE_ARN"] == role_arn


@pytest.mark.parametrize("application", sorted(APPLICATIONS))
def test_config_map_keys_are_environment_variable_names(
    prod: tuple[StorageEnvironment, Recorded], application: str
) -> None:
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", k) for k in data_of(prod, application))


def test_orders_api_config_holds_exactly_its_stores(
    prod: tuple[StorageEnvironment, Recorded],
) -> None:
    env, _ = prod
    orders, sessions = env.databases["orders"], env.caches["sessions"]
    assert data_of(prod, "orders-api") == {
        "STORAGE_ENVIRONMENT": "prod",
        "STORAGE_ROLE_ARN": resolve(env.roles["orders-api"].arn),
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "BUCKET_INVOICES_NAME": resolve(env.buckets["invoices"].name),
        "BUCKET_INVOICES_REGION": "eu-west-1",
        "BUCKET_INVOICES_ACCESS": "readwrite",
        "BUCKET_INVOICES_PREFIX": "invoices/",
        "BUCKET_UPLOADS_NAME": resolve(env.buckets["uploads"].name),
        "BUCKET_UPLOADS_REGION": "eu-west-1",
        "BUCKET_UPLOADS_ACCESS": "read",
        "DATABASE_ORDERS_HOST": resolve(orders.writer_endpoint),
        "DATABASE_ORDERS_PORT": str(orders.port),
        "DATABASE_ORDERS_ENGINE": "postgres",
        "DATABASE_ORDERS_USER": "orders_app",
        "DATABASE_ORDERS_AUTH": "iam",
        "DATABASE_ORDERS_NAME": "orders",
        "CACHE_SESSIONS_HOST": resolve(sessions.primary_endpoint),
        "CACHE_SESSIONS_PORT": str(sessions.port),
        "CACHE_SESSIONS_TLS": "true",
        "CACHE_SESSIONS_AUTH": "iam",
        "CACHE_SESSIONS_USER": resolve(sessions.user_ids["orders-api"]),
    }


def test_reader_grant_hands_out_the_reader_endpoint(
    prod: tuple[StorageEnvironment, Recorded],
) -> None:
    reader = resolve(prod[0].databases["orders"].reader_endpoint)
    assert data_of(prod, "reporting")["DATABASE_ORDERS_HOST"] == reader


def test_password_cache_is_handed_over_by_secret_arn(
    prod: tuple[StorageEnvironment, Recorded],
) -> None:
    secret = resolve(prod[0].caches["catalog"].user_secret_arns["catalog-service"])
    assert data_of(prod, "catalog-service")["CACHE_CATALOG_PASSWORD_SECRET_ARN"] == secret


def test_env_key_turns_names_into_variable_names() -> None:
    assert env_key("bucket", "invoices-2024", "name") == "BUCKET_INVOICES_2024_NAME"


# No secret values ------------------------------------------------------------------------


def secret_values(value: Any) -> list[str]:
    """String values the program marked secret, anywhere in a registration's inputs."""
    if rpc.is_rpc_secret(value):
        inner = value["value"]
        return [inner] if isinstance(inner, str) else [str(inner)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in secret_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in secret_values(v)]
    return []


def test_the_program_has_secrets_to_keep_out_of_the_cluster(
    prod: tuple[StorageEnvironment, Recorded],
) -> None:
    # Guards the next test: it must have secrets to look for (cache passwords).
    assert any(secret_values(r.inputs) for r in prod[1].registrations)


@pytest.mark.parametrize("type_", [SERVICE_ACCOUNT, CONFIG_MAP])
def test_no_kubernetes_object_holds_a_secret_value(
    prod: tuple[StorageEnvironment, Recorded], type_: str
) -> None:
    secrets = {s for r in prod[1].registrations for s in secret_values(r.inputs) if len(s) > 8}
    for obj in prod[1].of_type(type_):
        text = repr(obj.inputs)
        assert (secret_values(obj.inputs), [s for s in secrets if s in text]) == ([], []), obj.urn


def test_no_kubernetes_secret_is_created(prod: tuple[StorageEnvironment, Recorded]) -> None:
    assert [r.urn for r in prod[1].registrations if r.type == "kubernetes:core/v1:Secret"] == []
