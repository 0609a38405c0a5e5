"""`storagectl doctor`: each check against a machine that passes it and one that does not."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from stackspec import load_stack_file
from storagectl.commands.doctor import FIX, OK, check_aws, check_kubeconfig, check_policy_pack
from tests.fakes.fake_cli import FakePulumi, install
from tests.plans import REPO

TOKEN = "pul-0123456789abcdef0123456789abcdef"


def doctor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "storagectl", "doctor", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.fixture
def fake(tmp_path: Path) -> FakePulumi:
    return install(tmp_path)


def test_without_the_cli_doctor_says_what_to_install_and_still_validates_stacks() -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    result = doctor(env)
    lines = result.stdout.splitlines()
    assert (
        result.returncode,
        any(
            "[    fix] Pulumi CLI: the Pulumi CLI is not installed" in ln
            and "3.207.0 or later" in ln
            for ln in lines
        ),
        [ln.split("]")[0] for ln in lines if "stack " in ln and "valid" in ln],
        any("[skipped] backend login" in ln for ln in lines),
    ) == (1, True, ["[     ok", "[     ok", "[     ok"], True), result.stdout + result.stderr


def test_an_old_cli_is_a_fix(fake: FakePulumi) -> None:
    fake.scenario(version="v3.100.0")
    result = doctor(fake.env(), "dev")
    assert "[    fix] Pulumi CLI: the Pulumi CLI at" in result.stdout
    assert "is 3.100.0; this collection needs 3.207.0" in result.stdout


def test_logged_in_backend_is_reported_by_user_and_url(fake: FakePulumi) -> None:
    fake.scenario(
        version="v3.210.0",
        whoami={"user": "alice", "url": "https://app.pulumi.com/alice", "organizations": ["acme"]},
    )
    result = doctor({**fake.env(), "PULUMI_ACCESS_TOKEN": TOKEN}, "dev")
    assert "[     ok] backend login: logged in as alice at https://app.pulumi.com/alice" in (
        result.stdout
    ), result.stdout
    assert ["--non-interactive", "whoami", "--json"] in fake.argvs() or any(
        a[-2:] == ["whoami", "--json"] for a in fake.argvs()
    )
    assert TOKEN not in result.stdout + result.stderr


def test_a_failed_login_never_echoes_the_token(fake: FakePulumi) -> None:
    fake.scenario(version="v3.210.0", whoami_error=f"invalid access token {TOKEN}")
    result = doctor({**fake.env(), "PULUMI_ACCESS_TOKEN": TOKEN}, "dev")
    assert (
        result.returncode,
        "[    fix] backend login: not logged in" in result.stdout,
        TOKEN in result.stdout + result.stderr,
    ) == (1, True, False), result.stdout


def test_an_invalid_stack_is_a_fix_naming_the_problem(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    result = doctor(env, "nope")
    assert (result.returncode, "no such stack file" in result.stderr) == (2, True)


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_aws_credentials_in_an_allowed_account_pass(moto_endpoint: str) -> None:
    spec = load_stack_file(REPO / "stacks" / "Pulumi.dev.yaml")
    # moto answers GetCallerIdentity for its default account.
    allowed = spec.model_copy(update={"account_id": "123456789012"})
    finding = check_aws({"dev": allowed}, moto_endpoint)
    assert (finding.status, "account 123456789012" in finding.detail) == (OK, True)


def test_aws_credentials_in_another_account_are_a_fix(moto_endpoint: str) -> None:
    spec = load_stack_file(REPO / "stacks" / "Pulumi.dev.yaml")
    other = spec.model_copy(update={"account_id": "999999999999"})
    finding = check_aws({"dev": other}, moto_endpoint)
    assert (finding.status, "does not allow" in finding.detail) == (FIX, True)
    assert "testing" not in finding.detail


def test_no_aws_endpoint_answering_is_a_fix_within_bounds(moto_endpoint: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    spec = load_stack_file(REPO / "stacks" / "Pulumi.dev.yaml")
    finding = check_aws({"dev": spec}, closed)
    assert (finding.status, "no usable AWS credentials" in finding.detail) == (FIX, True)


def _pack(tmp_path: Path, python: str) -> Path:
    pack = tmp_path / "pack"
    (pack / "venv" / "bin").mkdir(parents=True)
    (pack / "PulumiPolicy.yaml").write_text(
        "runtime:\n  name: python\n  options:\n    virtualenv: venv\n", encoding="utf-8"
    )
    wrapper = pack / "venv" / "bin" / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{python}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return pack


def test_policy_pack_environment_with_pulumi_policy_passes(tmp_path: Path) -> None:
    finding = check_policy_pack(_pack(tmp_path, sys.executable))
    assert finding.status == OK, finding.detail


def test_policy_pack_environment_without_pulumi_policy_is_a_fix(tmp_path: Path) -> None:
    broken = tmp_path / "python-without-policy"
    broken.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    broken.chmod(0o755)
    finding = check_policy_pack(_pack(tmp_path, str(broken)))
    assert (finding.status, "run scripts/bootstrap" in finding.detail) == (FIX, True)


def test_kubeconfig_context_present_passes_and_missing_is_a_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = load_stack_file(REPO / "stacks" / "Pulumi.prod.yaml")
    context = spec.cluster.kubernetes.context  # type: ignore[union-attr]
    config = tmp_path / "kubeconfig"
    monkeypatch.setenv("KUBECONFIG", str(config))
    config.write_text(f"contexts:\n- name: {context}\n  context: {{cluster: c}}\n", "utf-8")
    present = check_kubeconfig({"prod": spec})
    config.write_text("contexts:\n- name: somewhere-else\n", "utf-8")
    missing = check_kubeconfig({"prod": spec})
    assert (
        [f.status for f in present],
        [f.status for f in missing],
        "aws eks update-kubeconfig" in missing[0].detail,
    ) == ([OK], [FIX], True)
