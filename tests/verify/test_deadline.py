"""The whole `verify` run ends within its deadline, whatever the endpoints do.

A silent TCP listener (accepts, never answers) stands in for every database and cache,
and a black-holed AWS endpoint (accepts, never answers) for the AWS APIs. The per-
operation timeout is longer than the deadline, so only the deadline can end the run.
Bounds are generous for a loaded 2-core CI machine.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storagectl.verify.runner import run_verify
from tests.verify import environments, fake_servers
from tests.verify.aws_world import Shape, create_secret

# Real servers (or moto) on loopback: deselect with `-m "not servers"`.
pytestmark = pytest.mark.servers

STACKS = Path(__file__).parent / "data" / "stacks"
TIMEOUT = 10


@pytest.fixture(scope="module")
def silent() -> Iterator[fake_servers.FakeServer]:
    """A listener that accepts every connection and never says a word."""
    server = fake_servers.FakeServer(fake_servers.silent_handler)
    yield server
    server.stop()


def _outputs(path: Path, shape, host: str, port: int, secret: str) -> Path:
    databases = {
        name: environments.database(engine, host, [], port, shape.database, secret, shape.key_arn)
        for name, engine in (("orders", "postgres"), ("catalog", "mysql"))
    }
    document = environments.document(shape, databases, host, None, port, secret)
    path.write_text(json.dumps(document))
    return path


def test_deadline_silent_servers_end_within_deadline(
    silent, moto_endpoint, compliant, tls, tmp_path
) -> None:
    secret = create_secret(moto_endpoint, "silent/master", "storage_admin", "pw-silent-1")
    outputs = _outputs(tmp_path / "outputs.json", compliant, silent.host, silent.port, secret)
    output = io.StringIO()
    started = time.monotonic()
    status = run_verify(
        environments.ENV,
        outputs,
        expectations=environments.EXPECTATIONS,
        aws_endpoint=moto_endpoint,
        ca_bundle=tls.ca_cert,
        output_format="json",
        timeout=TIMEOUT,
        deadline=2,
        out=output,
    )
    elapsed = time.monotonic() - started
    unfinished = [c for c in json.loads(output.getvalue())["checks"] if "deadline" in c["detail"]]
    assert (status, elapsed < 10, len(unfinished) > 0) == (1, True, True)


def test_deadline_black_holed_aws_ends_within_deadline(silent, tls, tmp_path) -> None:
    # The secrets, too, live behind the black hole: no check gets anywhere.
    endpoint = f"http://{silent.host}:{silent.port}"
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:master-AbCdEf"
    shape = _black_hole_shape()
    outputs = _outputs(tmp_path / "outputs.json", shape, "127.0.0.1", silent.port, arn)
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "storagectl.verify",
            environments.ENV,
            "--outputs",
            str(outputs),
            "--stacks-dir",
            str(STACKS),
            "--aws-endpoint",
            endpoint,
            "--ca-bundle",
            str(tls.ca_cert),
            "--timeout",
            str(TIMEOUT),
            "--deadline",
            "2",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
    )
    elapsed = time.monotonic() - started
    checks = json.loads(result.stdout)["checks"]
    # Only the TCP reachability checks could pass: the listener does accept connections.
    behind_aws = [c for c in checks if not c["check"].startswith("endpoint_")]
    assert (result.returncode, elapsed < 20, {c["status"] for c in behind_aws}) == (
        1,
        True,
        {"fail"},
    ), result.stderr


def _black_hole_shape() -> Shape:
    key = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    return Shape(key, key, "b", "b-dr", "db", "db2", "aurora", "rg", "ug", "role")
