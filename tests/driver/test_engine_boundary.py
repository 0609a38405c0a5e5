"""What reaches the `pulumi` CLI: `apply`, `destroy` and `drift` against a fake executable.

The Automation API drives the CLI as a subprocess; a fake `pulumi` first on PATH records
every argv and environment and answers as the CLI does (tests/fakes/pulumi_cli.py), so
these tests pin exactly what a real CLI would be asked to do.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from storagectl.deploy.targets import resolve_limits
from tests.fakes.fake_cli import FakePulumi, install
from tests.plans import REPO, plan_of

PACK = REPO / "policies"
SECRET_OUTPUT = "s3cr3t value\twith whitespace ünï"


def _summary(**changes: int) -> dict[str, Any]:
    return {
        "summaryEvent": {
            "maybeCorrupt": False,
            "durationSeconds": 1,
            "resourceChanges": changes,
            "PolicyPacks": {},
        }
    }


def _step(op: str, urn: str, key: str, old: Any, new: Any) -> dict[str, Any]:
    state = {"type": urn.split("::")[2], "urn": urn, "id": "id-1", "parent": "", "provider": ""}
    return {
        "resourcePreEvent": {
            "metadata": {
                "op": op,
                "urn": urn,
                "type": state["type"],
                "provider": "",
                "diffs": [key],
                "detailedDiff": {key: {"diffKind": "update", "inputDiff": True}},
                "old": {**state, "inputs": {key: old}},
                "new": {**state, "inputs": {key: new}},
            }
        }
    }


BUCKET = "urn:pulumi:dev::backend-storage::aws:s3/bucketV2:BucketV2::backend-storage-dev-invoices"
HISTORY = [
    {
        "kind": "update",
        "startTime": "2026-11-29T10:00:00.000Z",
        "endTime": "2026-11-29T10:01:00.000Z",
        "message": "",
        "environment": {},
        "config": {},
        "result": "succeeded",
        "version": 7,
        "resourceChanges": {"update": 1, "same": 100},
    }
]


@pytest.fixture
def fake(tmp_path: Path) -> FakePulumi:
    cli = install(tmp_path)
    cli.scenario(
        version="v3.210.0",
        preview={"events": [_summary(same=100)], "stdout": "Previewing update (dev)\n"},
        up={
            "events": [
                _step("update", BUCKET, "tags", {"a": "1"}, {"a": "2"}),
                _summary(update=1, same=100),
            ]
        },
        outputs={"environment": {"name": "dev"}, "token": SECRET_OUTPUT},
        secret_outputs=["token"],
        history=HISTORY,
    )
    return cli


def storagectl(fake: FakePulumi, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "storagectl", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        env=fake.env(),
        input=stdin,
    )


def _option(argv: list[str], name: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv) if a == name]


def test_check_mode_asks_the_cli_for_a_preview_with_the_pack_and_its_config(
    fake: FakePulumi,
) -> None:
    result = storagectl(fake, "apply", "dev", "--check")
    argv = fake.engine_call("preview")
    assert (
        result.returncode,
        _option(argv, "--stack"),
        _option(argv, "--policy-pack"),
        _option(argv, "--policy-pack-config"),
        "--target" in argv,
        fake.commands("up"),
    ) == (0, ["dev"], [str(PACK)], [str(PACK / "config" / "dev.json")], False, []), result.stderr


def test_limit_reaches_the_cli_as_engine_urns_with_dependents(fake: FakePulumi) -> None:
    result = storagectl(fake, "apply", "dev", "--check", "--limit", "databases.orders")
    argv = fake.engine_call("preview")
    expected = resolve_limits(plan_of("dev"), ["databases.orders"])
    assert (
        result.returncode,
        sorted(_option(argv, "--target")),
        "--target-dependents" in argv,
    ) == (0, expected, True), result.stderr
    assert all(u.startswith("urn:pulumi:dev::backend-storage::") for u in expected)


def test_apply_updates_then_hands_the_outputs_to_verify_without_leaking_secrets(
    fake: FakePulumi,
) -> None:
    result = storagectl(fake, "apply", "dev", "--yes")
    argv = fake.engine_call("up")
    everything = json.dumps(fake.calls())
    assert ("--skip-preview" in argv, _option(argv, "--stack"), "--yes" in argv) == (
        True,
        ["dev"],
        True,
    )
    # verify ran on the new outputs (they hold no stores, so it has nothing to prove, or
    # refuses them): either way, the run says so, and the secret output is never shown.
    assert "post-deploy checks: storagectl verify dev" in result.stderr
    assert SECRET_OUTPUT not in result.stdout + result.stderr
    assert SECRET_OUTPUT not in " ".join(" ".join(a) for a in fake.argvs())
    assert "--show-secrets" in everything  # the outputs were read, as the Automation API does


def test_skip_verify_runs_no_post_deploy_checks(fake: FakePulumi) -> None:
    result = storagectl(fake, "apply", "dev", "--yes", "--skip-verify")
    assert (result.returncode, "post-deploy checks: not run (--skip-verify)" in result.stderr) == (
        0,
        True,
    ), result.stderr


def test_an_old_cli_is_refused_with_the_upgrade_instruction(fake: FakePulumi) -> None:
    fake.scenario(version="v3.150.0")
    result = storagectl(fake, "apply", "dev", "--check")
    assert (
        result.returncode,
        "is 3.150.0; this collection needs 3.207.0" in result.stderr,
        "pulumi self-update" in result.stderr,
        "Traceback" in result.stderr,
        fake.commands("preview"),
    ) == (2, True, True, False, [])


def test_an_engine_failure_is_exit_3_with_the_cli_error_line(fake: FakePulumi) -> None:
    fake.scenario(
        version="v3.210.0",
        preview={"exit": 255, "stderr": "error: failed to load policy pack: boom\n"},
    )
    result = storagectl(fake, "apply", "dev", "--check")
    assert (
        result.returncode,
        "failed to load policy pack: boom" in result.stderr,
        "Traceback" in result.stderr,
    ) == (3, True, False)


def test_destroy_of_prod_is_refused_without_allow_prod_even_with_yes(fake: FakePulumi) -> None:
    result = storagectl(fake, "destroy", "prod", "--yes")
    assert (result.returncode, "pass --allow-prod" in result.stderr, fake.commands("destroy")) == (
        1,
        True,
        [],
    )


def test_destroy_of_prod_needs_the_typed_name_even_with_allow_prod(fake: FakePulumi) -> None:
    fake.scenario(version="v3.210.0", **{"destroy-preview": {"events": [_summary(delete=190)]}})
    result = storagectl(fake, "destroy", "prod", "--allow-prod", "--yes", stdin="yes\n")
    destroys = fake.commands("destroy")
    assert (
        result.returncode,
        "the name typed did not match" in result.stderr,
        ["--preview-only" in a for a in destroys],
    ) == (1, True, [True])
    assert "protected resource(s) will stop the destroy" in result.stderr


def test_destroy_of_dev_with_the_typed_name_destroys(fake: FakePulumi) -> None:
    fake.scenario(
        version="v3.210.0",
        **{
            "destroy-preview": {"events": [_summary(delete=100)]},
            "destroy": {"events": [_summary(delete=100)]},
        },
        history=[{**HISTORY[0], "kind": "destroy", "resourceChanges": {"delete": 100}}],
    )
    result = storagectl(fake, "destroy", "dev", stdin="dev\n")
    destroys = fake.commands("destroy")
    assert (
        result.returncode,
        ["--preview-only" in a for a in destroys],
        ["--skip-preview" in a for a in destroys],
    ) == (0, [True, False], [False, True]), result.stderr


def test_drift_reports_a_refreshed_difference_and_exits_1(fake: FakePulumi) -> None:
    drifted = _step("update", BUCKET, "serverSideEncryptionConfiguration", "aws:kms", "AES256")
    fake.scenario(
        version="v3.210.0",
        **{"refresh-preview": {"events": [drifted, _summary(update=1, same=99)]}},
        preview={"events": [_summary(same=100)]},
    )
    result = storagectl(fake, "drift", "dev", "--format", "json")
    document = json.loads(result.stdout)
    refresh = fake.engine_call("refresh")
    preview = fake.engine_call("preview")
    assert (
        result.returncode,
        document["summary"],
        "--preview-only" in refresh,
        "--expect-no-changes" in preview,
        _option(preview, "--policy-pack"),
    ) == (1, {"drifted": 1, "pending": 0}, True, True, [str(PACK)])
    assert document["drifted"][0]["properties"] == [
        {"path": "serverSideEncryptionConfiguration", "before": "aws:kms", "after": "AES256"}
    ]


def test_no_drift_exits_0(fake: FakePulumi) -> None:
    fake.scenario(
        version="v3.210.0",
        **{"refresh-preview": {"events": [_summary(same=100)]}},
        preview={"events": [_summary(same=100)]},
    )
    result = storagectl(fake, "drift", "dev")
    assert (result.returncode, "no drift" in result.stdout) == (0, True), result.stderr


def test_drift_redacts_credential_properties(fake: FakePulumi) -> None:
    leaked = _step("update", BUCKET, "masterPassword", "old-pass-1234", "new-pass-5678")
    fake.scenario(
        version="v3.210.0",
        **{"refresh-preview": {"events": [leaked, _summary(update=1)]}},
        preview={"events": [_summary(same=100)]},
    )
    result = storagectl(fake, "drift", "dev", "--format", "markdown")
    assert (
        result.returncode,
        "old-pass-1234" in result.stdout,
        "new-pass-5678" in result.stdout,
        "[secret]" in result.stdout,
    ) == (1, False, False, True)
