"""`storagectl apply`: the offline gate, limits, and what is handed to the Automation API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storagectl.deploy import automation, cli_version
from storagectl.deploy.automation import DeployRequest, EngineMissing
from storagectl.deploy.targets import LimitError, resolve_limits
from tests.plans import REPO, plan_of

PACK = REPO / "policies"


def storagectl(*args: str) -> subprocess.CompletedProcess[str]:
    # A PATH without any `pulumi`, as on these machines, whatever the caller's PATH.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "storagectl", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_limit_by_stack_file_key_selects_the_entrys_resources() -> None:
    urns = resolve_limits(plan_of("prod"), ["databases.orders"])
    names = {u.rsplit("::", 1)[1] for u in urns}
    assert {
        "backend-storage-prod-orders",
        "backend-storage-prod-orders-writer",
    } <= names and not any("catalog" in n or "invoices" in n for n in names)


def test_limit_by_prefixed_key_equals_unprefixed() -> None:
    plan = plan_of("prod")
    assert resolve_limits(plan, ["backend-storage:caches.sessions"]) == resolve_limits(
        plan, ["caches.sessions"]
    )


def test_limit_by_resource_name_selects_that_resource() -> None:
    (urn,) = resolve_limits(plan_of("dev"), ["backend-storage-dev-orders-writer"])
    assert urn.endswith("::backend-storage-dev-orders-writer")


def test_limit_matching_nothing_is_an_error() -> None:
    with pytest.raises(
        LimitError, match=r"--limit databases\.nope: matches no resource of stack dev"
    ):
        resolve_limits(plan_of("dev"), ["databases.nope"])


def test_engine_arguments_carry_pack_config_and_targets() -> None:
    request = DeployRequest(
        REPO, "prod", PACK, PACK / "config" / "prod.json", targets=("urn:a",), diff=True
    )
    assert request.engine_arguments() == {
        "policy_packs": [str(PACK)],
        "policy_pack_configs": [str(PACK / "config" / "prod.json")],
        "diff": True,
        "target": ["urn:a"],
        "target_dependents": True,
    }


def test_engine_arguments_without_limits_target_everything() -> None:
    request = DeployRequest(REPO, "dev", PACK, None)
    assert request.engine_arguments() == {"policy_packs": [str(PACK)], "diff": False}


def test_missing_cli_is_reported_not_crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_version.shutil, "which", lambda _: None)
    with pytest.raises(EngineMissing, match="the Pulumi CLI is not installed"):
        automation.run(DeployRequest(REPO, "dev", PACK, None, check=True), print)


# What `apply` hands the engine is asserted at the process boundary, against a fake
# `pulumi` executable: tests/driver/test_engine_boundary.py.


def test_apply_refuses_mandatory_violations_before_the_engine(tmp_path: Path) -> None:
    text = (REPO / "stacks" / "Pulumi.prod.yaml").read_text(encoding="utf-8")
    weak = tmp_path / "Pulumi.prod.yaml"
    weak.write_text(
        text.replace(
            "      databaseName: orders\n",
            "      databaseName: orders\n      backupRetentionDays: 3\n",
        )
    )
    result = storagectl("apply", "prod", "--yes", "--config-file", str(weak))
    assert (
        result.returncode,
        "refusing to deploy prod: 1 mandatory policy violation(s)" in result.stderr,
    ) == (1, True)


def test_apply_without_yes_or_check_changes_nothing() -> None:
    result = storagectl("apply", "dev")
    assert (result.returncode, "pass --yes, or --check" in result.stderr) == (2, True)


def test_apply_without_pulumi_cli_exits_2() -> None:
    result = storagectl("apply", "dev", "--check")
    assert (
        result.returncode,
        "the Pulumi CLI is not installed" in result.stderr,
        "Traceback" in result.stderr,
    ) == (2, True, False)


def test_apply_with_unknown_limit_exits_2() -> None:
    result = storagectl("apply", "dev", "--check", "--limit", "buckets.nope")
    assert (result.returncode, "--limit buckets.nope: matches no resource" in result.stderr) == (
        2,
        True,
    )
