"""EncryptionKey under the SDK mocks: one invariant per test, the URN in the message."""

from __future__ import annotations

import json

import pytest

from tests.plans import STACKS, plan_of, resources_of
from tests.unit.components.shipped import build

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
def test_key_is_multi_region_in_every_tier(stack: str, key: dict) -> None:
    # `multiRegion` is fixed at creation: a tier that turns DR on later must not have to
    # replace its keys (issue 10, item 5).
    assert key["inputs"]["multiRegion"] is True, key["urn"]


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


def key_policies(stack: str) -> list[tuple[str, list[dict]]]:
    """(URN, statements) of every key policy of a stack."""
    return [
        (p["urn"], json.loads(p["inputs"]["policy"])["Statement"])
        for p in resources_of(plan_of(stack), "aws:kms/keyPolicy:KeyPolicy")
    ]


def statement(statements: list[dict], sid: str) -> dict:
    (found,) = [s for s in statements if s["Sid"] == sid]
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_key_administrators_can_replicate_the_key(stack: str) -> None:
    # A replica created later (new DR region, re-created replica) needs kms:ReplicateKey
    # on the primary; kms:UpdatePrimaryRegion promotes the DR replica after a failover.
    for urn, statements in key_policies(stack):
        admin = statement(statements, "EnableKeyAdministrationByTheAccount")
        missing = {"kms:ReplicateKey", "kms:UpdatePrimaryRegion"} - set(admin["Action"])
        assert not missing, f"{urn}: administrators lack {missing}"


@pytest.mark.parametrize("stack", STACKS)
def test_key_administration_grants_no_use_in_disguise(stack: str) -> None:
    # kms:Create* contains kms:CreateGrant; kms:Put* is kms:PutKeyPolicy (issue 10, item 11).
    for urn, statements in key_policies(stack):
        admin = statement(statements, "EnableKeyAdministrationByTheAccount")
        actions = set(admin["Action"])
        wildcards = [a for a in actions if "*" in a]
        use = actions & {"kms:CreateGrant", "kms:PutKeyPolicy", "kms:Decrypt", "kms:Encrypt"}
        assert (wildcards, use) == ([], set()), f"{urn}: {wildcards} {use}"


@pytest.mark.parametrize("stack", STACKS)
def test_only_the_key_policy_administrators_may_change_the_policy(stack: str) -> None:
    spec = build(stack).spec
    named = list(spec.key_policy_administrators)
    for urn, statements in key_policies(stack):
        changers = [s for s in statements if "kms:PutKeyPolicy" in s["Action"]]
        assert len(changers) == 1 and changers[0]["Action"] == ["kms:PutKeyPolicy"], urn
        # Never nobody: KMS's lockout safety check refuses a policy its own deployer could
        # not set again.
        principal = changers[0]["Principal"]["AWS"]
        assert (principal if isinstance(principal, list) else [principal]) == (
            named or [f"arn:aws:iam::{spec.account_id}:root"]
        ), urn
