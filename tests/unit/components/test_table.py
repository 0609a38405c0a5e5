"""Table (DynamoDB) under the mock runtime: tiers, replicas, autoscaling, grants."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from components import iam_documents as docs
from components.environment import StorageEnvironment
from components.spec import EnvironmentSpec
from stackspec import SpecError, build_spec
from tests.plans import REPO
from tests.unit.components.mocks_access import Recorded, resolve, run_components
from tests.unit.components.shipped import Resource, Run, build, urn_message

TABLE = "aws:dynamodb/table:Table"
TARGET = "aws:appautoscaling/target:Target"
POLICY = "aws:appautoscaling/policy:Policy"
COMPONENT = "backend-storage:dynamodb:Table"
STACKS = ("dev", "staging", "prod")
PROD_CONFIG = yaml.safe_load((REPO / "stacks" / "Pulumi.prod.yaml").read_text())["config"]


@pytest.fixture(scope="module", params=STACKS)
def run(request: pytest.FixtureRequest) -> Run:
    return build(request.param)


def component(run: Run, logical: str = "carts") -> Resource:
    return run.named(f"{run.spec.prefix}-{logical}", COMPONENT)


def table(run: Run, logical: str = "carts") -> Resource:
    (found,) = run.within(component(run, logical), TABLE)
    return found


def test_table_is_encrypted_with_the_environment_key(run: Run) -> None:
    t = table(run)
    key = run.key_arn(run.spec.tables["carts"].data_classification)
    sse = t.inputs["serverSideEncryption"]
    assert sse == {"enabled": True, "kmsKeyArn": key}, urn_message(t, f"encryption {sse}")


def test_point_in_time_recovery_is_on(run: Run) -> None:
    t = table(run)
    assert t.inputs["pointInTimeRecovery"]["enabled"] is True, urn_message(t, "PITR off")


def test_table_name_is_stable_for_grants_and_replicas(run: Run) -> None:
    t = table(run)
    assert t.inputs["name"] == f"{run.spec.prefix}-carts", urn_message(t, "name")


def test_dev_table_is_on_demand_without_replicas_or_protection() -> None:
    t = table(build("dev"))
    shape = (
        t.inputs["billingMode"],
        t.inputs.get("replicas"),
        t.inputs["deletionProtectionEnabled"],
        t.protect,
    )
    assert shape == ("PAY_PER_REQUEST", None, False, False), urn_message(t, f"dev {shape}")


def test_prod_table_replicates_to_the_dr_region_with_the_dr_key() -> None:
    prod = build("prod")
    t = table(prod)
    assert t.inputs["replicas"] == [
        {
            "regionName": prod.spec.dr_region,
            "kmsKeyArn": prod.key_arn("confidential", dr=True),
            "pointInTimeRecovery": True,
            "propagateTags": True,
            "deletionProtectionEnabled": True,
        }
    ], urn_message(t, "replicas")


def test_prod_replica_key_lives_in_the_replica_region() -> None:
    prod = build("prod")
    (replica,) = table(prod).inputs["replicas"]
    assert replica["kmsKeyArn"].split(":")[3] == replica["regionName"]


def test_prod_table_is_protected_retained_and_deletion_protected() -> None:
    t = table(build("prod"))
    ok = t.protect and t.retain_on_delete and t.inputs["deletionProtectionEnabled"]
    assert ok, urn_message(t, "prod table must be protected, retained, deletion-protected")


def test_replicated_table_streams_new_and_old_images() -> None:
    t = table(build("prod"))
    stream = (t.inputs.get("streamEnabled"), t.inputs.get("streamViewType"))
    assert stream == (True, "NEW_AND_OLD_IMAGES"), urn_message(t, f"stream {stream}")


def test_global_index_is_declared_with_a_key_schema(run: Run) -> None:
    t = table(run)
    (gsi,) = t.inputs["globalSecondaryIndexes"]
    assert (gsi["name"], gsi["keySchemas"]) == (
        "by-customer",
        [
            {"attributeName": "customerId", "keyType": "HASH"},
            {"attributeName": "updatedAt", "keyType": "RANGE"},
        ],
    ), urn_message(t, "global index")


def test_on_demand_tables_have_no_scaling_targets() -> None:
    for stack in ("dev", "prod"):
        run = build(stack)
        assert run.within(component(run), TARGET) == [], stack


def test_provisioned_table_scales_reads_and_writes_of_table_and_index() -> None:
    staging = build("staging")
    name = f"{staging.spec.prefix}-carts"
    found = {
        (t.inputs["resourceId"], t.inputs["scalableDimension"], t.inputs["minCapacity"])
        for t in staging.within(component(staging), TARGET)
    }
    assert found == {
        (f"table/{name}", "dynamodb:table:ReadCapacityUnits", 5),
        (f"table/{name}", "dynamodb:table:WriteCapacityUnits", 5),
        (f"table/{name}/index/by-customer", "dynamodb:index:ReadCapacityUnits", 5),
        (f"table/{name}/index/by-customer", "dynamodb:index:WriteCapacityUnits", 5),
    }


def test_every_scaling_target_has_a_target_tracking_policy() -> None:
    staging = build("staging")
    targets = {
        (t.inputs["resourceId"], t.inputs["scalableDimension"])
        for t in staging.within(component(staging), TARGET)
    }
    policies = {
        (p.inputs["resourceId"], p.inputs["scalableDimension"])
        for p in staging.within(component(staging), POLICY)
        if p.inputs["policyType"] == "TargetTrackingScaling"
        and p.inputs["targetTrackingScalingPolicyConfiguration"]["targetValue"] == 70
    }
    assert targets and policies == targets


def test_provisioned_capacity_is_left_to_autoscaling() -> None:
    t = table(build("staging"))
    assert set(t.ignore_changes) == {
        "readCapacity",
        "writeCapacity",
        "globalSecondaryIndexes[*].readCapacity",
        "globalSecondaryIndexes[*].writeCapacity",
    }, urn_message(t, f"ignore_changes {t.ignore_changes}")


def test_outputs_name_the_replicas_and_their_keys() -> None:
    prod = build("prod")
    entry = prod.environment_outputs["tables"]["carts"]
    assert (entry["replicaRegions"], entry["replicaKmsKeyArns"]) == (
        ["eu-central-1"],
        {"eu-central-1": prod.key_arn("confidential", dr=True)},
    )


# A further replica region ---------------------------------------------------------------


def variant(**table_keys: Any) -> EnvironmentSpec:
    config = copy.deepcopy(PROD_CONFIG)
    config["backend-storage:tables"]["carts"].update(table_keys)
    return build_spec(config, "backend-storage", "prod", None)


@pytest.fixture(scope="module")
def further() -> tuple[StorageEnvironment, Recorded]:
    spec = variant(replicaRegions=["us-east-1"])
    return run_components(
        lambda: StorageEnvironment(spec),
        project=spec.project,
        stack=spec.stack,
        region=spec.region,
        account=spec.account_id,
    )


def test_further_replica_region_is_encrypted_with_a_key_of_that_region(further) -> None:
    env, recorded = further
    t = env.tables["carts"]
    keys = resolve(t.replica_key_arns)
    (resource,) = [r for r in recorded.of_type(TABLE)]
    regions = {r["regionName"]: r["kmsKeyArn"] for r in resource.inputs["replicas"]}
    assert sorted(regions) == ["eu-central-1", "us-east-1"]
    assert all(arn.split(":")[3] == region for region, arn in regions.items()), regions
    assert regions == keys


def test_further_region_key_rotates_and_reaches_its_region_by_parenting(further) -> None:
    _, recorded = further
    (key,) = [r for r in recorded.of_type("aws:kms/key:Key") if "us-east-1" in r.name]
    provider = next(r for r in recorded.registrations if r.urn == key.provider)
    ok = key.inputs["enableKeyRotation"] and provider.inputs["region"] == "us-east-1"
    assert ok and key.protect, f"{key.urn}: rotation, region, protect"


# Spec validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ({"attributes": {"cartId": "S", "itemId": "S"}}, "without a type in `attributes`"),
        (
            {
                "attributes": {
                    "cartId": "S",
                    "itemId": "S",
                    "customerId": "S",
                    "updatedAt": "N",
                    "x": "S",
                }
            },
            "no key uses: x",
        ),
        ({"billingMode": "provisioned"}, "needs capacity"),
        ({"stream": "KEYS_ONLY"}, "NEW_AND_OLD_IMAGES"),
        ({"replicaRegions": ["eu-central-1"]}, "own or DR region"),
        (
            {
                "globalSecondaryIndexes": {
                    "by-customer": {
                        "hashKey": "customerId",
                        "rangeKey": "updatedAt",
                        "projection": "INCLUDE",
                    }
                }
            },
            "nonKeyAttributes is required with projection: INCLUDE",
        ),
        ({"capacity": {"read": {"min": 9, "max": 2}, "write": {"min": 1, "max": 2}}}, "max (2)"),
    ],
)
def test_inconsistent_table_is_refused_with_its_key_path(keys: dict, problem: str) -> None:
    with pytest.raises(SpecError) as raised:
        variant(**keys)
    text = str(raised.value)
    assert "backend-storage:tables.carts" in text and problem in text, text


def test_grant_of_an_unknown_index_is_refused() -> None:
    config = copy.deepcopy(PROD_CONFIG)
    config["backend-storage:applications"]["reporting"]["grants"]["tables"]["carts"]["indexes"] = [
        "by-custmer"
    ]
    with pytest.raises(SpecError) as raised:
        build_spec(config, "backend-storage", "prod", None)
    assert "has no index 'by-custmer'" in str(raised.value)
    assert "did you mean 'by-customer'" in str(raised.value)


# Grants ---------------------------------------------------------------------------------

TABLE_ARN = "arn:aws:dynamodb:eu-west-1:111122223333:table/backend-storage-prod-carts"
DR_TABLE_ARN = "arn:aws:dynamodb:eu-central-1:111122223333:table/backend-storage-prod-carts"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/mrk-1"
DR_KEY = "arn:aws:kms:eu-central-1:111122223333:key/mrk-1"


def grant(access: str, replicas: bool = False, indexes: tuple[str, ...] = ("by-customer",)):
    arns, keys, regions = [TABLE_ARN], [KEY], ["eu-west-1"]
    if replicas:
        arns, keys, regions = [*arns, DR_TABLE_ARN], [*keys, DR_KEY], [*regions, "eu-central-1"]
    return docs.TableAccess("carts", access, tuple(arns), indexes, tuple(keys), tuple(regions))  # type: ignore[arg-type]


def by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements}


def test_read_grant_yields_exactly_the_read_actions() -> None:
    found = by_sid(docs.table_statements(grant("read")))
    assert {sid: (s["Action"], s["Resource"]) for sid, s in found.items()} == {
        "TableCartsItems": (
            [
                "dynamodb:BatchGetItem",
                "dynamodb:ConditionCheckItem",
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:Scan",
            ],
            TABLE_ARN,
        ),
        "TableCartsIndexes": (
            ["dynamodb:Query", "dynamodb:Scan"],
            f"{TABLE_ARN}/index/by-customer",
        ),
        "TableCartsKey": (["kms:Decrypt", "kms:DescribeKey"], KEY),
    }


def test_write_grant_yields_exactly_the_write_actions_and_no_index() -> None:
    found = by_sid(docs.table_statements(grant("write")))
    assert {sid: s["Action"] for sid, s in found.items()} == {
        "TableCartsItems": [
            "dynamodb:BatchWriteItem",
            "dynamodb:ConditionCheckItem",
            "dynamodb:DeleteItem",
            "dynamodb:DescribeTable",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        ],
        "TableCartsKey": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
    }


def test_read_grant_never_yields_a_write_action() -> None:
    actions = [a for s in docs.table_statements(grant("read")) for a in s["Action"]]
    written = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    assert not (set(actions) & (docs.WRITE_ACTIONS | written)), actions


def test_key_is_used_through_dynamodb_only() -> None:
    key = by_sid(docs.table_statements(grant("readwrite")))["TableCartsKey"]
    assert key["Condition"] == {
        "StringEquals": {"kms:ViaService": ["dynamodb.eu-west-1.amazonaws.com"]}
    }


def test_replica_grant_reaches_the_replica_tables_and_their_keys() -> None:
    found = by_sid(docs.table_statements(grant("read", replicas=True)))
    assert found["TableCartsItems"]["Resource"] == [TABLE_ARN, DR_TABLE_ARN]
    assert found["TableCartsIndexes"]["Resource"] == [
        f"{TABLE_ARN}/index/by-customer",
        f"{DR_TABLE_ARN}/index/by-customer",
    ]
    assert found["TableCartsKey"]["Resource"] == [KEY, DR_KEY]
    assert found["TableCartsKey"]["Condition"]["StringEquals"]["kms:ViaService"] == [
        "dynamodb.eu-west-1.amazonaws.com",
        "dynamodb.eu-central-1.amazonaws.com",
    ]


def test_table_grants_are_planned_within_the_policy_size_limit() -> None:
    request = docs.PermissionRequest(
        "eu-west-1", "111122223333", tables=(grant("readwrite", True),)
    )
    longest = docs.with_longest_arns(request)
    plan = docs.plan_for(request)
    assert [s for g in plan for s in g] == ["TableCartsItems", "TableCartsIndexes", "TableCartsKey"]
    assert all(len(a) > len(TABLE_ARN) for a in longest.tables[0].table_arns)


def test_shipped_reporting_role_reads_only_the_granted_index() -> None:
    prod = build("prod")
    policies = [
        json.loads(p.inputs["policy"])
        for p in prod.within(
            prod.named(f"{prod.spec.prefix}-reporting", "backend-storage:iam:ApplicationAccess"),
            "aws:iam/policy:Policy",
        )
    ]
    statements = {s["Sid"]: s for d in policies for s in d["Statement"]}
    arn = table(prod).outputs["arn"]
    assert statements["TableCartsIndexes"]["Resource"] == f"{arn}/index/by-customer"
    assert "dynamodb:PutItem" not in statements["TableCartsItems"]["Action"]


def test_documented_table_example_is_a_valid_stack_file_section() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Tables and document clusters", 1)[1]
    example = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])["config"]
    spec = build_spec({**PROD_CONFIG, **example}, "backend-storage", "prod", None)
    assert sorted(spec.tables) and sorted(spec.document_clusters), "example declares no store"
    granted = {
        a: (sorted(g.grants.tables), sorted(g.grants.document_clusters))
        for a, g in spec.applications.items()
    }
    assert any(t for t, _ in granted.values()) and any(d for _, d in granted.values())


def test_failover_grants_the_replica_tables_too() -> None:
    config = copy.deepcopy(PROD_CONFIG)
    config["backend-storage:failover"] = {"active": True}
    spec = build_spec(config, "backend-storage", "prod", None)
    env, _ = run_components(
        lambda: StorageEnvironment(spec),
        project=spec.project,
        stack=spec.stack,
        region=spec.region,
        account=spec.account_id,
    )
    documents = resolve(env.roles["reporting"].documents)
    items = next(s for d in documents for s in d["Statement"] if s["Sid"] == "TableCartsItems")
    arn = resolve(env.tables["carts"].arn)
    assert items["Resource"] == [arn, arn.replace(":eu-west-1:", ":eu-central-1:")]
