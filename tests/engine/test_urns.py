"""URNs exactly as the Pulumi engine builds them, pinned against Pulumi's own examples.

Expected values come from Pulumi's documentation (docs/iac/concepts/resources/names: the
`acmecorp-website` example) and pulumi/pulumi's tests (`sdk/go/common/resource/urn/
urn_test.go`, `pkg/resource/deploy/providers/provider_test.go`,
`pkg/resource/deploy/step_generator_test.go` `TestGenerateAliases`), then from the shipped
program as `storagectl plan prod --format json` prints it.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from storagectl.deploy.targets import LimitError, resolve_limits
from storagectl.engine import ProgramError, run_program
from storagectl.engine.urns import (
    AliasSpec,
    alias_urn,
    create_urn,
    default_provider_name,
    generate_aliases,
    new_urn,
    qualified_type,
    resource_urn,
    root_stack_urn,
    urn_name,
    urn_type,
)
from storagectl.planner import plan_stack
from storagectl.report import render
from storagectl.review.diff import diff_plans
from tests.plans import plan_of

P = "urn:pulumi:prod::backend-storage::"
ENV = "backend-storage:index:StorageEnvironment"


# --- the format, from Pulumi's documented examples -------------------------------------


def test_documented_example_has_parent_type_then_resource_type() -> None:
    assert new_urn(
        "production",
        "acmecorp-website",
        "custom:resources:Resource",
        "aws:s3/bucket:Bucket",
        "my-bucket",
    ) == (
        "urn:pulumi:production::acmecorp-website::custom:resources:Resource$aws:s3/bucket:Bucket::my-bucket"
    )


def test_root_stack_is_named_project_dash_stack() -> None:
    assert root_stack_urn("test", "test") == "urn:pulumi:test::test::pulumi:pulumi:Stack::test-test"


def test_child_of_the_root_stack_has_its_type_alone() -> None:
    stack = root_stack_urn("dev", "app")
    assert resource_urn("dev", "app", stack, "aws:s3/bucket:Bucket", "b") == (
        "urn:pulumi:dev::app::aws:s3/bucket:Bucket::b"
    )


def test_grandchild_carries_the_whole_parent_chain() -> None:
    # urn_test.go TestURNRoundTripping2: parent type "parent$type" is kept whole.
    parent = new_urn("stck", "foo/bar/baz", "parent", "type", "p")
    child = resource_urn("stck", "foo/bar/baz", parent, "bang:boom/fizzle:MajorResource", "a")
    assert qualified_type(child) == "parent$type$bang:boom/fizzle:MajorResource"


def test_name_may_contain_the_delimiters() -> None:
    # urn_test.go TestURNRoundTripping3.
    urn = new_urn("stck", "proj", "parent$type", "bang:boom/fizzle:MajorResource", "a::b$c")
    assert (urn_type(urn), urn_name(urn)) == ("bang:boom/fizzle:MajorResource", "a::b$c")


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("", "default"),
        ("0.18.1", "default_0_18_1"),
        ("0.17.7-dev.1555435978+gb7030aa4.dirty", "default_0_17_7_dev_1555435978_gb7030aa4_dirty"),
    ],
)
def test_default_provider_name_follows_the_sdk_version(version: str, expected: str) -> None:
    # provider_test.go TestProviderRequestName*.
    assert default_provider_name(version) == expected


_PARENT = create_urn("myres", "test:resource:type", "", "project", "stack")
_BY_TYPE = create_urn("myres", "test:resource:type2", "", "project", "stack")
_BY_NAME = create_urn("myres2", "test:resource:type", "", "project", "stack")
_ORIGINAL = create_urn("originalparent", "test:resource:original", "", "project", "stack")
_U = "urn:pulumi:stack::project::"


@pytest.mark.parametrize(
    ("spec", "parent_alias", "expected"),
    [
        (None, None, []),
        (
            AliasSpec(type="test:resource:child2"),
            None,
            [f"{_U}test:resource:type$test:resource:child2::myres-child"],
        ),
        (AliasSpec(name="child2"), None, [f"{_U}test:resource:type$test:resource:child::child2"]),
        (
            AliasSpec(type="test:resource:child2", no_parent=True),
            None,
            [f"{_U}test:resource:child2::myres-child"],
        ),
        (
            AliasSpec(type="test:resource:child2", parent_urn=_ORIGINAL),
            None,
            [f"{_U}test:resource:original$test:resource:child2::myres-child"],
        ),
        (
            AliasSpec(name="myres-child2"),
            _BY_TYPE,
            [
                f"{_U}test:resource:type$test:resource:child::myres-child2",
                f"{_U}test:resource:type2$test:resource:child::myres-child",
                f"{_U}test:resource:type2$test:resource:child::myres-child2",
            ],
        ),
        (
            AliasSpec(name="myres-child2"),
            _BY_NAME,
            [
                f"{_U}test:resource:type$test:resource:child::myres-child2",
                f"{_U}test:resource:type$test:resource:child::myres2-child",
                f"{_U}test:resource:type$test:resource:child::myres2-child2",
            ],
        ),
    ],
)
def test_aliases_resolve_as_the_step_generator_does(
    spec: AliasSpec | None, parent_alias: str | None, expected: list[str]
) -> None:
    # step_generator_test.go TestGenerateAliases, case by case.
    name, type_ = "myres-child", "test:resource:child"
    own = [] if spec is None else [alias_urn("stack", "project", name, type_, _PARENT, spec)]
    assert generate_aliases(name, type_, _PARENT, own, parent_alias) == expected


# --- what the offline engine records for a program --------------------------------------

NESTED = textwrap.dedent(
    """
    import pulumi
    import pulumi_aws as aws

    class Leaf(pulumi.ComponentResource):
        def __init__(self, name, provider, opts=None):
            super().__init__("test:index:Leaf", name, None, opts)
            key = aws.kms.Key(f"{name}-key", opts=pulumi.ResourceOptions(parent=self))
            aws.s3.Bucket(
                f"{name}-bucket",
                tags={"k": key.arn},
                opts=pulumi.ResourceOptions(
                    parent=self,
                    provider=provider,
                    aliases=[pulumi.Alias(name="old-bucket"), pulumi.Alias(parent=None)],
                ),
            )
            self.register_outputs({})

    class Middle(pulumi.ComponentResource):
        def __init__(self, name, opts=None):
            super().__init__("test:index:Middle", name, None, opts)
            dr = aws.Provider(f"{name}-dr", region="eu-central-1", opts=pulumi.ResourceOptions(parent=self))
            Leaf(f"{name}-leaf", dr, pulumi.ResourceOptions(parent=self))
            self.register_outputs({})

    class Top(pulumi.ComponentResource):
        def __init__(self, name, opts=None):
            super().__init__("test:index:Top", name, None, opts)
            Middle(f"{name}-middle", pulumi.ResourceOptions(parent=self))
            self.register_outputs({})

    Top("top")
    aws.s3.Bucket("loose")
    """
)


@pytest.fixture(scope="module")
def nested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    program = tmp_path_factory.mktemp("nested")
    (program / "Pulumi.yaml").write_text("name: shop\nruntime: python\n", encoding="utf-8")
    (program / "__main__.py").write_text(NESTED, encoding="utf-8")
    run = run_program(program, "dev", {"aws:region": "eu-west-1"})
    return {r.name: r for r in run.registrations}


def test_top_level_resources_have_no_stack_prefix(nested: dict[str, Any]) -> None:
    assert (nested["top"].urn, nested["loose"].urn) == (
        "urn:pulumi:dev::shop::test:index:Top::top",
        "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::loose",
    )


def test_their_parent_is_the_root_stack(nested: dict[str, Any]) -> None:
    assert nested["top"].parent == "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev"


def test_resource_three_components_deep_has_the_whole_chain(nested: dict[str, Any]) -> None:
    assert nested["top-middle-leaf-bucket"].urn == (
        "urn:pulumi:dev::shop::test:index:Top$test:index:Middle$test:index:Leaf"
        "$aws:s3/bucket:Bucket::top-middle-leaf-bucket"
    )


def test_explicit_provider_below_a_component_has_the_chain(nested: dict[str, Any]) -> None:
    provider = (
        "urn:pulumi:dev::shop::test:index:Top$test:index:Middle$pulumi:providers:aws::top-middle-dr"
    )
    assert (nested["top-middle-dr"].urn, nested["top-middle-leaf-bucket"].provider) == (
        provider,
        provider,
    )


def test_parent_and_dependencies_are_engine_urns(nested: dict[str, Any]) -> None:
    bucket = nested["top-middle-leaf-bucket"]
    assert (bucket.parent, bucket.dependencies) == (
        nested["top-middle-leaf"].urn,
        [nested["top-middle-leaf-key"].urn],
    )


def test_aliases_are_recorded_as_the_urns_the_engine_tries(nested: dict[str, Any]) -> None:
    # The program's two aliases, then the type alias pulumi_aws adds to every Bucket
    # (`aws:s3/bucketV2:BucketV2`), each resolved below the full parent chain.
    chain = "test:index:Top$test:index:Middle$test:index:Leaf"
    assert nested["top-middle-leaf-bucket"].aliases == [
        f"urn:pulumi:dev::shop::{chain}$aws:s3/bucket:Bucket::old-bucket",
        "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::top-middle-leaf-bucket",
        f"urn:pulumi:dev::shop::{chain}$aws:s3/bucketV2:BucketV2::top-middle-leaf-bucket",
    ]


def test_two_registrations_of_one_urn_fail_as_under_the_engine(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: dup\nruntime: python\n", encoding="utf-8")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n", encoding="utf-8")
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\naws.s3.Bucket('same')\naws.s3.Bucket('same')\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ProgramError,
        match=r"Duplicate resource URN 'urn:pulumi:dev::dup::aws:s3/bucket:Bucket::same'",
    ):
        plan_stack(tmp_path, "dev", tmp_path / "Pulumi.dev.yaml")


def test_a_duplicate_urn_does_not_fail_the_next_run(tmp_path: Path) -> None:
    # The SDK keeps a failed RPC across mock runs unless the runner clears it.
    test_two_registrations_of_one_urn_fail_as_under_the_engine(tmp_path)
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\naws.s3.Bucket('once')\n", encoding="utf-8"
    )
    run = run_program(tmp_path, "dev", {})
    assert [r.name for r in run.registrations] == ["once"]


# --- the shipped program: `storagectl plan prod --format json` --------------------------


@pytest.fixture(scope="module")
def prod_json() -> dict[str, Any]:
    # Exactly what `storagectl plan prod --format json` prints.
    return json.loads(render(plan_of("prod"), "json"))


@pytest.mark.parametrize(
    ("name", "urn"),
    [
        ("backend-storage-prod", f"{P}{ENV}::backend-storage-prod"),
        (
            "backend-storage-prod-orders",
            f"{P}{ENV}$backend-storage:rds:ManagedDatabase::backend-storage-prod-orders",
        ),
        (
            "backend-storage-prod-orders-writer",
            f"{P}{ENV}$backend-storage:rds:ManagedDatabase$aws:rds/instance:Instance"
            "::backend-storage-prod-orders-writer",
        ),
        (
            "backend-storage-prod-orders-dr-replica",
            f"{P}{ENV}$backend-storage:rds:ManagedDatabase$backend-storage:index:DisasterRecovery"
            "$aws:rds/instance:Instance::backend-storage-prod-orders-dr-replica",
        ),
        ("backend-storage-prod-dr", f"{P}{ENV}$pulumi:providers:aws::backend-storage-prod-dr"),
    ],
)
def test_prod_plan_urns_are_the_engines(prod_json: dict[str, Any], name: str, urn: str) -> None:
    assert urn in {r["urn"] for r in prod_json["resources"] if r["name"] == name}


def test_dr_replica_uses_the_dr_provider_urn(prod_json: dict[str, Any]) -> None:
    (replica,) = [
        r for r in prod_json["resources"] if r["name"] == "backend-storage-prod-orders-dr-replica"
    ]
    assert replica["provider"] == f"{P}{ENV}$pulumi:providers:aws::backend-storage-prod-dr"


def test_every_prod_urn_is_its_parent_chain(prod_json: dict[str, Any]) -> None:
    stack = root_stack_urn("prod", "backend-storage")
    by_urn = {r["urn"]: r for r in prod_json["resources"]}

    def chain(resource: dict[str, Any]) -> str:
        parent = resource["parent"]
        if parent == stack:
            return str(resource["type"])
        return chain(by_urn[parent]) + "$" + resource["type"]

    wrong = [r["urn"] for r in prod_json["resources"] if r["urn"] != f"{P}{chain(r)}::{r['name']}"]
    assert wrong == []


def test_every_prod_reference_names_a_planned_urn(prod_json: dict[str, Any]) -> None:
    known = {r["urn"] for r in prod_json["resources"]} | {root_stack_urn("prod", "backend-storage")}
    references = {
        ref
        for r in prod_json["resources"]
        for ref in [
            r["parent"],
            r["provider"],
            *r["dependencies"],
            *(u for deps in r["property_dependencies"].values() for u in deps),
        ]
        if ref
    }
    assert references - known == set()


def test_no_prod_urn_has_the_sdk_mocks_stack_prefix(prod_json: dict[str, Any]) -> None:
    assert [u for u in json.dumps(prod_json).split('"') if "pulumi:pulumi:Stack$" in u] == []


def test_violations_name_planned_urns(prod_json: dict[str, Any]) -> None:
    known = {r["urn"] for r in prod_json["resources"]}
    assert {v["urn"] for v in prod_json["violations"] if v["urn"]} <= known


def test_same_named_children_of_different_parents_get_distinct_values(
    prod_json: dict[str, Any],
) -> None:
    # The database `catalog` and the cache `catalog` each own a `...-catalog-sg`: computed
    # values are seeded by the engine URN, so their physical names differ as in AWS.
    names = [
        r["outputs"]["name"]
        for r in prod_json["resources"]
        if r["name"] == "backend-storage-prod-catalog-sg"
    ]
    assert len(names) == 2 and len(set(names)) == 2


def test_apply_limit_targets_are_engine_urns() -> None:
    targets = resolve_limits(plan_of("prod"), ["databases.orders"])
    database = f"{P}{ENV}$backend-storage:rds:ManagedDatabase"
    assert {
        f"{database}::backend-storage-prod-orders",
        f"{database}$aws:rds/instance:Instance::backend-storage-prod-orders-writer",
        f"{database}$backend-storage:index:DisasterRecovery$aws:rds/instance:Instance"
        "::backend-storage-prod-orders-dr-replica",
    } <= set(targets) and set(targets) <= {r["urn"] for r in plan_of("prod")["resources"]}


def test_apply_limit_with_an_sdk_mock_urn_says_why_it_matches_nothing() -> None:
    old_form = f"{P}pulumi:pulumi:Stack${ENV}$backend-storage:rds:ManagedDatabase::backend-storage-prod-orders"
    with pytest.raises(LimitError, match=r"no `pulumi:pulumi:Stack\$` prefix"):
        resolve_limits(plan_of("prod"), [old_form])


# --- review keyed on engine URNs, with aliases ------------------------------------------

_STACK = root_stack_urn("dev", "backend-storage")


def _node(name: str, type_: str, parent: str = _STACK, **fields: Any) -> dict[str, Any]:
    custom = not type_.startswith("backend-storage:")
    return {
        "urn": resource_urn("dev", "backend-storage", parent, type_, name),
        "type": type_,
        "name": name,
        "parent": parent,
        "provider": None,
        "custom": custom,
        "protect": False,
        "retain_on_delete": False,
        "inputs": {"bucket": "b"} if custom else {},
        "aliases": [],
        **fields,
    }


def _tree(grandparent_type: str, **bucket_fields: Any) -> list[dict[str, Any]]:
    """env (of `grandparent_type`) → ObjectBucket component `data` → Bucket `data-bucket`."""
    env = _node("env", grandparent_type)
    component = _node("data", "backend-storage:s3:ObjectBucket", env["urn"])
    bucket = _node("data-bucket", "aws:s3/bucket:Bucket", component["urn"], **bucket_fields)
    return [env, component, bucket]


def _review(base: list[dict[str, Any]], head: list[dict[str, Any]]) -> dict[str, Any]:
    return diff_plans({"resources": base, "violations": []}, {"resources": head, "violations": []})


def test_review_sees_a_move_under_another_grandparent_as_a_replacement() -> None:
    # Same parent type, new grandparent type: only the full type chain tells them apart.
    old = _tree("backend-storage:index:Old")
    review = _review(old, _tree("backend-storage:index:New"))
    assert [
        (r["kind"], r["name"], old[2]["urn"] in r["detail"]) for r in review["data_loss_risks"]
    ] == [("urn-changed", "data-bucket", True)]


def test_review_treats_a_move_with_an_alias_as_an_update() -> None:
    old = _tree("backend-storage:index:Old")
    new = _tree("backend-storage:index:New", aliases=[old[2]["urn"]])
    review = _review(old, new)
    changed = [(c["name"], c["moved_from"]) for c in review["changed"]]
    assert (review["data_loss_risks"], review["added"], changed) == (
        [],
        [],
        [("data-bucket", old[2]["urn"])],
    )


def test_review_follows_an_alias_the_child_inherits_from_its_parent() -> None:
    old = _tree("backend-storage:index:Old")
    env = _node("env", "backend-storage:index:New", aliases=[old[0]["urn"]])
    new = _tree("backend-storage:index:New")
    new[0] = env
    review = _review(old, new)
    assert (review["data_loss_risks"], review["removed"]) == ([], [])


def test_review_sees_no_provider_change_when_the_provider_moved_with_an_alias() -> None:
    old_provider = _node("dr", "pulumi:providers:aws", inputs={"region": "eu-central-1"})
    old = [*_tree("backend-storage:index:Old"), old_provider]
    old[2]["provider"] = old_provider["urn"]
    new = _tree("backend-storage:index:Old")
    provider = _node("dr", "pulumi:providers:aws", new[0]["urn"], inputs={"region": "eu-central-1"})
    provider["aliases"] = [old_provider["urn"]]
    new[2]["provider"] = provider["urn"]
    review = _review(old, [*new, provider])
    # Only the provider itself is listed (moved); the bucket keeps its provider.
    assert (
        review["data_loss_risks"],
        [(c["name"], c["moved_from"]) for c in review["changed"]],
    ) == (
        [],
        [("dr", old_provider["urn"])],
    )
