"""`storagectl verify` end to end: the shipped suite against real servers and moto."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from storagectl.commands.verify import verify
from storagectl.verify.runner import run_verify
from tests.verify import environments
from tests.verify.aws_world import create_secret
from tests.verify.servers import PRIMARY_HOST, REPLICA_HOST

# Real servers (or moto) on loopback: deselect with `-m "not servers"`.
pytestmark = pytest.mark.servers

STACKS = Path(__file__).parent / "data" / "stacks"


@dataclass(frozen=True)
class Run:
    """What one `verify` run returned and printed."""

    status: int
    out: str
    err: str

    def checks(self) -> list[dict[str, str]]:
        """The JSON report's check lines."""
        return json.loads(self.out)["checks"]

    def status_of(self, check: str, target: str) -> str:
        """The status of one check line."""
        return next(
            c["status"] for c in self.checks() if (c["check"], c["target"]) == (check, target)
        )


@pytest.fixture(scope="session")
def passing_outputs(
    tmp_path_factory, moto_endpoint, compliant, pg_pair, mariadb_pair, redis_pair, passwords
) -> Path:
    """Outputs of an environment that does everything its stack file says."""
    primary, replica = redis_pair
    secret = {
        "pg": create_secret(moto_endpoint, "pass/orders", "storage_admin", passwords.postgres),
        "maria": create_secret(moto_endpoint, "pass/catalog", "storage_admin", passwords.mariadb),
        "app": create_secret(moto_endpoint, "pass/sessions/app", "app", passwords.redis_app),
    }
    document = environments.document(
        compliant,
        {
            "orders": environments.database(
                "postgres",
                "localhost",
                [REPLICA_HOST],
                pg_pair.port,
                compliant.database,
                secret["pg"],
                compliant.key_arn,
            ),
            "catalog": environments.database(
                "mysql",
                PRIMARY_HOST,
                [REPLICA_HOST],
                mariadb_pair.port,
                compliant.mysql_database,
                secret["maria"],
                compliant.key_arn,
            ),
        },
        primary.host,
        replica.host,
        primary.port,
        secret["app"],
    )
    path = tmp_path_factory.mktemp("outputs") / "passing.json"
    path.write_text(json.dumps(document))
    return path


@pytest.fixture(scope="session")
def failing_outputs(
    tmp_path_factory,
    moto_endpoint,
    noncompliant,
    machine_pg_port,
    mariadb_pair,
    plain_redis,
    passwords,
) -> Path:
    """Outputs of an environment that is open: plain TCP, no auth, AWS protections off."""
    secret = {
        "pg": create_secret(moto_endpoint, "fail/orders", "postgres", passwords.postgres),
        "maria": create_secret(moto_endpoint, "fail/catalog", "storage_admin", passwords.mariadb),
        "app": create_secret(moto_endpoint, "fail/sessions/app", "app", passwords.redis_app),
    }
    document = environments.document(
        noncompliant,
        {
            "orders": environments.database(
                "postgres",
                PRIMARY_HOST,
                [],
                machine_pg_port,
                noncompliant.database,
                secret["pg"],
                noncompliant.key_arn,
            ),
            "catalog": environments.database(
                "mysql",
                PRIMARY_HOST,
                [REPLICA_HOST],
                mariadb_pair.port,
                noncompliant.mysql_database,
                secret["maria"],
                noncompliant.key_arn,
            ),
        },
        plain_redis.host,
        None,
        plain_redis.port,
        secret["app"],
    )
    path = tmp_path_factory.mktemp("outputs") / "failing.json"
    path.write_text(json.dumps(document))
    return path


def _run(outputs: Path, moto_endpoint: str, ca: Path, **options) -> Run:
    out, err = io.StringIO(), io.StringIO()
    status = run_verify(
        environments.ENV,
        outputs,
        expectations=environments.EXPECTATIONS,
        aws_endpoint=moto_endpoint,
        ca_bundle=ca,
        output_format="json",
        timeout=3,
        out=out,
        err=err,
        **options,
    )
    return Run(status, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def passing_run(passing_outputs, moto_endpoint, tls) -> Run:
    """One verify run over the compliant environment."""
    return _run(passing_outputs, moto_endpoint, tls.ca_cert)


@pytest.fixture(scope="session")
def failing_run(failing_outputs, moto_endpoint, tls) -> Run:
    """One verify run over the open environment."""
    return _run(failing_outputs, moto_endpoint, tls.ca_cert)


def test_verify_compliant_environment_exits_zero(passing_run) -> None:
    assert passing_run.status == 0, passing_run.out + passing_run.err


def test_verify_compliant_environment_has_no_failed_line(passing_run) -> None:
    assert [c for c in passing_run.checks() if c["status"] == "fail"] == []


def test_verify_reports_one_line_per_check(passing_run) -> None:
    # 6 endpoints x 2 network, 4 db endpoints x 2 + 2 writers + 2 replicas x 2,
    # cache 2 endpoints x 2 + 3, 6 rds x 2, 4 elasticache, 5 s3, 2 kms, 1 iam.
    assert len(passing_run.checks()) == 12 + 14 + 7 + 12 + 4 + 5 + 2 + 1


def test_verify_user_group_reported_not_verifiable_on_moto(passing_run) -> None:
    assert (
        passing_run.status_of("cache_user_group_default_user_off", "sessions") == "not verifiable"
    )


@pytest.mark.parametrize(
    ("check", "target"),
    [
        ("database_tls_connection_succeeds", "orders/writer"),
        ("database_plaintext_refused", "orders/writer"),
        ("cache_plaintext_refused", "sessions/primary"),
        ("cache_anonymous_command_gets_noauth", "sessions/primary"),
        ("cache_default_user_disabled", "sessions/primary"),
        ("bucket_encrypted_with_environment_key", "data"),
        ("bucket_public_access_blocked", "data"),
        ("bucket_versioning_enabled", "data"),
        ("bucket_tls_only_policy_present", "data"),
        ("bucket_replicates_to_dr", "data"),
        ("database_encrypted_with_key", "orders"),
        ("database_not_public", "catalog"),
        ("database_replica_count_as_declared", "orders"),
        ("database_iam_auth_enabled", "orders"),
        ("cache_encrypted_at_rest", "sessions"),
        ("cache_automatic_failover_enabled", "sessions"),
        ("key_rotation_enabled", "confidential"),
        ("role_has_policies", "orders-api"),
    ],
)
def test_verify_open_environment_fails_check(failing_run, check, target) -> None:
    assert failing_run.status_of(check, target) == "fail"


def test_verify_open_environment_exits_one(failing_run) -> None:
    assert failing_run.status == 1


@pytest.mark.parametrize("run", ["passing_run", "failing_run"])
def test_verify_output_never_shows_passwords(run, request, passwords) -> None:
    result: Run = request.getfixturevalue(run)
    assert not [p for p in passwords.all() if p in result.out + result.err]


def test_verify_table_format_prints_one_row_per_check(passing_outputs, moto_endpoint, tls) -> None:
    out = io.StringIO()
    run_verify(
        environments.ENV,
        passing_outputs,
        expectations=environments.EXPECTATIONS,
        aws_endpoint=moto_endpoint,
        ca_bundle=tls.ca_cert,
        timeout=3,
        out=out,
    )
    assert out.getvalue().count(" pass ") == 56


# --- the typer command and `python -m storagectl.verify` ------------------------------


def _cli(*args: str) -> tuple[int, str]:
    app = typer.Typer()
    app.command()(verify)
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_cli_compliant_environment_exits_zero(passing_outputs, moto_endpoint, tls) -> None:
    code, output = _cli(
        environments.ENV,
        "--outputs",
        str(passing_outputs),
        "--stacks-dir",
        str(STACKS),
        "--aws-endpoint",
        moto_endpoint,
        "--ca-bundle",
        str(tls.ca_cert),
        "--timeout",
        "3",
    )
    assert code == 0, output


def test_cli_open_environment_lists_failing_lines(failing_outputs, moto_endpoint, tls) -> None:
    code, output = _cli(
        environments.ENV,
        "--outputs",
        str(failing_outputs),
        "--stacks-dir",
        str(STACKS),
        "--aws-endpoint",
        moto_endpoint,
        "--ca-bundle",
        str(tls.ca_cert),
        "--timeout",
        "2",
        "--format",
        "json",
    )
    failing = [c["check"] for c in json.loads(output)["checks"] if c["status"] == "fail"]
    assert (code, "database_plaintext_refused" in failing) == (1, True)


def _module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "storagectl.verify", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )


def test_cli_garbled_outputs_exits_two_naming_file(tmp_path) -> None:
    garbled = tmp_path / "outputs.json"
    garbled.write_text('{"environment": {"name": "verifytest",')
    result = _module(environments.ENV, "--outputs", str(garbled), "--stacks-dir", str(STACKS))
    assert (result.returncode, result.stderr.strip()) == (
        2,
        f"error: {garbled}: not JSON (line 1, column 39); "
        "re-export it with `pulumi stack output --json --show-secrets > FILE`",
    )


def test_cli_outputs_missing_key_names_key_path(tmp_path, passing_outputs) -> None:
    document = json.loads(passing_outputs.read_text())
    del document["databases"]["orders"]["port"]
    broken = tmp_path / "outputs.json"
    broken.write_text(json.dumps(document))
    code, output = _cli(environments.ENV, "--outputs", str(broken), "--stacks-dir", str(STACKS))
    assert (code, f"{broken}: databases.orders.port: expected a port number" in output) == (2, True)


def test_cli_unknown_environment_exits_two(passing_outputs) -> None:
    code, output = _cli("nosuchenv", "--outputs", str(passing_outputs), "--stacks-dir", str(STACKS))
    assert (code, "unknown environment 'nosuchenv'" in output) == (2, True)


def test_cli_missing_outputs_file_exits_two(tmp_path) -> None:
    result = _module(
        environments.ENV, "--outputs", str(tmp_path / "absent.json"), "--stacks-dir", str(STACKS)
    )
    assert (result.returncode, "absent.json: no such file" in result.stderr) == (2, True)
