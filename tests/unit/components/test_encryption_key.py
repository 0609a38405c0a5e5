"""EncryptionKey under the SDK mocks: one invariant per test, the URN in the message."""

from __future__ import annotations

import json

import pytest

from tests.plans import STACKS, plan_of, resources_of

KEY = "aws:kms/key:Key"


def keys() -> list[tuple[str, dict]]:
    return [(s, k) for s in STACKS for k in resources_of(plan_of(s), KEY)]


@pytest.mark.parametrize(
    ("stack", "key"), keys(), ids=lambda v: v["name"] if isinstance(v, dict) else v
)
def test_key_rotates(stack: str, key: dict) -> None:
    assert key["inputs"]["enableKeyRotation"] is True, key["urn"]


@pytest.mark.parametrize(
    ("stack", "key"), keys(), ids=lambda v: v["name"] if isinstance(v, dict) else v
)
def test_key_has_a_30_day_deletion_window(stack: str, key: dict) -> None:
    assert key["inputs"]["deletionWindowInDays"] == 30, key["urn"]


@pytest.mark.parametrize(
    ("stack", "key"), keys(), ids=lambda v: v["name"] if isinstance(v, dict) else v
)
def test_key_is_multi_region_only_with_dr(stack: str, key: dict) -> None:
    assert key["inputs"]["multiRegion"] is (stack == "prod"), key["urn"]


@pytest.mark.parametrize("stack", STACKS)
def test_one_key_per_data_class(stack: str) -> None:
    names = sorted(k["name"] for k in resources_of(plan_of(stack), KEY))
    assert names == [
        f"backend-storage-{stack}-{c}-key" for c in ("confidential", "internal", "restricted")
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_key_policy_gives_the_account_administration_without_direct_use(stack: str) -> None:
    for policy in resources_of(plan_of(stack), "aws:kms/keyPolicy:KeyPolicy"):
        statements = json.loads(policy["inputs"]["policy"])["Statement"]
        admin = next(s for s in statements if s["Sid"] == "EnableKeyAdministrationByTheAccount")
        assert not {"kms:Decrypt", "kms:*", "kms:GenerateDataKey"} & set(admin["Action"]), policy[
            "urn"
        ]


def test_prod_replica_keys_live_in_the_dr_region() -> None:
    plan = plan_of("prod")
    (provider,) = resources_of(plan, "pulumi:providers:aws")
    replicas = resources_of(plan, "aws:kms/replicaKey:ReplicaKey")
    assert len(replicas) == 3
    for replica in replicas:
        assert (replica["provider"], ":eu-central-1:" in replica["outputs"]["arn"]) == (
            provider["urn"],
            True,
        ), replica["urn"]


@pytest.mark.parametrize(
    ("stack", "key"), keys(), ids=lambda v: v["name"] if isinstance(v, dict) else v
)
def test_keys_are_protected_outside_dev(stack: str, key: dict) -> None:
    assert key["protect"] is (stack != "dev"), key["urn"]
