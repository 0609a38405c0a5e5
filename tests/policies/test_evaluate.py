"""The offline evaluator over hand-written plan documents, and its SARIF / Markdown forms."""

from __future__ import annotations

import copy
import gc
import json
from pathlib import Path

import jsonschema
import pytest

from storagectl.policy import PolicyConfigError, evaluate, evaluate_plan, to_markdown, to_sarif
from tests.policies.harness import PACK_DIR, Registry

KEY_TYPE = "aws:kms/key:Key"
TAGS = {
    "environment": "prod",
    "owner": "storage",
    "data-classification": "internal",
    "managed-by": "pulumi",
}
PROVIDER = "urn:pulumi:prod::backend-storage::pulumi:providers:aws::default_7_0_0"
COMPONENT = "urn:pulumi:prod::backend-storage::backend-storage:storage:EncryptionKey::invoices"
KEY = f"urn:pulumi:prod::backend-storage::backend-storage:storage:EncryptionKey${KEY_TYPE}::invoices-key"
POLICY = "urn:pulumi:prod::backend-storage::aws:iam/policy:Policy::reader"
SCOPED = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": "arn:aws:kms:eu-west-1:123456789012:key/1",
            }
        ]
    }
)
FULL_ADMIN = json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
KEY_POLICY = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "kms:*",
                "Resource": "*",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            }
        ]
    }
)


def _resource(urn: str, type_: str, name: str, inputs: dict, **extra) -> dict:
    custom = not type_.startswith("backend-storage:")
    return {
        "urn": urn,
        "type": type_,
        "name": name,
        "parent": extra.get("parent"),
        "provider": PROVIDER if custom and not type_.startswith("pulumi:providers:") else None,
        "custom": custom,
        "protect": extra.get("protect", False),
        "retain_on_delete": False,
        "delete_before_replace": False,
        "ignore_changes": [],
        "additional_secret_outputs": [],
        "dependencies": [],
        "property_dependencies": extra.get("property_dependencies", {}),
        "inputs": inputs,
        "outputs": {**inputs, **extra.get("computed", {})},
        "source": extra.get("source"),
    }


def compliant_plan() -> dict:
    """A prod plan of one protected, rotating, tagged key and a scoped policy: no violations."""
    return {
        "project": "backend-storage",
        "stack": "prod",
        "program": "/repo/__main__.py",
        "config": {"aws:region": "eu-west-1"},
        "resources": [
            _resource(PROVIDER, "pulumi:providers:aws", "default_7_0_0", {"region": "eu-west-1"}),
            _resource(
                COMPONENT,
                "backend-storage:storage:EncryptionKey",
                "invoices",
                {},
                source={
                    "file": "stacks/Pulumi.prod.yaml",
                    "line": 12,
                    "key": "backend-storage:keys.invoices",
                },
            ),
            _resource(
                KEY,
                KEY_TYPE,
                "invoices-key",
                {
                    "enableKeyRotation": True,
                    "deletionWindowInDays": 30,
                    "policy": KEY_POLICY,
                    "tags": TAGS,
                },
                parent=COMPONENT,
                protect=True,
                computed={"arn": "arn:aws:kms:eu-west-1:123456789012:key/1"},
            ),
            _resource(POLICY, "aws:iam/policy:Policy", "reader", {"policy": SCOPED, "tags": TAGS}),
        ],
        "outputs": {},
        "violations": [],
        "summary": {},
    }


def weakened_plan() -> dict:
    plan = compliant_plan()
    plan["resources"][2]["inputs"]["enableKeyRotation"] = False
    plan["resources"][3]["inputs"]["policy"] = json.dumps(
        {"Statement": {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": "*"}}
    )
    return plan


def test_compliant_plan_has_no_violations() -> None:
    assert evaluate_plan(compliant_plan(), None) == []


def test_weakened_plan_has_exactly_the_expected_violations() -> None:
    found = {(v["policy"], v["name"]) for v in evaluate_plan(weakened_plan(), None)}
    assert found == {
        ("kms-key-enable-rotation", "invoices-key"),
        ("iam-policy-disallow-kms-decrypt-all-keys", "reader"),
    }


def test_violation_carries_the_contract_fields() -> None:
    (violation,) = [v for v in evaluate_plan(weakened_plan(), None) if v["name"] == "invoices-key"]
    assert violation == {
        "policy": "kms-key-enable-rotation",
        "enforcement": "advisory",
        "urn": KEY,
        "name": "invoices-key",
        "type": KEY_TYPE,
        "message": violation["message"],
        "controls": ["KMS.4"],
        "severity": "medium",
        "remediation": violation["remediation"],
    }


def test_prod_config_makes_security_rules_mandatory() -> None:
    levels = {
        v["policy"]: v["enforcement"]
        for v in evaluate_plan(weakened_plan(), PACK_DIR / "config" / "prod.json")
    }
    assert levels == {
        "kms-key-enable-rotation": "mandatory",
        "iam-policy-disallow-kms-decrypt-all-keys": "mandatory",
    }


def test_disabled_rules_are_skipped(tmp_path: Path) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"all": "mandatory", "kms-key-enable-rotation": "disabled"}))
    found = evaluate_plan(weakened_plan(), config)
    assert [(v["policy"], v["enforcement"]) for v in found] == [
        ("iam-policy-disallow-kms-decrypt-all-keys", "mandatory")
    ]


def test_config_naming_an_unknown_policy_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"s3-bucket-be-nice": "mandatory"}))
    with pytest.raises(PolicyConfigError, match="s3-bucket-be-nice"):
        evaluate_plan(weakened_plan(), config)


def test_config_properties_reach_the_rule(tmp_path: Path) -> None:
    config = tmp_path / "policy.json"
    config.write_text(
        json.dumps(
            {
                "aws-stateful-resource-enforce-protect": {
                    "enforcementLevel": "mandatory",
                    "protectedEnvironments": ["prod"],
                }
            }
        )
    )
    plan = compliant_plan()
    bucket = "urn:pulumi:prod::backend-storage::aws:s3/bucket:Bucket::logs"
    plan["resources"].append(_resource(bucket, "aws:s3/bucket:Bucket", "logs", {"tags": TAGS}))
    found = {v["policy"] for v in evaluate_plan(plan, config)}
    assert "aws-stateful-resource-enforce-protect" in found
    config.write_text(
        json.dumps({"aws-stateful-resource-enforce-protect": {"protectedEnvironments": ["qa"]}})
    )
    found = {v["policy"] for v in evaluate_plan(plan, config)}
    assert "aws-stateful-resource-enforce-protect" not in found


def test_unprotected_key_is_reported_once_by_kms3() -> None:
    plan = compliant_plan()
    plan["resources"][2]["protect"] = False
    found = [
        (v["policy"], v["name"]) for v in evaluate_plan(plan, PACK_DIR / "config" / "prod.json")
    ]
    assert found == [("kms-key-enable-deletion-protection", "invoices-key")]


def test_unknown_values_in_preview_produce_no_violation() -> None:
    plan = weakened_plan()
    for resource in plan["resources"][2:]:
        resource["inputs"] = {k: "[unknown]" for k in resource["inputs"]}
        resource["outputs"] = {k: "[unknown]" for k in resource["outputs"]}
    assert evaluate_plan(plan, None) == []


def test_stack_rules_report_the_resource_they_judge() -> None:
    plan = compliant_plan()
    bucket = "urn:pulumi:prod::backend-storage::aws:s3/bucket:Bucket::logs"
    plan["resources"].append(
        _resource(bucket, "aws:s3/bucket:Bucket", "logs", {"tags": TAGS}, protect=True)
    )
    found = [v for v in evaluate_plan(plan, None) if v["policy"] == "s3-bucket-enable-versioning"]
    assert [(v["urn"], v["name"], v["type"]) for v in found] == [
        (bucket, "logs", "aws:s3/bucket:Bucket")
    ]


@pytest.mark.parametrize("enabled", [True, False])
def test_evaluation_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        evaluate_plan(weakened_plan(), None)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_garbage_collector_is_restored_when_a_rule_fails(monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("rule failed")

    monkeypatch.setattr(evaluate, "_run", broken)
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        evaluate_plan(weakened_plan(), None)
    assert gc.isenabled()


def test_resources_are_judged_in_plan_order_whatever_their_types() -> None:
    plan = compliant_plan()
    policy = plan["resources"][3]
    plan["resources"] = plan["resources"][:3]
    names = ["b-reader", "a-reader", "c-reader"]
    for name in names:
        plan["resources"].append({**copy.deepcopy(policy), "urn": f"{POLICY}-{name}", "name": name})
        # A role between the policies: both types are judged by the same rule.
        plan["resources"].append(
            _resource(
                f"urn:pulumi:prod::backend-storage::aws:iam/role:Role::{name}-role",
                "aws:iam/role:Role",
                f"{name}-role",
                {"inlinePolicies": [{"name": "full", "policy": FULL_ADMIN}], "tags": TAGS},
            )
        )
        plan["resources"][-2]["inputs"]["policy"] = FULL_ADMIN
    found = [
        v["name"]
        for v in evaluate_plan(plan, None)
        if v["policy"] == "iam-policy-disallow-full-admin"
    ]
    assert found == [n for name in names for n in (name, f"{name}-role")]


def test_each_stack_rule_sees_its_own_config(tmp_path: Path, monkeypatch) -> None:
    # Stack rules with equal configs share their arguments (one stack index); a rule
    # configured differently must still see its own values, and a rule true where the other
    # is 1 is configured differently.
    seen: dict[str, object] = {}
    registry = Registry()
    for name in ("alpha", "beta", "gamma", "delta"):

        def check(args, report, name=name) -> None:
            seen[name] = dict(args.get_config())

        registry.stack_rule(
            f"aws-probe-enforce-{name}",
            "Checks that the probe sees its config.",
            types=("*",),
            remediation="None.",
            config={"limit": {"default": 0}},
        )(check)
    config = tmp_path / "probe.json"
    config.write_text(
        json.dumps(
            {
                "aws-probe-enforce-alpha": {"limit": 1},
                "aws-probe-enforce-delta": {"limit": True},
            }
        )
    )
    monkeypatch.setattr(evaluate.load_pack(), "REGISTRY", registry)
    evaluate_plan(compliant_plan(), config)
    assert seen == {
        "alpha": {"limit": 1},
        "beta": {"limit": 0},
        "gamma": {"limit": 0},
        "delta": {"limit": True},
    }
    assert seen["delta"]["limit"] is True


def test_secret_values_never_reach_messages() -> None:
    plan = compliant_plan()
    db = "urn:pulumi:prod::backend-storage::aws:rds/instance:Instance::orders"
    plan["resources"].append(
        _resource(
            db,
            "aws:rds/instance:Instance",
            "orders",
            {"engine": "postgres", "password": "[secret]"},
        )
    )
    text = json.dumps(evaluate_plan(plan, None))
    assert "[secret]" not in text and "password directly" in text


def test_sarif_validates_against_the_schema(sarif_schema: dict) -> None:
    plan = weakened_plan()
    log = to_sarif(plan, evaluate_plan(plan, None), root=Path("/repo"))
    jsonschema.Draft4Validator(sarif_schema).validate(log)


def test_sarif_locates_spec_resources_at_their_stack_file_line() -> None:
    plan = weakened_plan()
    log = to_sarif(plan, evaluate_plan(plan, None), root=Path("/repo"))
    locations = {
        r["ruleId"]: r["locations"][0]["physicalLocation"] for r in log["runs"][0]["results"]
    }
    assert locations["kms-key-enable-rotation"] == {
        "artifactLocation": {"uri": "stacks/Pulumi.prod.yaml"},
        "region": {"startLine": 12},
    }
    assert locations["iam-policy-disallow-kms-decrypt-all-keys"] == {
        "artifactLocation": {"uri": "__main__.py"}
    }


def test_sarif_rules_carry_help_and_controls() -> None:
    log = to_sarif(compliant_plan(), [])
    rule = next(
        r
        for r in log["runs"][0]["tool"]["driver"]["rules"]
        if r["id"] == "s3-bucket-enforce-public-access-block"
    )
    assert "S3.8" in rule["help"]["text"] and "S3.8" in rule["properties"]["tags"]


def test_markdown_summary_counts_and_lists_violations() -> None:
    plan = weakened_plan()
    violations = evaluate_plan(plan, PACK_DIR / "config" / "prod.json")
    text = to_markdown(plan, violations)
    assert "**2 mandatory**, 0 advisory" in text and "`kms-key-enable-rotation`" in text


def test_markdown_summary_is_capped() -> None:
    plan = weakened_plan()
    violations = [copy.deepcopy(v) for v in evaluate_plan(plan, None)] * 20
    text = to_markdown(plan, violations, limit=5)
    assert "... and 35 more" in text
