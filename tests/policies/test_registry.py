"""Meta-tests over the registry: names, docs, metadata, coverage and configs stay consistent."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from pulumi_policy import ResourceValidationArgs, Severity

from tests.policies.harness import PACK_DIR, REGISTRY, Registry, tokens

REQUIRED_CONTROLS = (
    [
        "S3.2",
        "S3.3",
        "S3.5",
        "S3.6",
        "S3.7",
        "S3.8",
        "S3.9",
        "S3.10",
        "S3.12",
        "S3.13",
        "S3.14",
        "S3.15",
        "S3.17",
    ]
    + [
        f"RDS.{n}"
        for n in (
            2,
            3,
            5,
            6,
            7,
            8,
            9,
            10,
            11,
            12,
            13,
            15,
            16,
            17,
            18,
            23,
            24,
            25,
            27,
            35,
            36,
            37,
            38,
            39,
        )
    ]
    + [f"ElastiCache.{n}" for n in range(1, 8)]
    + [f"KMS.{n}" for n in range(1, 6)]
    + ["IAM.1", "IAM.2", "IAM.21"]
    + ["DynamoDB.1", "DynamoDB.2", "DynamoDB.6"]
    + [f"DocumentDB.{n}" for n in range(1, 6)]
)
NAME = re.compile(
    r"^(s3|rds|elasticache|kms|iam|aws|dynamodb|docdb)(-[a-z0-9]+)+-(missing|disallow|enable|disable|configure|enforce)(-[a-z0-9]+)+$"
)
RULES = list(REGISTRY)
CONFIGS = sorted((PACK_DIR / "config").glob("*.json"))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_name_follows_the_pattern(rule) -> None:
    assert NAME.match(rule.name)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_is_documented(rule) -> None:
    assert rule.description.startswith("Checks that") and rule.description.endswith(".")
    assert rule.remediation and rule.policy.remediation_steps == rule.remediation
    assert isinstance(rule.severity, Severity) and rule.policy.severity == rule.severity
    assert rule.controls, "FSBP ids where they apply, the pack's own BS.n otherwise"
    assert all(
        re.fullmatch(r"(S3|RDS|ElastiCache|KMS|IAM|DynamoDB|DocumentDB)\.\d+|BS\.\d+", c)
        for c in rule.controls
    )


class _Untouchable(Mapping):
    """Props that fail the test when a rule reads them."""

    def __getitem__(self, key: object) -> object:
        raise AssertionError(f"read {key!r}")

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("iterated")

    def __len__(self) -> int:
        raise AssertionError("measured")


@pytest.mark.parametrize("rule", [r for r in RULES if not r.is_stack_rule], ids=lambda r: r.name)
def test_resource_rule_judges_only_its_declared_types(rule) -> None:
    # The offline evaluator calls a resource rule only for resources of
    # `Rule.resource_types` (storagectl/policy/evaluate.py `_judged`): that is only the
    # same result if the rule neither reads nor reports any other type.
    assert rule.resource_types
    other = "aws:sns/topic:Topic"
    assert other not in rule.resource_types
    args = ResourceValidationArgs(
        other, _Untouchable(), f"urn:pulumi:prod::p::{other}::t", "t", None, None, {}
    )
    found: list[str] = []
    rule.policy.validate(args, lambda message, urn=None: found.append(message))
    assert found == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_declares_the_causes_it_reports(rule) -> None:
    assert rule.causes and all(
        re.fullmatch(r"[A-Za-z_.-]+(:[A-Za-z0-9_-]+)?", c) for c in rule.causes
    )


def test_own_control_ids_are_unique_per_rule() -> None:
    own = [c for rule in RULES for c in rule.controls if c.startswith("BS.")]
    assert len(own) == len(set(own))


def test_framework_reference_lists_only_fsbp_ids() -> None:
    for rule in RULES:
        framework = rule.policy.framework
        if rule.fsbp_controls:
            assert framework is not None and framework.reference == ", ".join(rule.fsbp_controls)
        else:
            assert framework is None


@pytest.mark.parametrize("control", REQUIRED_CONTROLS)
def test_every_required_fsbp_control_is_implemented(control: str) -> None:
    assert any(control in rule.controls for rule in RULES)


def test_registry_refuses_duplicate_names() -> None:
    registry = Registry()
    registry.add(RULES[0])
    with pytest.raises(ValueError, match="already registered"):
        registry.add(RULES[0])


def test_registry_refuses_malformed_names() -> None:
    registry = Registry()
    with pytest.raises(ValueError, match="does not follow"):
        registry.resource_rule(
            "BucketsMustBeEncrypted", "Checks that x.", types=(), remediation="x"
        )(lambda args, report: None)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_config_names_only_existing_rules(path: Path) -> None:
    document = json.loads(path.read_text())
    assert document["all"] == "advisory"
    assert set(document) - {"all"} <= {rule.name for rule in RULES}


def test_prod_config_makes_every_security_rule_mandatory() -> None:
    document = json.loads((PACK_DIR / "config" / "prod.json").read_text())

    def level(entry):
        return entry if isinstance(entry, str) else entry["enforcementLevel"]

    mandatory = {
        name for name, entry in document.items() if name != "all" and level(entry) == "mandatory"
    }
    assert mandatory == {rule.name for rule in RULES if rule.security}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_config_schema_has_defaults_or_is_optional(rule) -> None:
    schema = rule.policy.config_schema
    assert schema is None or not schema.required


@pytest.mark.parametrize("token", sorted(set(tokens.TAGGABLE)))
def test_taggable_types_accept_tags_in_pulumi_aws(token: str) -> None:
    import importlib

    module_path, cls = token.split(":")[1].split("/")[0], token.split(":")[2]
    module = importlib.import_module(f"pulumi_aws.{module_path}")
    assert "tags" in inspect.signature(getattr(module, cls)._internal_init).parameters


def test_pack_imports_nothing_from_the_rest_of_the_repository() -> None:
    for path in (PACK_DIR / "storage_policies").glob("*.py"):
        text = path.read_text()
        assert "components" not in re.findall(r"^(?:from|import) (\w+)", text, re.M)
        assert "storagectl" not in re.findall(r"^(?:from|import) (\w+)", text, re.M)
